import Crypto

/// One entry of the flattened layer, described by reference to the merged tree and the
/// indexed headers: 16 bytes, whatever the path's length.
struct PlannedEntry: Sendable {
    enum Action: UInt8, Sendable {
        /// `record`'s header at `node`'s path; content (and, for a materialized hard link, the
        /// kind) come from the record `source`.
        case entry
        /// `record`'s header as a hard link to the path of node `source`, an earlier output entry.
        case hardLink
        /// Deletes the kept layers' path at `node`.
        case whiteout
        /// Hides the kept layers' children of the directory at `node`.
        case opaqueMarker
    }

    var node: UInt32
    var record: UInt32
    var source: UInt32
    var action: Action

    init(node: UInt32, action: Action, record: UInt32 = FileTree.none, source: UInt32 = FileTree.none) {
        self.node = node
        self.record = record
        self.source = source
        self.action = action
    }
}

/// The flattened layer, planned: every output entry, the exact size, and the analysis.
///
/// A plan holds the indexed headers of every input layer and the merged tree (memory grows with
/// the number of entries, never with content size) and reads content only in
/// ``write(chunkSize:to:)``.
public struct MergePlan: Sendable {
    /// The layers merged, lowest first.
    public let layers: [LayerSource]
    /// How many of the lowest layers a partial flatten keeps unchanged.
    public let keptLayerCount: Int
    let space: TableSpace
    let records: RecordTable
    let tree: FileTree
    let entries: Table<PlannedEntry>
    /// The exact byte size of the flattened layer tar ``write(chunkSize:to:)`` produces.
    public let layerSize: Int64
    /// Header bytes read from the layers while indexing (contents are not read then).
    public let headerBytesRead: Int64
    public let analysis: ImageAnalysis

    /// The number of entries the flattened layer has.
    public var entryCount: Int { entries.count }

    /// The layers the flattened layer replaces.
    public var squashedLayers: ArraySlice<LayerSource> { layers[keptLayerCount...] }

    /// Bytes of the merge's temporary files (0 without a ``MergeMemory`` budget).
    public var spilledBytes: Int { space.spilledBytes }

    /// How often the merge dropped its tables' pages to stay within its budget.
    public var budgetTrims: Int { space.trims }

    /// The headers of the flattened layer, in output order (for inspection and tests; the
    /// content is not read).
    public func outputEntries() -> [TarEntry] {
        (0..<entries.count).map { Self.header(for: entries[$0], tree: tree, records: records) }
    }

    static func header(for planned: PlannedEntry, tree: FileTree, records: RecordTable) -> TarEntry {
        var name: [UInt8] = []
        switch planned.action {
        case .entry:
            var header = records[planned.record].entry
            if planned.node == FileTree.root {
                name = Array("./".utf8)
            } else {
                tree.appendPath(of: planned.node, to: &name)
                if tree[planned.node].isDirectory { name.append(UInt8(ascii: "/")) }
            }
            header.name = ByteString(name)
            if planned.source != planned.record {
                // A hard link standing alone (or first of its group): it becomes what it links
                // to, keeping its own metadata (the same inode's, when the layer was made).
                let target = records[planned.source].entry
                header.kind = target.kind
                header.size = target.kind == .regular ? target.size : 0
                header.linkName = target.kind == .symbolicLink ? target.linkName : .empty
                header.deviceMajor = target.deviceMajor
                header.deviceMinor = target.deviceMinor
            } else if header.kind != .symbolicLink {
                header.linkName = .empty
            }
            return header
        case .hardLink:
            var header = records[planned.record].entry
            tree.appendPath(of: planned.node, to: &name)
            header.name = ByteString(name)
            header.kind = .hardLink
            header.size = 0
            header.linkName = ByteString(tree.path(of: planned.source))
            header.deviceMajor = 0
            header.deviceMinor = 0
            return header
        case .whiteout, .opaqueMarker:
            if planned.action == .whiteout {
                let parent = tree[planned.node].parent
                tree.appendPath(of: parent, to: &name)
                if parent != FileTree.root { name.append(UInt8(ascii: "/")) }
                name += WhiteoutName.prefix.bytes + tree.name(of: planned.node).bytes
            } else {
                tree.appendPath(of: planned.node, to: &name)
                if planned.node != FileTree.root { name.append(UInt8(ascii: "/")) }
                name += WhiteoutName.opaqueMarkerName.bytes
            }
            // moby writes whiteouts as empty regular files; a fixed mode and time keep the
            // output deterministic.
            return TarEntry(name: ByteString(name), kind: .regular, mode: 0, size: 0, modificationTime: .zero)
        }
    }

