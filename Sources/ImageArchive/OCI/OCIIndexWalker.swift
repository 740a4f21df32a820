/// An image manifest reached from `index.json`, with what the archive holds of it.
struct OCIImageCandidate: Sendable {
    /// The entry of `index.json` it was reached from.
    var topLevelIndex: Int
    /// The image names that entry carries (familiar form, `shop:1.0`).
    var names: [String]
    var manifest: OCIDescriptor
    var config: OCIDescriptor
    var layers: [OCIDescriptor]
    /// The platform the index lists it under, if any.
    var descriptorPlatform: ImageConfig.Platform?
    /// The platform its config records (read only when the config is present).
    var configPlatform: ImageConfig.Platform?
    /// BuildKit's attestation manifests (provenance, SBOM) sit in the index beside the images.
    var isAttestation: Bool
    /// Whether the config and every layer are in the archive.
    var isComplete: Bool

    var platform: ImageConfig.Platform? { configPlatform ?? descriptorPlatform }

    /// Whether it is a runnable image (not an attestation or another artifact).
    var isImage: Bool {
        !isAttestation && (config.mediaType.isEmpty || OCIMediaType.isImageConfig(config.mediaType))
    }
}

/// Follows `index.json` of an OCI layout through nested indexes (OCI image indexes and Docker
/// manifest lists) down to image manifests.
///
/// containerd's exporter (`docker save` on Docker 25+) writes a multi-platform image as its
/// index with only the platforms the engine has: the other manifests are listed but their
/// blobs, or their config and layers, are absent. Each candidate records whether it is
/// complete, so the reader can pick one that is.
struct OCIIndexWalker {
    /// The blob for a digest, or nil when the archive does not hold it.
    let readBlob: (String) throws -> [UInt8]?
    /// The size of the blob for a digest, or nil when the archive does not hold it.
    let blobSize: (String) -> Int64?

    static let maximumDepth = 8
    static let imageNameAnnotation = "io.containerd.image.name"
    static let refNameAnnotation = "org.opencontainers.image.ref.name"
    static let referenceTypeAnnotation = "vnd.docker.reference.type"

    /// Every image manifest reachable from `index.json`, in index order.
    func candidates(indexBytes: [UInt8]) throws -> [OCIImageCandidate] {
        let index = try Self.parse(indexBytes, member: "index.json")
        guard let manifests = index["manifests"]?.arrayValue else {
            throw ImageArchiveError(.invalidManifest, member: "index.json", detail: "no manifests array (is it an OCI image index?)")
        }
        var result: [OCIImageCandidate] = []
        for (i, item) in manifests.enumerated() {
            guard let descriptor = OCIDescriptor(json: item) else {
                throw ImageArchiveError(.invalidManifest, member: "index.json", detail: "manifest \(i) has no digest")
            }
            var visited = Set<String>()
            try walk(descriptor, json: item, topLevel: i, names: Self.names(item["annotations"]), platform: nil, depth: 0, visited: &visited, into: &result)
        }
        return result
    }

    private func walk(_ descriptor: OCIDescriptor, json: JSONValue, topLevel: Int, names: [String], platform: ImageConfig.Platform?, depth: Int, visited: inout Set<String>, into result: inout [OCIImageCandidate]) throws {
        guard depth < Self.maximumDepth, visited.insert(descriptor.digest).inserted else { return }
        // Artifacts and signatures are not images, and need not be JSON.
        if !descriptor.mediaType.isEmpty && !OCIMediaType.isIndex(descriptor.mediaType) && !OCIMediaType.isImageManifest(descriptor.mediaType) { return }
        let member = OCIDescriptor.memberName(digest: descriptor.digest)
        // containerd skips a manifest it does not have; so do we.
        guard let bytes = try readBlob(descriptor.digest) else { return }
        let document = try Self.parse(bytes, member: member)
        var mediaType = descriptor.mediaType
        if mediaType.isEmpty {
            mediaType = document["mediaType"]?.stringValue ?? (document["manifests"] != nil ? OCIMediaType.imageIndex : OCIMediaType.imageManifest)
        }
        let platform = ImageConfig.Platform(json: json["platform"]) ?? platform
        var manifest = descriptor
        manifest.mediaType = mediaType
        if manifest.size < 0 { manifest.size = Int64(bytes.count) }

        if OCIMediaType.isIndex(mediaType) {
            guard let children = document["manifests"]?.arrayValue else {
                throw ImageArchiveError(.invalidManifest, member: member, detail: "an index without a manifests array")
            }
            for (i, child) in children.enumerated() {
                guard let childDescriptor = OCIDescriptor(json: child) else {
                    throw ImageArchiveError(.invalidManifest, member: member, detail: "manifest \(i) has no digest")
                }
                try walk(childDescriptor, json: child, topLevel: topLevel, names: names, platform: nil, depth: depth + 1, visited: &visited, into: &result)
            }
        } else if OCIMediaType.isImageManifest(mediaType) {
            guard let configJSON = document["config"], let config = OCIDescriptor(json: configJSON) else {
                throw ImageArchiveError(.invalidManifest, member: member, detail: "an image manifest without a config descriptor")
            }
            let layers = try (document["layers"]?.arrayValue ?? []).enumerated().map { i, layer in
                guard let layer = OCIDescriptor(json: layer) else {
                    throw ImageArchiveError(.invalidManifest, member: member, detail: "layer \(i) has no digest")
                }
                return layer
            }
            let complete = ([config] + layers).allSatisfy { blob in
                guard let size = blobSize(blob.digest) else { return false }
                return blob.size < 0 || blob.size == size
            }
            var configPlatform: ImageConfig.Platform?
            if complete, let configBytes = try? readBlob(config.digest), let configJSON = try? JSONValue(parsing: configBytes) {
                configPlatform = ImageConfig.Platform(json: configJSON)
            }
            let attestation = json["annotations"]?[Self.referenceTypeAnnotation]?.stringValue == "attestation-manifest"
                || (platform?.os == "unknown" && platform?.architecture == "unknown")
            result.append(OCIImageCandidate(
                topLevelIndex: topLevel, names: names, manifest: manifest, config: config, layers: layers,
                descriptorPlatform: platform, configPlatform: configPlatform, isAttestation: attestation, isComplete: complete
            ))
        }
    }

    /// The familiar image names in a top-level descriptor's annotations: containerd's full
    /// name, or an OCI ref name that is a whole reference rather than only a tag.
    static func names(_ annotations: JSONValue?) -> [String] {
        let name = annotations?[imageNameAnnotation]?.stringValue
            ?? annotations?[refNameAnnotation]?.stringValue.flatMap { $0.contains("/") || $0.contains(":") ? $0 : nil }
        guard let name else { return [] }
        return [(try? DockerReference(parsing: name))?.familiar ?? name]
    }

    static func parse(_ bytes: [UInt8], member: String) throws -> JSONValue {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw ImageArchiveError(.invalidManifest, member: member, detail: "\(error)")
        }
        guard case .object = json else {
            throw ImageArchiveError(.invalidManifest, member: member, detail: "expected a JSON object")
        }
        return json
    }
}
