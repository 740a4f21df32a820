import Crypto

/// One entry of the flattened layer, described by reference to the indexed input layers.
struct PlannedEntry: Sendable {
    enum Action: Sendable {
        /// Write the record's header under the new name; content (and, for a materialized hard
        /// link, the kind) come from `root`.
        case entry(RecordRef, root: RecordRef)
        /// Write the record's header as a hard link to `target`, an earlier output entry.
        case hardLink(RecordRef, target: ByteString)
        case whiteout
        case opaqueMarker
    }

    var name: ByteString
    var action: Action
}

/// The flattened layer, planned: every output entry, the exact size, and the analysis.
///
/// A plan holds the indexed headers of every input layer (memory grows with the number of
/// entries, never with content size) and reads content only in ``write(chunkSize:to:)``.
public struct MergePlan: Sendable {
    /// The layers merged, lowest first.
    public let layers: [LayerSource]
    /// How many of the lowest layers a partial flatten keeps unchanged.
    public let keptLayerCount: Int
    let indexes: [LayerIndex]
    let entries: [PlannedEntry]
    /// The exact byte size of the flattened layer tar ``write(chunkSize:to:)`` produces.
    public let layerSize: Int64
    /// Header bytes read from the layers while indexing (contents are not read then).
    public let headerBytesRead: Int64
    public let analysis: ImageAnalysis

    /// The number of entries the flattened layer has.
    public var entryCount: Int { entries.count }

    /// The layers the flattened layer replaces.
    public var squashedLayers: ArraySlice<LayerSource> { layers[keptLayerCount...] }

    /// The headers of the flattened layer, in output order (for inspection and tests; the
    /// content is not read).
    public func outputEntries() -> [TarEntry] {
        entries.map { Self.header(for: $0, indexes: indexes) }
    }

    static func header(for planned: PlannedEntry, indexes: [LayerIndex]) -> TarEntry {
        func entry(_ ref: RecordRef) -> TarEntry { indexes[Int(ref.layer)][Int(ref.index)].entry }
        switch planned.action {
        case .entry(let ref, let root):
            var header = entry(ref)
            header.name = planned.name
            if ref != root {
                // A hard link standing alone (or first of its group): it becomes what it links
                // to, keeping its own metadata (the same inode's, when the layer was made).
                let target = entry(root)
                header.kind = target.kind
                header.size = target.kind == .regular ? target.size : 0
                header.linkName = target.kind == .symbolicLink ? target.linkName : .empty
                header.deviceMajor = target.deviceMajor
                header.deviceMinor = target.deviceMinor
            } else if header.kind != .symbolicLink {
                header.linkName = .empty
            }
            return header
        case .hardLink(let ref, let target):
            var header = entry(ref)
            header.name = planned.name
            header.kind = .hardLink
            header.size = 0
            header.linkName = target
            header.deviceMajor = 0
            header.deviceMinor = 0
            return header
        case .whiteout, .opaqueMarker:
            // moby writes whiteouts as empty regular files; a fixed mode and time keep the
            // output deterministic.
            return TarEntry(name: planned.name, kind: .regular, mode: 0, size: 0, modificationTime: .zero)
        }
    }

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

        for planned in entries {
            let header = Self.header(for: planned, indexes: indexes)
            try await append(try TarWriter.encodeHeader(header))
            guard header.kind == .regular, header.size > 0 else { continue }
            let source: RecordRef
            switch planned.action {
            case .entry(_, let root): source = root
            default: continue
            }
            let layer = layers[Int(source.layer)]
            var position = indexes[Int(source.layer)].contentOffset(Int(source.index))
            var remaining = header.size
            while remaining > 0 {
                let want = Int(min(remaining, Int64(out.free)))
                let got = try out.fill(count: want) { try layer.region.read(into: $0, at: position) }
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
