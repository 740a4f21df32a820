/// Why an inbound message breaks a rule of ``ProtocolLimits`` or a text rule: names the field
/// (as a JSON path such as `labels.region` or `target.selector`) and the rule.
///
/// The coordinator answers it `400 invalid_request` with ``description`` as the message.
public struct ProtocolValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad kind of problem, for callers that branch on it.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// A string or list is longer than its limit.
        public static let tooLong = Kind(name: "tooLong")
        /// A string is empty where it must not be.
        public static let empty = Kind(name: "empty")
        /// A number is outside its range.
        public static let outOfRange = Kind(name: "outOfRange")
        /// A string holds a control character (or NUL) where none is allowed.
        public static let controlCharacter = Kind(name: "controlCharacter")
    }

    private enum Problem: Hashable {
        case tooLong(bytes: Int, limit: Int)
        case tooMany(count: Int, limit: Int)
        case empty
        case outOfRange(value: String, range: String)
        case negativeNumber(value: String)
        case controlCharacter(scalar: UInt32, nulOnly: Bool)
    }

    /// The field at fault, as a path into the message.
    public let field: String
    private let problem: Problem

    private init(field: String, problem: Problem) {
        self.field = field
        self.problem = problem
    }

    public var kind: Kind {
        switch problem {
        case .tooLong, .tooMany: .tooLong
        case .empty: .empty
        case .outOfRange, .negativeNumber: .outOfRange
        case .controlCharacter: .controlCharacter
        }
    }

    public var description: String {
        switch problem {
        case .tooLong(let bytes, let limit):
            "\(field) must be at most \(limit) bytes (it has \(bytes))"
        case .tooMany(let count, let limit):
            "\(field) may have at most \(limit) entries (it has \(count))"
        case .empty:
            "\(field) must not be empty"
        case .outOfRange(let value, let range):
            "\(field) must be an integer from \(range) (it is \(value))"
        case .negativeNumber(let value):
            "\(field) must be a number of at least 0 (it is \(value))"
        case .controlCharacter(let scalar, let nulOnly):
            nulOnly
                ? "\(field) must not contain NUL (U+0000)"
                : "\(field) must not contain control characters (found U+\(String(scalar, radix: 16, uppercase: true).leftPadded(to: 4)))"
        }
    }

    static func tooLong(_ field: String, bytes: Int, limit: Int) -> Self {
        Self(field: field, problem: .tooLong(bytes: bytes, limit: limit))
    }

    static func tooMany(_ field: String, count: Int, limit: Int) -> Self {
        Self(field: field, problem: .tooMany(count: count, limit: limit))
    }

    static func empty(_ field: String) -> Self {
        Self(field: field, problem: .empty)
    }

    static func outOfRange<Value: BinaryInteger>(_ field: String, value: String, range: ClosedRange<Value>) -> Self {
        Self(field: field, problem: .outOfRange(value: value, range: "\(range.lowerBound) to \(range.upperBound)"))
    }

    static func negativeNumber(_ field: String, value: Double) -> Self {
        Self(field: field, problem: .negativeNumber(value: "\(value)"))
    }

    static func controlCharacter(_ field: String, scalar: Unicode.Scalar, nulOnly: Bool) -> Self {
        Self(field: field, problem: .controlCharacter(scalar: scalar.value, nulOnly: nulOnly))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
