/// A string kept as the exact bytes a tar archive carried.
///
/// Tar names, link targets and user names are byte strings: Linux file names need not be valid
/// UTF-8, and a `String` would replace such bytes. `ByteString` keeps them exactly, compares and
/// orders them bytewise (so output order is deterministic), and shows them lossily only when
/// printed.
public struct ByteString: Hashable, Comparable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The raw bytes.
    public var bytes: [UInt8]

    /// Wraps raw bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Wraps raw bytes.
    public init<S: Sequence>(bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }

    /// The UTF-8 encoding of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    public init(stringLiteral value: String) { self.init(value) }

    /// The empty byte string.
    public static let empty = ByteString([UInt8]())

    public var isEmpty: Bool { bytes.isEmpty }
    public var count: Int { bytes.count }

    /// The bytes decoded as UTF-8, with invalid sequences replaced (for display only).
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes as UTF-8 if they are valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    public static func == (lhs: ByteString, rhs: ByteString) -> Bool { lhs.bytes == rhs.bytes }

    /// Hashes the bytes as one buffer (the synthesized version feeds the hasher byte by byte).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(bytes.count)
    }

    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public func hasPrefix(_ prefix: ByteString) -> Bool {
        bytes.count >= prefix.bytes.count && bytes.starts(with: prefix.bytes)
    }

    public static func + (lhs: ByteString, rhs: ByteString) -> ByteString {
        ByteString(lhs.bytes + rhs.bytes)
    }
}
