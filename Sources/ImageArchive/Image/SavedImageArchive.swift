/// A `docker save` archive (`GET /images/{name}/get`) spooled to a file, indexed once.
///
/// Both layouts are read: the legacy one engines before 25 write (`manifest.json`,
/// `<id>/layer.tar`, `<id>.json`, `repositories`, members in no useful order, layer files
/// possibly symlinks to an identical layer elsewhere in the archive) and the OCI layout of
/// engines 25 and later (`index.json`, `oci-layout`, `blobs/sha256/<hex>`, plus a
/// `manifest.json` whose `Layers` name blobs). The image's layer order always comes from
/// `manifest.json`. Members are located by offset; nothing is extracted.
public final class SavedImageArchive: Sendable {
    /// How the archive is laid out.
    public enum Layout: Hashable, Sendable {
        case legacy
        case oci
    }

    /// One image of the archive: an element of `manifest.json`.
    public struct Image: Hashable, Sendable {
        /// The member holding the config.
        public var config: String
        public var repoTags: [String]
        /// The members holding the layers, lowest first.
        public var layers: [String]
    }

    public let file: RandomAccessFile
    public let layout: Layout
    public let images: [Image]
    /// Header bytes read to index the archive.
    public let headerBytesRead: Int64
    private let members: [String: TarReader.Record]

    /// Opens and indexes the archive at `path`.
    public convenience init(path: String) throws {
        try self.init(file: RandomAccessFile(path: path))
    }

    /// Indexes the archive in `file`.
    public init(file: RandomAccessFile) throws {
        self.file = file
        var reader = TarReader(region: FileRegion(file: file), source: "image archive \(file.path)")
        var members: [String: TarReader.Record] = [:]
        while let record = try reader.next() {
            members[Self.normalize(record.entry.name.description)] = record
        }
        self.members = members
        self.headerBytesRead = reader.bytesRead
        self.layout = members["oci-layout"] != nil && members["index.json"] != nil ? .oci : .legacy

        guard members["manifest.json"] != nil else {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "the archive has no manifest.json (is it a docker save archive?)")
        }
        let manifestBytes = try Self.read(members: members, file: file, name: "manifest.json")
        let json: JSONValue
        do { json = try JSONValue(parsing: manifestBytes) } catch {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "\(error)")
        }
        guard let items = json.arrayValue else {
            throw ImageArchiveError(.invalidManifest, member: "manifest.json", detail: "expected a JSON array of images")
        }
        self.images = try items.enumerated().map { index, item in
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
    /// numbers) are inflated once into unlinked temporary files in `temporaryDirectory`; the
    /// returned sources keep them alive.
    /// `compressedBytesRead` reports the compressed bytes read doing so.
    public func layerSources(of image: Image, temporaryDirectory: String) throws -> (layers: [LayerSource], compressedBytesRead: Int64) {
        let diffIDs = try config(of: image).diffIDs()
        guard diffIDs.count == image.layers.count else {
            throw ImageArchiveError(.invalidManifest, member: image.config, detail: "the config has \(diffIDs.count) diff IDs but manifest.json lists \(image.layers.count) layers")
        }
        var sources: [LayerSource] = []
        var compressedRead: Int64 = 0
        for (i, name) in image.layers.enumerated() {
            var region = try region(ofMember: name)
            let label = "layer \(i) (\(name))"
            let head = try region.read(count: 4, at: 0)
            if head.starts(with: GzipDecompressor.magic) {
                let (file, read) = try GzipDecompressor.decompress(region, member: name, temporaryDirectory: temporaryDirectory)
                region = FileRegion(file: file)
                compressedRead += read
            } else if head.starts(with: ZstdDecompressor.magic) {
                let (file, read) = try ZstdDecompressor.decompress(region, member: name, temporaryDirectory: temporaryDirectory)
                region = FileRegion(file: file)
                compressedRead += read
            }
            sources.append(LayerSource(region: region, label: label, diffID: diffIDs[i]))
        }
        return (sources, compressedRead)
    }

    // MARK: Private

    static func normalize(_ name: String) -> String {
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
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
}
