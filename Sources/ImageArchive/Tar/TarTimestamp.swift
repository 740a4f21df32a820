/// A tar modification time: whole seconds since the epoch plus a nanosecond fraction.
///
/// ustar headers hold whole seconds; PAX `mtime` records carry fractions such as
/// `1700000000.123456789`. The fraction is always in `0..<1_000_000_000`, also for times before
/// the epoch (`-1.5` is seconds `-2`, nanoseconds `500_000_000`).
public struct TarTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds out of range")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static let zero = TarTimestamp(seconds: 0)

    public static func < (lhs: TarTimestamp, rhs: TarTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// The PAX text form: `secs` or `secs.fraction` without trailing zeros.
    public var paxText: String {
        if nanoseconds == 0 { return String(seconds) }
        var secs = seconds
        var nanos = Int64(nanoseconds)
        var sign = ""
        if secs < 0 {
            // -2 s + 0.5 s is written "-1.5".
            sign = "-"
            secs = -(secs + 1)
            nanos = 1_000_000_000 - nanos
        }
        var fraction = String(nanos)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(secs).\(fraction)"
    }

    /// Parses the PAX text form (`-12`, `1700000000.5`, `.5`, `-1.25`); nil if malformed.
    public init?(paxText text: some StringProtocol) {
        var utf8 = Array(text.utf8)[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") { negative = true; utf8 = utf8.dropFirst() }
        let dot = utf8.firstIndex(of: UInt8(ascii: "."))
        let whole = dot.map { utf8[..<$0] } ?? utf8
        let frac = dot.map { utf8[($0 + 1)...] } ?? utf8[utf8.endIndex...]
        if whole.isEmpty && frac.isEmpty { return nil }
        if dot != nil && frac.isEmpty { return nil }
        var secs: Int64 = 0
        for c in whole {
            guard c >= 48 && c <= 57 else { return nil }
            let (m, o1) = secs.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 48))
            if o1 || o2 { return nil }
            secs = a
        }
        var nanos: Int64 = 0
        var digits = 0
        for c in frac {
            guard c >= 48 && c <= 57 else { return nil }
            // Precision beyond nanoseconds is truncated, as Go's archive/tar does.
            if digits < 9 { nanos = nanos * 10 + Int64(c - 48); digits += 1 }
        }
        while digits < 9 { nanos *= 10; digits += 1 }
        if negative && nanos > 0 {
            self.seconds = -secs - 1
            self.nanoseconds = Int32(1_000_000_000 - nanos)
        } else {
            self.seconds = negative ? -secs : secs
            self.nanoseconds = Int32(nanos)
        }
    }

    public var description: String { paxText }
}
