import ImageArchive

/// Per layer, the file content that later layers delete or overwrite: bytes an image stores but
/// no container sees, which a flatten drops. A pure rule over the layers' tar headers.
///
/// A regular file of a layer is hidden when a later layer has an entry at its path, a whiteout
/// of it or of a directory above it, an opaque marker in a directory above it, or a
/// non-directory entry where one of its parent directories was. (Content a later hard link of
/// the same layer still shares is counted as hidden too: links are rare in overwritten files.)
public enum HiddenBytes {
    /// The hidden content bytes of each layer, lowest first; the top layer's are always 0.
    public static func perLayer(_ layers: [[TarEntry]]) -> [Int64] {
        var result = [Int64](repeating: 0, count: layers.count)
        // Paths an upper layer replaces exactly, and paths whose whole subtree it removes.
        var replaced = Set<ByteString>()
        var removedBelow = Set<ByteString>()
        for index in layers.indices.reversed() {
            let parsed = layers[index].compactMap { entry -> (components: [ByteString], entry: TarEntry)? in
                guard case .success(let components) = EntryPath.components(of: entry.name) else { return nil }
                return (components, entry)
            }
            var hidden: Int64 = 0
            for (components, entry) in parsed where entry.kind == .regular && entry.size > 0 {
                guard let last = components.last, case .ordinary = WhiteoutName.classify(last) else { continue }
                if isHidden(components, replaced: replaced, removedBelow: removedBelow) {
                    hidden += entry.size
                }
            }
            result[index] = hidden
            for (components, entry) in parsed {
                guard let last = components.last else { continue }
                let directory = Array(components.dropLast())
                switch WhiteoutName.classify(last) {
                case .whiteout(let target):
                    let path = EntryPath.join(directory + [target])
                    replaced.insert(path)
                    removedBelow.insert(path)
                case .opaqueMarker:
                    removedBelow.insert(EntryPath.join(directory))
                case .ordinary:
                    let path = EntryPath.join(components)
                    replaced.insert(path)
                    if entry.kind != .directory { removedBelow.insert(path) }
                case .aufsMetadata:
                    break
                }
            }
        }
        return result
    }

    private static func isHidden(_ components: [ByteString], replaced: Set<ByteString>, removedBelow: Set<ByteString>) -> Bool {
        if replaced.contains(EntryPath.join(components)) { return true }
        var prefix: [ByteString] = []
        for component in components.dropLast() {
            if removedBelow.contains(EntryPath.join(prefix)) { return true }
            prefix.append(component)
        }
        return removedBelow.contains(EntryPath.join(prefix))
    }
}
