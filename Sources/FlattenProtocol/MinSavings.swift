/// The least a flatten must save for its result to be kept.
///
/// Encoded as a JSON string: a byte count (`"12345"`), a byte count with a unit (`"100MB"`,
/// `"1.5GiB"`; `B`, `kB`/`KB`, `MB`, `GB`, `TB` are powers of 1000, `KiB`, `MiB`, `GiB`, `TiB`
/// powers of 1024; unit case-insensitive apart from the `i`), or a percentage of the original
/// size (`"10%"`, `"12.5%"`, between 0 and 100). A bare JSON integer is read as bytes too.
/// Byte amounts are always written back as a plain count, so `"100MB"` encodes as `"100000000"`.
public enum MinSavings: Sendable, Hashable, Codable, CustomStringConvertible {
    /// At least this many bytes.
    case bytes(Int64)
    /// At least this percentage of the original image size.
    case percent(Double)

    /// Parses the string form described on the type.
    ///
    /// - Throws: ``MinSavingsError`` naming the problem.
    public init(parsing text: String) throws(MinSavingsError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw MinSavingsError(input: text, reason: "it is empty") }
        if trimmed.hasSuffix("%") {
            guard let value = Double(trimmed.dropLast().trimmingWhitespace()), value.isFinite else {
                throw MinSavingsError(input: text, reason: "the percentage is not a number")
            }
            guard (0...100).contains(value) else {
                throw MinSavingsError(input: text, reason: "a percentage must be between 0 and 100")
            }
            self = .percent(value)
            return
        }
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let numberText = trimmed[..<numberEnd]
        let unitText = trimmed[numberEnd...].trimmingWhitespace()
        guard let multiplier = Self.multiplier(forUnit: unitText) else {
            throw MinSavingsError(input: text, reason: "unknown unit \(String(reflecting: unitText)); use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB or %")
        }
        if let whole = Int64(numberText) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            guard !overflow else { throw MinSavingsError(input: text, reason: "the amount is too large") }
            self = .bytes(product)
        } else if let value = Double(numberText), value.isFinite {
            let bytes = (value * Double(multiplier)).rounded()
            guard bytes < 9.2e18 else { throw MinSavingsError(input: text, reason: "the amount is too large") }
            self = .bytes(Int64(bytes))
        } else {
            throw MinSavingsError(input: text, reason: "expected a byte count such as \"12345\" or \"100MB\", or a percentage such as \"10%\"")
        }
    }

    private static func multiplier(forUnit unit: String) -> Int64? {
        switch unit.lowercased() {
        case "", "b": 1
        case "kb", "k": 1000
        case "mb", "m": 1000 * 1000
        case "gb", "g": 1000 * 1000 * 1000
        case "tb", "t": 1000 * 1000 * 1000 * 1000
        case "kib": 1 << 10
        case "mib": 1 << 20
        case "gib": 1 << 30
        case "tib": 1 << 40
        default: nil
        }
    }

    /// The string form: `"12345"` for bytes, `"10%"` or `"12.5%"` for a percentage.
    public var description: String {
        switch self {
        case .bytes(let bytes):
            return String(bytes)
        case .percent(let value):
            return value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))%" : "\(value)%"
        }
    }

    /// Whether shrinking an image from `originalSize` to `newSize` bytes saves enough.
    public func isSatisfied(originalSize: Int64, newSize: Int64) -> Bool {
        let saved = originalSize - newSize
        switch self {
        case .bytes(let minimum):
            return saved >= minimum
        case .percent(let minimum):
            guard originalSize > 0 else { return minimum <= 0 }
            return Double(saved) * 100 / Double(originalSize) >= minimum
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bytes = try? container.decode(Int64.self) {
            guard bytes >= 0 else {
                throw DecodingError.described(
                    in: container,
                    "invalid minimum savings \(bytes) at \(decoder.codingPath.renderedPath): must not be negative")
            }
            self = .bytes(bytes)
            return
        }
        let text = try container.decode(String.self)
        do {
            self = try MinSavings(parsing: text)
        } catch {
            throw DecodingError.described(
                in: container, "\(decoder.codingPath.renderedPath): \(error.description)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a string is not a valid ``MinSavings``.
public struct MinSavingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that failed to parse.
    public let input: String
    /// What is wrong with it.
    public let reason: String

    public var description: String {
        "invalid minimum savings \(String(reflecting: input)): \(reason)"
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
