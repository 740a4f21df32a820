/// An archive in the form `POST /images/load` (`docker load`) takes: the legacy layout with
/// `manifest.json` (`Config`, `RepoTags`, `Layers`), the config as `<hex>.json` and each layer
/// as `<hex>/layer.tar`. Streamed, with its exact size known before the first byte.
///
/// moby's loader extracts the archive, reads `manifest.json`, checks that the config has as
/// many diff IDs as `Layers` has entries, and reads a layer file only when its store lacks that
/// layer (by chain ID), checking the file's digest against the diff ID. So a layer the engine
/// already has may be ``LayerContent/omitted``.
public struct LoadArchive: Sendable {
    /// Where a layer's bytes come from.
    public enum LayerContent: Sendable {
        /// Copied from a file region, such as a kept layer of the spooled original.
        case region(FileRegion)
        case bytes([UInt8])
        /// Listed in `manifest.json` but not sent: the engine must have the layer already.
        case omitted
    }

    public struct Layer: Sendable {
        public var diffID: String
        public var content: LayerContent

        public init(diffID: String, content: LayerContent) {
            self.diffID = diffID
            self.content = content
        }

        var size: Int64 {
            switch content {
            case .region(let r): r.count
            case .bytes(let b): Int64(b.count)
            case .omitted: 0
            }
        }
    }

    public var configBytes: [UInt8]
    public var repoTags: [String]
    public var layers: [Layer]

    public init(configBytes: [UInt8], repoTags: [String], layers: [Layer]) {
        self.configBytes = configBytes
        self.repoTags = repoTags
        self.layers = layers
    }

    /// The image ID the engine will give the image: the digest of the config bytes.
    public var imageID: String { ImageConfig.digest(of: configBytes) }

    /// The archive's exact size.
    public func size() throws -> Int64 {
        var builder = LoadArchiveEncoder(repoTags: repoTags)
        var total: Int64 = 0
        for layer in layers {
            if let name = builder.addLayer(diffID: layer.diffID, include: !isOmitted(layer)) {
                total += try TarWriter.encodedSize(of: LoadArchiveEncoder.fileEntry(name, size: layer.size))
            }
        }
        total += try builder.trailerSize(configBytes: configBytes)
        return total
    }

    /// Streams the archive to `sink`.
    public func write(chunkSize: Int = 1 << 20, to sink: ([UInt8]) async throws -> Void) async throws {
        var builder = LoadArchiveEncoder(repoTags: repoTags)
        for layer in layers {
            guard let name = builder.addLayer(diffID: layer.diffID, include: !isOmitted(layer)) else { continue }
            try await sink(try TarWriter.encodeHeader(LoadArchiveEncoder.fileEntry(name, size: layer.size)))
            switch layer.content {
            case .region(let region): try await LoadArchiveEncoder.copy(region, chunkSize: chunkSize, to: sink)
            case .bytes(let bytes): try await sink(bytes)
            case .omitted: break
            }
            let padding = TarWriter.paddingCount(forContentSize: layer.size)
            if padding > 0 { try await sink([UInt8](repeating: 0, count: padding)) }
        }
        try await sink(try builder.trailer(configBytes: configBytes))
    }

    private func isOmitted(_ layer: Layer) -> Bool {
        if case .omitted = layer.content { return true }
        return false
    }
}

/// The parts of a load archive around the layers: member names, config, manifest.
struct LoadArchiveEncoder {
    let repoTags: [String]
    private(set) var layerNames: [String] = []
    private var written = Set<String>()

    init(repoTags: [String]) { self.repoTags = repoTags }

    static func layerName(diffID: String) -> String {
        let hex = diffID.split(separator: ":").last.map(String.init) ?? diffID
        return hex + "/layer.tar"
    }

    /// Records a layer; returns the member name to write, or nil when it is omitted or an
    /// identical layer (same diff ID) was already written.
    mutating func addLayer(diffID: String, include: Bool) -> String? {
        addLayer(member: Self.layerName(diffID: diffID), include: include)
    }

    /// Records a layer stored under `name`; returns the name if it must be written.
    mutating func addLayer(member name: String, include: Bool) -> String? {
        layerNames.append(name)
        guard include, written.insert(name).inserted else { return nil }
        return name
    }

    static func fileEntry(_ name: String, size: Int64) -> TarEntry {
        TarEntry(name: ByteString(name), kind: .regular, mode: 0o644, size: size)
    }

    func configName(configBytes: [UInt8]) -> String {
        let digest = ImageConfig.digest(of: configBytes)
        return String(digest.dropFirst("sha256:".count)) + ".json"
    }

    func manifest(configBytes: [UInt8]) -> [UInt8] {
        let item = JSONValue.object([
            JSONMember(key: "Config", value: .string(configName(configBytes: configBytes))),
            JSONMember(key: "RepoTags", value: .array(repoTags.map(JSONValue.string))),
            JSONMember(key: "Layers", value: .array(layerNames.map(JSONValue.string))),
        ])
        return JSONValue.array([item]).serialized()
    }

    /// Config, manifest and end-of-archive blocks.
    func trailer(configBytes: [UInt8]) throws -> [UInt8] {
        var writer = TarWriter()
        try writer.append(Self.fileEntry(configName(configBytes: configBytes), size: Int64(configBytes.count)), contents: configBytes)
        let manifest = manifest(configBytes: configBytes)
        try writer.append(Self.fileEntry("manifest.json", size: Int64(manifest.count)), contents: manifest)
        return writer.finish()
    }

    func trailerSize(configBytes: [UInt8]) throws -> Int64 {
        Int64(try trailer(configBytes: configBytes).count)
    }

    static func copy(_ region: FileRegion, chunkSize: Int, to sink: ([UInt8]) async throws -> Void) async throws {
        var position: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while position < region.count {
            let want = Int(min(Int64(chunkSize), region.count - position))
            let got = try buffer.withUnsafeMutableBytes { try region.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]), at: position) }
            guard got == want else {
                throw FileAccessError(operation: "read (file shrank)", path: region.file.path, errno: 0)
            }
            try await sink(got == chunkSize ? buffer : Array(buffer[..<got]))
            position += Int64(got)
        }
    }
}
