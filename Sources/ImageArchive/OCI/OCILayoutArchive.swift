/// A load archive in the OCI image layout, for engines that store layers as blobs: Docker's
/// containerd image store (Docker 25 and later with it enabled) and Podman. Streamed, with its
/// exact size known before the first byte.
///
/// It holds `oci-layout`, every blob under `blobs/sha256/<hex>` (the config, each layer once
/// however often it is listed, the image manifest), `index.json` naming the manifest, and a
/// Docker-compatible `manifest.json`, so containerd's importer (which reads `index.json`),
/// moby's classic loader and Podman's docker-archive reader (which read `manifest.json`) all
/// accept it. Members are sorted by name, as containerd's exporter (`docker save` on the
/// containerd store) writes them: the blobs, then `index.json`, `manifest.json`, `oci-layout`.
/// containerd's importer stores blobs as they stream past and resolves the index at the end;
/// the other loaders extract the archive before reading it, so the order suits every loader.
public struct OCILayoutArchive: Sendable {
    public let configBytes: [UInt8]
    /// The image's name, if it has one.
    public let reference: DockerReference?
    /// The layers, lowest first.
    public let layers: [OCIBlob]
    /// The image manifest (`application/vnd.oci.image.manifest.v1+json`).
    public let manifestBytes: [UInt8]
    private let platform: ImageConfig.Platform?

