import ImageArchive

/// One path where two trees differ.
public struct TreeDifference: Sendable, Hashable, CustomStringConvertible {
    /// How the path differs.
    public enum Kind: Sendable, Hashable {
        /// Present only in the first tree (the original).
        case onlyInFirst
        /// Present only in the second tree (the flattened image).
        case onlyInSecond
        /// Present in both with different fields.
        case fields([Field])
    }

    /// One field that differs, with both values rendered for a person.
    public struct Field: Sendable, Hashable, CustomStringConvertible {
        /// `type`, `mode`, `uid`, `gid`, `mtime`, `size`, `content`, `link target`,
        /// `hard links`, `xattrs` or `device`.
        public var name: String
        public var first: String
        public var second: String

        public var description: String { "\(name) \(first) vs \(second)" }
    }

    public var path: ByteString
    public var kind: Kind

    public var description: String {
        let shown = "/" + path.description
        switch kind {
        case .onlyInFirst: return "\(shown) is only in the original"
        case .onlyInSecond: return "\(shown) is only in the flattened image"
        case .fields(let fields): return "\(shown): " + fields.map(\.description).joined(separator: ", ")
        }
    }
}
