import Crypto
import ImageArchive

/// Every entry of a filesystem tar (a container export, a layer) as compared by
/// ``TreeComparison``: type, mode, owner, modification time, content digest, link target,
/// hard-link group and extended attributes, keyed by normalized path.
///
/// Reading hashes each regular file's content once; memory grows with the number of entries,
/// never with their size.
public struct FileTreeSnapshot: Sendable {
    /// One path of the tree.
    public struct Entry: Sendable, Hashable {
        public var kind: TarEntry.Kind
        /// Permission and special bits.
        public var mode: Int64
        public var uid: Int64
        public var gid: Int64
        public var modificationTime: TarTimestamp
        /// Content size of a regular file (or of the file a hard link shares), else 0.
        public var size: Int64
        /// `sha256:<hex>` of a regular file's content (shared by its hard links), else nil.
        public var contentDigest: String?
        /// A symbolic link's target, or nil.
        public var linkTarget: ByteString?
        /// The other paths of this file's hard-link group, sorted (empty when it has no links).
        public var hardLinks: [ByteString]
        /// Extended attributes, sorted by name.
        public var extendedAttributes: [ExtendedAttribute]
        /// Major and minor number of a device node.
        public var device: [Int64]
    }

    /// The entries by normalized path (no leading `./` or `/`, no trailing `/`; the root is "").
    public private(set) var entries: [ByteString: Entry]

    /// Reads the tar in `region`, `source` naming it in errors.
    public init(tar region: FileRegion, source: String) throws {
        var reader = TarReader(region: region, source: source)
        var entries: [ByteString: Entry] = [:]
        // A hard link names an earlier member: its content is that member's, and both belong to
        // one group, named by the first member.
        var groupOf: [ByteString: ByteString] = [:]
        var members: [ByteString: [ByteString]] = [:]
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while let record = try reader.next() {
            let entry = record.entry
            let path = Self.normalize(entry.name)
            var snapshot = Entry(
                kind: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid,
                modificationTime: entry.modificationTime, size: 0, contentDigest: nil, linkTarget: nil,
                hardLinks: [],
                extendedAttributes: entry.extendedAttributes.sorted { $0.name < $1.name },
                device: entry.kind == .characterDevice || entry.kind == .blockDevice ? [entry.deviceMajor, entry.deviceMinor] : []
            )
            switch entry.kind {
            case .regular:
                snapshot.size = entry.size
                snapshot.contentDigest = try Self.digest(region, at: record.contentOffset, count: entry.size, buffer: &buffer, path: path, source: source)
            case .symbolicLink:
                snapshot.linkTarget = entry.linkName
            case .hardLink:
                let target = Self.normalize(entry.linkName)
                guard let linked = entries[target] else {
                    throw TreeSnapshotError(source: source, path: path, detail: "hard link to \(target), which is not an earlier entry")
                }
                let group = groupOf[target] ?? target
                groupOf[path] = group
                members[group, default: [group]].append(path)
                // The link is the file it shares: compare it as that file, with its own header.
                snapshot.kind = linked.kind
                snapshot.size = linked.size
                snapshot.contentDigest = linked.contentDigest
                snapshot.linkTarget = linked.linkTarget
            default:
                break
            }
            entries[path] = snapshot
        }
        for (_, group) in members {
            for path in group {
                entries[path]?.hardLinks = group.filter { $0 != path }.sorted()
            }
        }
        self.entries = entries
    }

    /// Builds a snapshot from entries already known (tests, or trees read some other way).
    public init(entries: [ByteString: Entry]) {
        self.entries = entries
    }

    /// The paths, sorted bytewise.
    public var paths: [ByteString] { entries.keys.sorted() }

    static func normalize(_ name: ByteString) -> ByteString {
        var parts: [ArraySlice<UInt8>] = []
        for part in name.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.count == 1, part.first == UInt8(ascii: ".") { continue }
            parts.append(part)
        }
        return ByteString(Array(parts.joined(separator: [UInt8(ascii: "/")])))
    }

    private static func digest(_ region: FileRegion, at offset: Int64, count: Int64, buffer: inout [UInt8], path: ByteString, source: String) throws -> String {
        var hasher = SHA256()
        var position = offset
        var remaining = count
        while remaining > 0 {
            let want = Int(min(remaining, Int64(buffer.count)))
            let got = try buffer.withUnsafeMutableBytes { bytes in
                try region.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<want]), at: position)
            }
            guard got == want else {
                throw TreeSnapshotError(source: source, path: path, detail: "the archive ends inside the file's content")
            }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += Int64(got)
            remaining -= Int64(got)
        }
        return "sha256:" + hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
        }.joined()
    }
}

/// A filesystem tar that cannot be read as a tree.
public struct TreeSnapshotError: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var path: ByteString
    public var detail: String

    public var description: String {
        "\(source): entry \(String(reflecting: path.description)): \(detail)"
    }
}
