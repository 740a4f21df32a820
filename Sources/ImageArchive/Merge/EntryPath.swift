/// The normalized form of a tar entry name: its components, without `.`, empty components or a
/// leading `/`; `..` is refused because a layer must not reach outside its root.
public enum EntryPath {
    /// Why a name was refused.
    public enum Problem: Error, Hashable, Sendable {
        case parentComponent
    }

    /// The components of `name` (`./a//b/` → `["a", "b"]`; `./` → `[]`, the root).
    public static func components(of name: ByteString) -> Result<[ByteString], Problem> {
        var ranges: [Range<Int>] = []
        if let problem = name.bytes.withUnsafeBufferPointer({ componentRanges(of: $0, into: &ranges) }) {
            return .failure(problem)
        }
        return .success(ranges.map { ByteString(bytes: name.bytes[$0]) })
    }

    /// Fills `ranges` with where the components of `name` lie in it (the same components as
    /// ``components(of:)``, without making them); nil, or the problem with the name.
    static func componentRanges(of name: UnsafeBufferPointer<UInt8>, into ranges: inout [Range<Int>]) -> Problem? {
        ranges.removeAll(keepingCapacity: true)
        var start = 0
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        for end in 0...name.count where end == name.count || name[end] == slash {
            let length = end - start
            if length == 2 && name[start] == dot && name[start + 1] == dot { return .parentComponent }
            if length > 0 && !(length == 1 && name[start] == dot) { ranges.append(start..<end) }
            start = end + 1
        }
        return nil
    }

    /// The components joined with `/` (the root is empty).
    public static func join(_ components: [ByteString]) -> ByteString {
        var out: [UInt8] = []
        for (i, c) in components.enumerated() {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            out += c.bytes
        }
        return ByteString(out)
    }
}

/// What a tar entry's base name makes of it in a layer: an ordinary path, a whiteout deleting a
/// lower path, the marker that makes its directory opaque, or AUFS bookkeeping.
///
/// Only the base name's prefix counts: `a.wh.b` and `.whfoo` are ordinary names.
public enum WhiteoutName: Hashable, Sendable {
    /// An ordinary entry.
    case ordinary
    /// `.wh.NAME`: deletes NAME (and everything below it) from the lower layers.
    case whiteout(target: ByteString)
    /// `.wh..wh..opq`: hides every lower-layer child of the directory it sits in.
    case opaqueMarker
    /// Other `.wh..wh.*` names (AUFS's `.wh..wh.plnk`, `.wh..wh.aufs`): metadata of the AUFS
    /// driver that never belongs to an image's file tree; skipped, as moby skips them.
    case aufsMetadata

    public static let prefix: ByteString = ".wh."
    public static let opaqueMarkerName: ByteString = ".wh..wh..opq"
    static let metaPrefix: ByteString = ".wh..wh."

    /// Classifies a base name (one path component).
    public static func classify(_ baseName: ByteString) -> WhiteoutName {
        guard baseName.hasPrefix(prefix) else { return .ordinary }
        if baseName == opaqueMarkerName { return .opaqueMarker }
        if baseName.hasPrefix(metaPrefix) { return .aufsMetadata }
        return .whiteout(target: ByteString(bytes: baseName.bytes.dropFirst(prefix.count)))
    }
}
