/// An image flattened from a `docker save` archive, ready to stream as a load archive.
///
/// Built from a ``MergePlan`` and the original config; the new layer's diff ID (and so the new
/// config and image ID) is known only once the layer has been written, but every size is fixed
/// beforehand (a diff ID always has the same length), so ``loadArchiveSize()`` is exact before
/// ``writeLoadArchive(chunkSize:to:)`` starts. In the archive the layers come first, then the
/// config, then `manifest.json`; moby extracts the whole archive before reading any of it.
public struct FlattenedImage: Sendable {
    /// Whether the kept lower layers of a partial flatten travel in the load archive.
    public enum KeptLayers: Hashable, Sendable {
        /// Copied from the spooled original (always loads).
        case include
        /// Only listed: smaller, but loads only where the engine already has those layers
        /// (such as the engine the image was saved from).
        case omit
    }

    public let plan: MergePlan
    public let originalConfig: ImageConfig
    public let repoTags: [String]
    public let keptLayers: KeptLayers

    public init(plan: MergePlan, originalConfig: ImageConfig, repoTags: [String], keptLayers: KeptLayers = .include) throws {
        let ids = try originalConfig.diffIDs()
        guard ids.count == plan.layers.count else {
            throw ImageArchiveError(.invalidArgument, detail: "the config has \(ids.count) diff IDs but the plan merged \(plan.layers.count) layers")
        }
        self.plan = plan
        self.originalConfig = originalConfig
        self.repoTags = repoTags
        self.keptLayers = keptLayers
    }

    /// Indexes the first image of a spooled `docker save` archive and plans its flattening.
    ///
    /// - Parameters:
    ///   - keepingLowest: layers to keep as they are (0 flattens everything).
    ///   - temporaryDirectory: where gzip-compressed layers are inflated (OCI layout).
    ///   - memory: how much of its tables the merge keeps in memory (``MergeMemory``).
    ///   - onIndexed: the merge's progress (``LayerMerge/plan(layers:keepingLowest:memory:onIndexed:)``).
    public init(archive: SavedImageArchive, imageIndex: Int = 0, keepingLowest keptCount: Int = 0, repoTags: [String], keptLayers: KeptLayers = .include, temporaryDirectory: String, memory: MergeMemory = .unlimited, onIndexed: (_ done: Int64, _ total: Int64) -> Void = { _, _ in }) throws {
        guard archive.images.indices.contains(imageIndex) else {
            throw ImageArchiveError(.invalidArgument, member: "manifest.json", detail: "image \(imageIndex) requested, the archive has \(archive.images.count)")
        }
        let image = archive.images[imageIndex]
        let config = try archive.config(of: image)
        let (layers, _) = try archive.layerSources(of: image, temporaryDirectory: temporaryDirectory)
        let plan = try LayerMerge.plan(layers: layers, keepingLowest: keptCount, memory: memory, onIndexed: onIndexed)
        try self.init(plan: plan, originalConfig: config, repoTags: repoTags, keptLayers: keptLayers)
    }

    /// What was written.
    public struct Result: Hashable, Sendable {
        /// The flattened layer's diff ID.
        public var diffID: String
        /// The new config's digest: the image ID the engine will report.
        public var imageID: String
        public var config: ImageConfig
        public var configBytes: [UInt8]
        /// The flattened layer's size.
        public var layerSize: Int64
        /// Bytes of the whole load archive.
        public var archiveSize: Int64
        /// Content bytes read from the input layers for the flattened layer.
        public var contentBytesRead: Int64
    }

    private var placeholderDiffID: String { "sha256:" + String(repeating: "0", count: 64) }

    private var keptLayerSources: ArraySlice<LayerSource> { plan.layers[..<plan.keptLayerCount] }

    private func keptDiffIDs() throws -> [String] { Array(try originalConfig.diffIDs()[..<plan.keptLayerCount]) }

