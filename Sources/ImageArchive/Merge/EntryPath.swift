/// The normalized form of a tar entry name: its components, without `.`, empty components or a
/// leading `/`; `..` is refused because a layer must not reach outside its root.
public enum EntryPath {
    /// Why a name was refused.
    public enum Problem: Error, Hashable, Sendable {
        case parentComponent
    }

    /// The components of `name` (`./a//b/` → `["a", "b"]`; `./` → `[]`, the root).
    public static func components(of name: ByteString) -> Result<[ByteString], Problem> {
        var result: [ByteString] = []
        for part in name.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.count == 1 && part.first == UInt8(ascii: ".") { continue }
            if part.count == 2 && part.allSatisfy({ $0 == UInt8(ascii: ".") }) { return .failure(.parentComponent) }
            result.append(ByteString(bytes: part))
        }
        return .success(result)
    }

    /// The components of an already normalized path (the root, empty, has none).
    static func split(_ path: ByteString) -> [ByteString] {
        path.bytes.split(separator: UInt8(ascii: "/")).map { ByteString(bytes: $0) }
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