    /// Files up to this size are read through a ``ReadAheadWindow``.
    static let smallFileSize: Int64 = 32 << 10

    /// What ``write(chunkSize:to:)`` produced.
    public struct WriteResult: Hashable, Sendable {
        /// `sha256:<hex>` of the layer tar: the new layer's diff ID.
        public var diffID: String
        /// Bytes written (always ``MergePlan/layerSize``).
        public var size: Int64
        /// Content bytes read from the input layers.
        public var contentBytesRead: Int64
    }

    /// Streams the flattened layer tar to `sink` in chunks of `chunkSize` bytes (the last may be
    /// shorter), hashing it as it goes. The sink is awaited before more input is read, so a slow
    /// consumer holds the merge back. Memory: one chunk buffer.
    ///
    /// The chunk array is reused after `sink` returns; a sink that keeps it gets its own copy
    /// (arrays are copy-on-write).
    public func write(chunkSize: Int = 1 << 20, to sink: ([UInt8]) async throws -> Void) async throws -> WriteResult {
        precondition(chunkSize > 0, "chunks of at least one byte")
        var out = ChunkBuffer(capacity: chunkSize)
        var hasher = SHA256()
        var written: Int64 = 0
        var contentRead: Int64 = 0
        // Small files are read through a window per layer: output order follows the layers'
        // own order closely (both are sorted walks of the tree), so neighbours share a read.
        var windows = [ReadAheadWindow?](repeating: nil, count: layers.count)

        func flush() async throws {
            guard out.count > 0 else { return }
            out.hash(into: &hasher)
            written += Int64(out.count)
            try await sink(out.count == chunkSize ? out.storage : Array(out.storage[..<out.count]))
            out.count = 0
        }
        func append(_ bytes: [UInt8]) async throws {
            var offset = 0
            while offset < bytes.count {
                offset += out.append(bytes, from: offset)
                if out.isFull { try await flush() }
            }
        }

        for index in 0..<entries.count {
            let planned = entries[index]
            space.tick()
            let header = Self.header(for: planned, tree: tree, records: records)
            try await append(try TarWriter.encodeHeader(header))
            guard header.kind == .regular, header.size > 0, planned.action == .entry else { continue }
            let source = records[planned.source]
            let layer = layers[source.layer]
            if header.size <= Self.smallFileSize, windows[source.layer] == nil {
                windows[source.layer] = ReadAheadWindow(region: layer.region, capacity: 64 << 10)
            }
            var position = source.contentOffset
            var remaining = header.size
            while remaining > 0 {
                let want = Int(min(remaining, Int64(out.free)))
                let got = try out.fill(count: want) { buffer in
                    header.size <= Self.smallFileSize
                        ? try windows[source.layer]!.read(into: buffer, at: position)
                        : try layer.region.read(into: buffer, at: position)
                }
                guard got == want else {
                    throw MergeError(.sourceChanged, layer: layer.label, entry: header.name.description, detail: "content ended \(remaining - Int64(got)) bytes early at offset \(position + Int64(got))")
                }
                position += Int64(got)
                remaining -= Int64(got)
                contentRead += Int64(got)
                if out.isFull { try await flush() }
            }
            let padding = TarWriter.paddingCount(forContentSize: header.size)
            if padding > 0 { try await append([UInt8](repeating: 0, count: padding)) }
        }
        try await append(TarWriter.endOfArchive)
        try await flush()
        guard written == layerSize else {
            throw MergeError(.internalInconsistency, layer: "", entry: nil, detail: "planned \(layerSize) bytes, wrote \(written)")
        }
        let digest = hasher.finalize()
        return WriteResult(diffID: "sha256:" + digest.hexString, size: written, contentBytesRead: contentRead)
    }
}
