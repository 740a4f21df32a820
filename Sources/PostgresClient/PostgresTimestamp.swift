import Foundation

/// Converts between `Date` and PostgreSQL's ISO text format for `timestamptz` / `timestamp`.
///
/// Written by hand (days-from-civil arithmetic) rather than with `DateFormatter` because it is on
/// every row's path, must be thread-safe, and must keep microseconds exactly.
enum PostgresTimestamp {
    private static let microsecondsPerSecond: Int64 = 1_000_000
    private static let secondsPerDay: Int64 = 86_400

    /// `2024-05-06 07:08:09.123456+00`: UTC, microsecond precision (what PostgreSQL stores).
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros.floorDiv(microsecondsPerSecond)
        let fraction = micros - seconds * microsecondsPerSecond
        let days = seconds.floorDiv(secondsPerDay)
        seconds -= days * secondsPerDay
        let (year, month, day) = civil(fromDays: days)
        let hour = seconds / 3600, minute = (seconds % 3600) / 60, second = seconds % 60
        // Year 0 and below are BC years in PostgreSQL's (proleptic Gregorian, no year 0) notation.
        let era = year <= 0 ? " BC" : ""
        let shownYear = year <= 0 ? 1 - year : year
        return "\(pad(shownYear, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(fraction, 6))+00\(era)"
    }

    /// Parses PostgreSQL's ISO `DateStyle` output. A value without a UTC offset (`timestamp`)
    /// is read as UTC.
    static func parse(_ text: String) -> Date? {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        var scanner = Scanner(text.utf8)
        guard let year = scanner.integer(minDigits: 4), scanner.take("-"),
              let month = scanner.integer(exactDigits: 2), scanner.take("-"),
              let day = scanner.integer(exactDigits: 2), scanner.take(" ") || scanner.take("T"),
              let hour = scanner.integer(exactDigits: 2), scanner.take(":"),
              let minute = scanner.integer(exactDigits: 2), scanner.take(":"),
              let second = scanner.integer(exactDigits: 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if scanner.take(".") {
            var digits = 0
            while let digit = scanner.digit() {
                if digits < 6 { micros = micros * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner.advance()
            guard let hours = scanner.integer(exactDigits: 2) else { return nil }
            var offset = hours * 3600
            if scanner.take(":") {
                guard let minutes = scanner.integer(exactDigits: 2) else { return nil }
                offset += minutes * 60
                if scanner.take(":") {
                    guard let seconds = scanner.integer(exactDigits: 2) else { return nil }
                    offset += seconds
                }
            }
            offsetSeconds = sign == UInt8(ascii: "-") ? -offset : offset
        }
        var fullYear = year
        if scanner.take(" ") {
            guard scanner.take("BC") else { return nil }
            fullYear = 1 - year
        }
        guard scanner.isAtEnd else { return nil }
        let days = daysFromCivil(year: fullYear, month: month, day: day)
        let seconds = days * secondsPerDay + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds * microsecondsPerSecond + micros) / 1_000_000)
    }

    // Howard Hinnant's algorithms (http://howardhinnant.github.io/date_algorithms.html).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDiv(400)
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = z.floorDiv(146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ utf8: String.UTF8View) { bytes = Array(utf8) }

        var isAtEnd: Bool { index == bytes.count }
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        mutating func advance() { index += 1 }

        mutating func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
                return false
            }
            index += count
            return true
        }

        mutating func digit() -> Int64? {
            guard let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            index += 1
            return Int64(byte - UInt8(ascii: "0"))
        }

        mutating func integer(exactDigits: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<exactDigits {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func integer(minDigits: Int) -> Int64? {
            var value: Int64 = 0, count = 0
            while count < 12, let digit = digit() {
                value = value * 10 + digit
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