    /// An archive of one image. `reference` names it (`shop:1.0-flat`; nil: unnamed);
    /// `layers` must match the config's diff IDs in number.
    public init(configBytes: [UInt8], reference: String?, layers: [OCIBlob]) throws {
        let config = try ImageConfig(bytes: configBytes)
        let diffIDs = try config.diffIDs()
        guard diffIDs.count == layers.count else {
            throw ImageArchiveError(.invalidArgument, detail: "the config has \(diffIDs.count) diff IDs but \(layers.count) layer blobs were given")
        }
        for (i, layer) in layers.enumerated() where !OCIDescriptor.isSHA256Digest(layer.digest) {
            throw ImageArchiveError(.invalidArgument, detail: "layer \(i)'s digest '\(layer.digest)' is not sha256: and 64 lower-case hex digits")
        }
        self.configBytes = configBytes
        self.reference = try reference.map { try DockerReference(parsing: $0) }
        self.layers = layers
        self.platform = config.platform
        let manifest = JSONValue.object([
            JSONMember(key: "schemaVersion", value: .number("2")),
            JSONMember(key: "mediaType", value: .string(OCIMediaType.imageManifest)),
            JSONMember(key: "config", value: OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: ImageConfig.digest(of: configBytes), size: Int64(configBytes.count)).json()),
            JSONMember(key: "layers", value: .array(layers.map { $0.descriptor.json() })),
        ])
        manifestBytes = manifest.serialized()
    }

    /// The config's digest: the image ID Docker's classic (graph driver) store and Podman report.
    public var configDigest: String { ImageConfig.digest(of: configBytes) }

    /// The manifest's digest: the image ID Docker's containerd image store reports.
    public var manifestDigest: String { ImageConfig.digest(of: manifestBytes) }

    /// `index.json`: the manifest, with its platform and, when named, the annotations
    /// containerd names images by (`io.containerd.image.name`, the fully qualified name, and
    /// `org.opencontainers.image.ref.name`, the tag).
    public var indexBytes: [UInt8] {
        var extra: [JSONMember] = []
        if let reference {
            extra.append(JSONMember(key: "annotations", value: .object([
                JSONMember(key: "io.containerd.image.name", value: .string(reference.fullyQualified)),
                JSONMember(key: "org.opencontainers.image.ref.name", value: .string(reference.tag)),
            ])))
        }
        if let platform { extra.append(JSONMember(key: "platform", value: platform.json)) }
        let descriptor = OCIDescriptor(mediaType: OCIMediaType.imageManifest, digest: manifestDigest, size: Int64(manifestBytes.count))
        return JSONValue.object([
            JSONMember(key: "schemaVersion", value: .number("2")),
            JSONMember(key: "mediaType", value: .string(OCIMediaType.imageIndex)),
            JSONMember(key: "manifests", value: .array([descriptor.json(extra)])),
        ]).serialized()
    }

    /// `manifest.json` as `docker save` writes it for an OCI layout: members by blob path, the
    /// name in its familiar form.
    public var dockerManifestBytes: [UInt8] {
        JSONValue.array([.object([
            JSONMember(key: "Config", value: .string(OCIDescriptor.memberName(digest: configDigest))),
            JSONMember(key: "RepoTags", value: .array(reference.map { [.string($0.familiar)] } ?? [])),
            JSONMember(key: "Layers", value: .array(layers.map { .string(OCIDescriptor.memberName(digest: $0.digest)) })),
        ])]).serialized()
    }

    static let layoutBytes = Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)

    /// The archive's exact size.
    public func size() throws -> Int64 {
        try members().reduce(Int64(TarWriter.endOfArchive.count)) { total, member in
            total + (try TarWriter.encodedSize(of: member.entry))
        }
    }

    /// Streams the archive to `sink`; layer blobs are copied from their regions in chunks of
    /// `chunkSize` bytes.
    public func write(chunkSize: Int = 1 << 20, to sink: ([UInt8]) async throws -> Void) async throws {
        let expected = try size()
        var written: Int64 = 0
        func send(_ bytes: [UInt8]) async throws {
            guard !bytes.isEmpty else { return }
            written += Int64(bytes.count)
            try await sink(bytes)
        }
        for member in try members() {
            try await send(try TarWriter.encodeHeader(member.entry))
            switch member.content {
            case .none: continue
            case .bytes(let bytes): try await send(bytes)
            case .region(let region):
                try await LoadArchiveEncoder.copy(region, chunkSize: chunkSize) { try await send($0) }
            }
            try await send([UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: member.entry.size)))
        }
        try await send(TarWriter.endOfArchive)
        guard written == expected else {
            throw ImageArchiveError(.invalidArgument, detail: "internal error: OCI load archive planned at \(expected) bytes, wrote \(written)")
        }
    }

    // MARK: Members

    private struct Member {
        enum Content {
            case none
            case bytes([UInt8])
            case region(FileRegion)
        }
        var entry: TarEntry
        var content: Content

        static func directory(_ name: String) -> Member {
            Member(entry: TarEntry(name: ByteString(name), kind: .directory, mode: 0o755), content: .none)
        }

        static func file(_ name: String, mode: Int64, _ bytes: [UInt8]) -> Member {
            Member(entry: TarEntry(name: ByteString(name), kind: .regular, mode: mode, size: Int64(bytes.count)), content: .bytes(bytes))
        }

        static func blob(_ digest: String, _ content: Content, size: Int64) -> Member {
            Member(entry: TarEntry(name: ByteString(OCIDescriptor.memberName(digest: digest)), kind: .regular, mode: 0o444, size: size), content: content)
        }
    }

    /// Every member, in the order written.
    private func members() throws -> [Member] {
        var blobs: [String: Member] = [:]
        func add(_ digest: String, _ content: Member.Content, size: Int64) throws {
            if let earlier = blobs[digest] {
                guard earlier.entry.size == size else {
                    throw ImageArchiveError(.invalidArgument, member: OCIDescriptor.memberName(digest: digest), detail: "the blob is given twice with different sizes (\(earlier.entry.size) and \(size) bytes)")
                }
                return
            }
            blobs[digest] = .blob(digest, content, size: size)
        }
        try add(configDigest, .bytes(configBytes), size: Int64(configBytes.count))
        for layer in layers { try add(layer.digest, .region(layer.region), size: layer.size) }
        try add(manifestDigest, .bytes(manifestBytes), size: Int64(manifestBytes.count))

        return [.directory("blobs/"), .directory("blobs/sha256/")]
            + blobs.keys.sorted().map { blobs[$0]! }
            + [.file("index.json", mode: 0o644, indexBytes), .file("manifest.json", mode: 0o644, dockerManifestBytes), .file("oci-layout", mode: 0o444, Self.layoutBytes)]
    }
}
