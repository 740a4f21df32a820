import Crypto

/// A `docker save` archive (`GET /images/{name}/get`) spooled to a file, indexed once.
///
/// Both layouts are read: the legacy one engines before 25 and Podman write (`manifest.json`,
/// `<id>/layer.tar`, `<id>.json`, `repositories`, members in no useful order, layer files
/// possibly symlinks to an identical layer elsewhere in the archive) and the OCI layout of
/// engines 25 and later (`index.json`, `oci-layout`, `blobs/sha256/<hex>`, usually with a
/// `manifest.json` whose `Layers` name blobs). Members are located by offset; nothing is
/// extracted.
///
/// `manifest.json`, when present, lists the images and their layer order: it is what the
/// engine chose to export. `index.json` is followed (through nested indexes) to the image
/// manifests, which give each layer's media type and the manifest digest; an image of
/// `manifest.json` gets its ``Image/manifest`` when one of them has the same config and layers.
/// Without `manifest.json` the images come from `index.json` alone: for each entry, the first
/// image manifest whose config and layers are all in the archive (a multi-platform save holds
/// only some platforms), or the one for the platform asked for.
public final class SavedImageArchive: Sendable {
    /// How the archive is laid out.
    public enum Layout: Hashable, Sendable {
        case legacy
        case oci
    }

    /// One image of the archive.
    public struct Image: Hashable, Sendable {
        /// The member holding the config.
        public var config: String
        public var repoTags: [String]
        /// The members holding the layers, lowest first.
        public var layers: [String]
        /// The platform the config records; nil when it records none or cannot be read.
        public var platform: ImageConfig.Platform?
        /// The image manifest describing this image, when the archive has one (OCI layout).
        public var manifest: ImageManifest?
    }

    /// An image manifest of an OCI layout (or Docker schema 2 manifest) that describes an image.
    public struct ImageManifest: Hashable, Sendable {
        /// The manifest blob itself: its digest is the image ID on Docker's containerd store.
        public var descriptor: OCIDescriptor
        public var config: OCIDescriptor
        /// The layers as the manifest lists them (media type, digest, size), lowest first.
        public var layers: [OCIDescriptor]
    }

    public let file: RandomAccessFile
    public let layout: Layout
    public let images: [Image]
    /// Header bytes read to index the archive.
    public let headerBytesRead: Int64
    private let members: [String: TarReader.Record]

    /// Opens and indexes the archive at `path` (see ``init(file:platform:)``).
    public convenience init(path: String, platform: ImageConfig.Platform? = nil) throws {
        try self.init(file: RandomAccessFile(path: path), platform: platform)
    }

    /// Indexes the archive in `file`.
    ///
    /// With `platform`, ``images`` holds only images of that platform (a request without a
    /// variant accepts any); if the archive has none complete, this throws
    /// ``ImageArchiveError/Code/platformNotPresent`` naming the platforms it has.
    ///
    /// An archive that cannot be indexed and does not end with tar's end-of-archive marker
    /// (``TarReader/endsWithEndOfArchiveMarker(_:)``) was cut short, most likely by a stream
    /// that stopped early: that throws ``ImageArchiveError/Code/cutShort`` rather than whatever
    /// the missing bytes made of the last member (a truncated entry, an absurd size, a missing
    /// manifest), so the caller can tell an interrupted save from a corrupt one.
    public convenience init(file: RandomAccessFile, platform: ImageConfig.Platform? = nil) throws {
        do {
            try self.init(indexing: file, platform: platform)
        } catch {
            let region = FileRegion(file: file)
            guard (try? TarReader.endsWithEndOfArchiveMarker(region)) == false else { throw error }
            throw ImageArchiveError(.cutShort, detail: "\(file.path) ends after \(region.count) bytes without tar's end-of-archive marker (indexing it failed: \(error))")
        }
    }

