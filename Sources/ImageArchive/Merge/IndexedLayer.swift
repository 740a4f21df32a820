/// One layer's headers as a merge needs them: the compact index, what each entry's name makes
/// of it (ordinary, whiteout, opaque marker), and the layer's counts.
///
/// Built entry by entry, in tar order, by ``LayerMerge`` when it reads a layer, or by
/// ``ArchiveSpool`` while the layer streams past: the same code either way, so a plan is the
/// same whichever built it.
struct IndexedLayer: Sendable {
    /// Why an entry cannot be merged; ``LayerMerge`` turns it into a ``MergeError`` naming the layer.
    enum Problem: Error {
        case unsafePath(entry: String)
        case emptyWhiteout(entry: String)
    }

    private(set) var index = LayerIndex()
    private(set) var roles: [WhiteoutName] = []
    /// Bytes of regular files' content (as the engine counts image size).
    private(set) var contentBytes: Int64 = 0
    /// Header bytes read to build the index.
    var headerBytesRead: Int64 = 0

    /// Adds the next entry of the layer tar. The entry's name is replaced by its normalized path
    /// (the same storage when normalizing changes nothing), which then serves as the key
    /// everywhere a path is looked up.
    mutating func add(_ record: TarReader.Record) throws(Problem) {
        var record = record
        let components: [ByteString]
        switch EntryPath.components(of: record.entry.name) {
        case .success(let c): components = c
        case .failure: throw .unsafePath(entry: record.entry.name.description)
        }
        var role = components.last.map(WhiteoutName.classify) ?? .ordinary
        if components.dropLast().contains(where: { $0.hasPrefix(WhiteoutName.metaPrefix) }) {
            role = .aufsMetadata  // inside an AUFS metadata directory such as .wh..wh.plnk
        }
        if case .whiteout(let target) = role, target.isEmpty {
            throw .emptyWhiteout(entry: record.entry.name.description)
        }
        let normalized = EntryPath.join(components)
        if normalized != record.entry.name { record.entry.name = normalized }
        if record.entry.kind == .regular { contentBytes += record.entry.size }
        index.append(record)
        roles.append(role)
    }
}