    /// The flattened layer's member name: fixed, because the header is written before the
    /// layer's digest is known.
    static let flattenedLayerMember = "flattened/layer.tar"

    /// The encoder with every layer recorded, and the member name to write for each layer
    /// (nil: omitted, or a duplicate of an earlier identical layer).
    private func encoder() throws -> (LoadArchiveEncoder, [String?]) {
        var encoder = LoadArchiveEncoder(repoTags: repoTags)
        var names: [String?] = []
        for id in try keptDiffIDs() { names.append(encoder.addLayer(diffID: id, include: keptLayers == .include)) }
        names.append(encoder.addLayer(member: Self.flattenedLayerMember, include: true))
        return (encoder, names)
    }

    /// The exact size of the load archive ``writeLoadArchive(chunkSize:to:)`` writes.
    public func loadArchiveSize() throws -> Int64 {
        let (encoder, names) = try encoder()
        var total: Int64 = 0
        for (i, name) in names.enumerated() {
            guard let name else { continue }
            let size = i < plan.keptLayerCount ? keptLayerSources[i].region.count : plan.layerSize
            total += try TarWriter.encodedSize(of: LoadArchiveEncoder.fileEntry(name, size: size))
        }
        let config = try originalConfig.flattened(keepingLowest: plan.keptLayerCount, newDiffID: placeholderDiffID)
        total += try encoder.trailerSize(configBytes: config.serialized())
        return total
    }

    /// Streams only the flattened layer tar (see ``MergePlan/write(chunkSize:to:)``).
    public func writeLayer(chunkSize: Int = 1 << 20, to sink: ([UInt8]) async throws -> Void) async throws -> MergePlan.WriteResult {
        try await plan.write(chunkSize: chunkSize, to: sink)
    }

    /// Streams the load archive: kept layers (unless omitted), the flattened layer, the new
    /// config and `manifest.json`.
    public func writeLoadArchive(chunkSize: Int = 1 << 20, to sink: ([UInt8]) async throws -> Void) async throws -> Result {
        let expectedSize = try loadArchiveSize()
        var written: Int64 = 0
        let (encoder, names) = try encoder()
        for (i, name) in names.enumerated() where i < plan.keptLayerCount {
            guard let name else { continue }
            let region = keptLayerSources[i].region
            let header = try TarWriter.encodeHeader(LoadArchiveEncoder.fileEntry(name, size: region.count))
            try await sink(header)
            written += Int64(header.count)
            try await LoadArchiveEncoder.copy(region, chunkSize: chunkSize) { chunk in
                written += Int64(chunk.count)
                try await sink(chunk)
            }
            let padding = [UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: region.count))
            if !padding.isEmpty { try await sink(padding); written += Int64(padding.count) }
        }
        let layerHeader = try TarWriter.encodeHeader(LoadArchiveEncoder.fileEntry(Self.flattenedLayerMember, size: plan.layerSize))
        try await sink(layerHeader)
        written += Int64(layerHeader.count)
        let layer = try await plan.write(chunkSize: chunkSize) { chunk in
            written += Int64(chunk.count)
            try await sink(chunk)
        }
        let padding = [UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: plan.layerSize))
        if !padding.isEmpty { try await sink(padding); written += Int64(padding.count) }

        let config = try originalConfig.flattened(keepingLowest: plan.keptLayerCount, newDiffID: layer.diffID)
        let configBytes = config.serialized()
        let trailer = try encoder.trailer(configBytes: configBytes)
        try await sink(trailer)
        written += Int64(trailer.count)
        guard written == expectedSize else {
            throw ImageArchiveError(.invalidArgument, detail: "internal error: load archive planned at \(expectedSize) bytes, wrote \(written)")
        }
        return Result(diffID: layer.diffID, imageID: ImageConfig.digest(of: configBytes), config: config, configBytes: configBytes, layerSize: plan.layerSize, archiveSize: written, contentBytesRead: layer.contentBytesRead)
    }
}