    private init(indexing file: RandomAccessFile, platform: ImageConfig.Platform?) throws {
        self.file = file
        var reader = TarReader(region: FileRegion(file: file), source: "image archive \(file.path)")
        var members: [String: TarReader.Record] = [:]
        while let record = try reader.next() {
            members[Self.normalize(record.entry.name.description)] = record
        }
        self.members = members
        self.headerBytesRead = reader.bytesRead
        self.layout = members["oci-layout"] != nil && members["index.json"] != nil ? .oci : .legacy

        let hasManifest = members["manifest.json"] != nil
        let hasIndex = members["index.json"] != nil
        guard hasManifest || hasIndex else {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "the archive has neither manifest.json nor index.json (is it a docker save archive?)")
        }
        // manifest.json is the source when present: an index.json it cannot use does not stop it.
        let candidates = !hasIndex ? [] : hasManifest ? (try? Self.indexCandidates(members: members, file: file)) ?? [] : try Self.indexCandidates(members: members, file: file)
        var images: [Image]
        if hasManifest {
            images = try Self.manifestImages(members: members, file: file).map { image in
                var image = image
                image.platform = Self.platform(members: members, file: file, config: image.config)
                image.manifest = Self.manifest(agreeingWith: image, among: candidates)
                return image
            }
            if let platform {
                images = images.filter { $0.platform.map(platform.matches) ?? false }
                if images.isEmpty { images = Self.indexImages(candidates, platform: platform) }
            }
        } else {
            images = Self.indexImages(candidates, platform: platform)
            if images.isEmpty && platform == nil {
                let listed = candidates.filter(\.isImage).map { "\($0.platform?.description ?? "unknown platform") (\($0.manifest.digest))" }
                throw ImageArchiveError(.missingMember, member: "index.json", detail: listed.isEmpty
                    ? "index.json lists no image manifest that is in the archive"
                    : "no image listed in index.json has its config and all its layers in the archive; listed: \(listed.joined(separator: ", "))")
            }
        }
        if let platform, images.isEmpty {
            var present = Set(candidates.filter { $0.isImage && $0.isComplete }.compactMap(\.platform?.description))
            if hasManifest {
                for image in try Self.manifestImages(members: members, file: file) {
                    if let p = Self.platform(members: members, file: file, config: image.config) { present.insert(p.description) }
                }
            }
            throw ImageArchiveError(.platformNotPresent, detail: present.isEmpty
                ? "no image for \(platform) in the archive, and no image in it records a platform"
                : "no image for \(platform) in the archive; it has \(present.sorted().joined(separator: ", "))")
        }
        self.images = images
    }

    /// Names of all members (normalized), for inspection.
    public var memberNames: [String] { members.keys.sorted() }

    /// The bytes of a member, resolving symbolic and hard links between members.
    public func region(ofMember name: String) throws -> FileRegion {
        try Self.region(members: members, file: file, name: name)
    }

    /// The raw config bytes of `image`.
    public func configBytes(of image: Image) throws -> [UInt8] {
        try Self.read(members: members, file: file, name: image.config)
    }

    /// The parsed config of `image`.
    public func config(of image: Image) throws -> ImageConfig {
        do { return try ImageConfig(bytes: configBytes(of: image)) } catch let error as ImageArchiveError {
            throw ImageArchiveError(error.code, member: image.config, detail: error.detail)
        }
    }

    /// The uncompressed layer tars of `image`, lowest first, labelled and with their diff IDs
    /// from the config. Gzip- and zstd-compressed layers (OCI layout; recognized by their magic
    /// numbers) are inflated once into unlinked temporary files in `temporaryDirectory`, several
    /// at a time (``ParallelWork``: inflating is CPU-bound and the layers are independent); the
    /// returned sources keep them alive.
    /// `compressedBytesRead` reports the compressed bytes read doing so.
    public func layerSources(of image: Image, temporaryDirectory: String) throws -> (layers: [LayerSource], compressedBytesRead: Int64) {
        let diffIDs = try layerDiffIDs(of: image)
        let regions = try image.layers.map { try region(ofMember: $0) }
        let inflated: [(region: FileRegion, compressedRead: Int64)] = try ParallelWork.map(regions.count) { i in
            let region = regions[i]
            let name = image.layers[i]
            let head = try region.read(count: 4, at: 0)
            if head.starts(with: GzipDecompressor.magic) {
                let (file, read) = try GzipDecompressor.decompress(region, member: name, temporaryDirectory: temporaryDirectory)
                return (FileRegion(file: file), read)
            } else if head.starts(with: ZstdDecompressor.magic) {
                let (file, read) = try ZstdDecompressor.decompress(region, member: name, temporaryDirectory: temporaryDirectory)
                return (FileRegion(file: file), read)
            }
            return (region, 0)
        }
        let sources = inflated.enumerated().map { i, layer in
            LayerSource(region: layer.region, label: "layer \(i) (\(image.layers[i]))", diffID: diffIDs[i])
        }
        return (sources, inflated.reduce(0) { $0 + $1.compressedRead })
    }

    /// Each layer of `image` as the blob `save` gave, lowest first: the exact bytes, to put in
    /// an OCI load archive unchanged so the engine shares them with the base image.
    ///
    /// The digest of a blob named `blobs/sha256/<hex>` is its name (containerd checked it when
    /// exporting); a legacy `<id>/layer.tar` is an uncompressed tar, so its digest is its diff
    /// ID from the config. Neither is re-read here: the engine verifies every blob it loads. A
    /// compressed layer under another name is hashed. The media type is the manifest's (Docker
    /// schema 2 types as their OCI equivalents) when the image has one, else found from the
    /// first bytes.
    public func savedLayerBlobs(of image: Image) throws -> [OCIBlob] {
        let diffIDs = try layerDiffIDs(of: image)
        let listed = image.manifest?.layers
        return try image.layers.enumerated().map { i, name in
            let region = try region(ofMember: name)
            let mediaType: String
            if let listed {
                mediaType = OCIMediaType.ociLayer(for: listed[i].mediaType)
            } else {
                mediaType = OCIMediaType.layer(detectedFrom: try region.read(count: 4, at: 0))
            }
            let digest: String
            if let named = OCIDescriptor.digest(ofBlobMember: Self.normalize(name)) {
                digest = named
            } else if mediaType == OCIMediaType.layer {
                digest = diffIDs[i]
            } else {
                digest = try Self.digest(of: region)
            }
            return OCIBlob(mediaType: mediaType, digest: digest, region: region)
        }
    }

    // MARK: Private

    private func layerDiffIDs(of image: Image) throws -> [String] {
        let diffIDs = try config(of: image).diffIDs()
        guard diffIDs.count == image.layers.count else {
            throw ImageArchiveError(.invalidManifest, member: image.config, detail: "the config has \(diffIDs.count) diff IDs but the manifest lists \(image.layers.count) layers")
        }
        return diffIDs
    }

    static func normalize(_ name: String) -> String {
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// The images `manifest.json` lists.
    private static func manifestImages(members: [String: TarReader.Record], file: RandomAccessFile) throws -> [Image] {
        let manifestBytes = try read(members: members, file: file, name: "manifest.json")
        let json: JSONValue
        do { json = try JSONValue(parsing: manifestBytes) } catch {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "\(error)")
        }
        guard let items = json.arrayValue else {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "expected a JSON array of images")
        }
        return try items.enumerated().map { index, item in
            guard let config = item["Config"]?.stringValue else {
                throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "image \(index) has no Config")
            }
            let tags = try (item["RepoTags"]?.arrayValue ?? []).map { tag -> String in
                guard let s = tag.stringValue else { throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "image \(index) has a non-string RepoTag") }
                return s
            }
            guard let layerValues = item["Layers"]?.arrayValue else {
                throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "image \(index) has no Layers")
            }
            let layers = try layerValues.map { value -> String in
                guard let s = value.stringValue else { throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "image \(index) has a non-string layer") }
                return s
            }
            return Image(config: config, repoTags: tags, layers: layers)
        }
    }

    /// The image manifests `index.json` leads to.
    private static func indexCandidates(members: [String: TarReader.Record], file: RandomAccessFile) throws -> [OCIImageCandidate] {
        let walker = OCIIndexWalker(
            readBlob: { digest in
                let name = OCIDescriptor.memberName(digest: digest)
                guard (try? region(members: members, file: file, name: name)) != nil else { return nil }
                return try read(members: members, file: file, name: name)
            },
            blobSize: { digest in (try? region(members: members, file: file, name: OCIDescriptor.memberName(digest: digest)))?.count }
        )
        return try walker.candidates(indexBytes: read(members: members, file: file, name: "index.json"))
    }

    /// The image manifest among `candidates` with the same config and layers as `image`.
    private static func manifest(agreeingWith image: Image, among candidates: [OCIImageCandidate]) -> ImageManifest? {
        let config = normalize(image.config)
        let layers = image.layers.map(normalize)
        let match = candidates.first { candidate in
            candidate.config.memberName == config && candidate.layers.map(\.memberName) == layers
        }
        return match.map { ImageManifest(descriptor: $0.manifest, config: $0.config, layers: $0.layers) }
    }

    /// One image per entry of `index.json` (entries naming the same manifest merge their
    /// names): its first complete image manifest, for `platform` when given.
    private static func indexImages(_ candidates: [OCIImageCandidate], platform: ImageConfig.Platform?) -> [Image] {
        var images: [Image] = []
        var byManifest: [String: Int] = [:]
        var entries: [Int] = []
        for candidate in candidates where !entries.contains(candidate.topLevelIndex) { entries.append(candidate.topLevelIndex) }
        for entry in entries {
            let usable = candidates.filter { candidate in
                candidate.topLevelIndex == entry && candidate.isImage && candidate.isComplete
                    && (platform == nil || candidate.platform.map(platform!.matches) == true)
            }
            guard let chosen = usable.first else { continue }
            if let earlier = byManifest[chosen.manifest.digest] {
                for name in chosen.names where !images[earlier].repoTags.contains(name) { images[earlier].repoTags.append(name) }
                continue
            }
            byManifest[chosen.manifest.digest] = images.count
            images.append(Image(
                config: chosen.config.memberName, repoTags: chosen.names, layers: chosen.layers.map(\.memberName),
                platform: chosen.configPlatform,
                manifest: ImageManifest(descriptor: chosen.manifest, config: chosen.config, layers: chosen.layers)
            ))
        }
        return images
    }

    /// The platform a config member records, or nil if it records none or cannot be read.
    private static func platform(members: [String: TarReader.Record], file: RandomAccessFile, config: String) -> ImageConfig.Platform? {
        guard let bytes = try? read(members: members, file: file, name: config), let json = try? JSONValue(parsing: bytes) else { return nil }
        return ImageConfig.Platform(json: json)
    }

    private static func region(members: [String: TarReader.Record], file: RandomAccessFile, name: String) throws -> FileRegion {
        var current = normalize(name)
        for _ in 0..<16 {
            guard let record = members[current] else {
                throw ImageArchiveError(.missingMember, member: name, detail: current == normalize(name) ? "not in the archive" : "link target \(current) is not in the archive")
            }
            switch record.entry.kind {
            case .regular:
                return FileRegion(file: file, offset: record.contentOffset, count: record.entry.size)
            case .symbolicLink:
                // docker save links a layer identical to an earlier one: `../<id>/layer.tar`.
                let target = record.entry.linkName.description
                let directory = current.split(separator: "/").dropLast().joined(separator: "/")
                current = normalize(target.hasPrefix("/") ? target : directory + "/" + target)
            case .hardLink:
                current = normalize(record.entry.linkName.description)
            default:
                throw ImageArchiveError(.missingMember, member: name, detail: "\(current) is a \(record.entry.kind), not a file")
            }
        }
        throw ImageArchiveError(.missingMember, member: name, detail: "too many links")
    }

    private static func read(members: [String: TarReader.Record], file: RandomAccessFile, name: String) throws -> [UInt8] {
        let region = try region(members: members, file: file, name: name)
        guard region.count <= 64 << 20 else {
            throw ImageArchiveError(.invalidManifest, member: name, detail: "\(region.count) bytes is too large for a JSON document")
        }
        return try region.read(count: Int(region.count), at: 0)
    }

    /// `sha256:<hex>` of a region, read in chunks.
    private static func digest(of region: FileRegion) throws -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position: Int64 = 0
        while position < region.count {
            let n = try buffer.withUnsafeMutableBytes { try region.read(into: $0, at: position) }
            guard n > 0 else { throw FileAccessError(operation: "read (file shrank)", path: region.file.path, errno: 0) }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
            position += Int64(n)
        }
        return "sha256:" + hasher.finalize().hexString
    }
}
