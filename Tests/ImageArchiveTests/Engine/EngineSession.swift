import DockerEngine
import Foundation
import Testing
import TestSupport
@testable import ImageArchive

/// One file system entry as a container export shows it.
struct ExportedEntry: Hashable, CustomStringConvertible {
    var kind: TarEntry.Kind
    var mode: Int64
    var uid: Int64
    var gid: Int64
    var mtime: TarTimestamp
    var contentDigest: String?
    var linkTarget: String?
    var device: [Int64]
    var capability: [UInt8]?

    var description: String {
        "\(kind) mode \(String(mode, radix: 8)) \(uid):\(gid) mtime \(mtime)" + (contentDigest.map { " \($0.prefix(19))" } ?? "")
            + (linkTarget.map { " -> \($0)" } ?? "") + (capability.map { " cap \($0)" } ?? "")
    }
}

/// A container's file system as exported: entries by path, and hard-link groups.
struct ExportedTree {
    var entries: [String: ExportedEntry]
    /// Each group of paths that share an inode (two or more), sorted.
    var linkGroups: Set<[String]>
}

/// Builds, flattens, exports and cleans up images on the private engine for one test.
final class EngineSession {
    let client: DockerClient
    let dir: TemporaryDirectory
    let repository: String
    private var images: [String] = []

    /// Paths the engine's init layer adds to every container (and their directories' times).
    static let initLayerPaths: Set<String> = [".dockerenv", "dev/", "dev/console", "dev/pts/", "dev/shm/", "etc/hostname", "etc/hosts",
                                              "etc/mtab", "etc/resolv.conf", "proc/", "sys/"]
    static let initLayerDirectories: Set<String> = ["etc/", "dev/"]

    /// The engine's image store: stores that keep blobs are handed an OCI layout with every
    /// layer, graph drivers the legacy archive.
    let store: ImageStore

    init(client: DockerClient, label: String) async throws {
        self.client = client
        self.dir = try TemporaryDirectory("engine-\(label)")
        self.repository = TestEnvironment.uniqueName("archive-\(label)")
        self.store = try await client.describe().imageStore
    }

    /// Removes every image this session made.
    func cleanup() async {
        for image in images.reversed() { _ = try? await client.removeImage(image, force: true) }
        dir.cleanup()
    }

    // MARK: Images

    static let applets = ["sh", "ls", "mkdir", "rm", "rmdir", "echo", "ln", "chmod", "chown", "touch", "mv", "cp", "mkfifo", "mknod", "printf", "cat", "true", "seq", "head", "dd", "setfattr"]

    /// A tiny root file system: static busybox, applet links, a few files later layers delete, and
    /// `etc/test-session` holding `marker`. The marker keeps sessions from sharing a layer digest:
    /// Podman 4.3's storage races when one session removes a layer another is importing
    /// ("committing the finished image: … layer not known").
    static func busyboxRootfs(marker: String) throws -> [UInt8] {
        let busybox = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/bin/busybox")))
        let time = TarTimestamp(seconds: 1_600_000_000)
        var w = TarWriter()
        // A root entry, as `tar -C dir .` writes: the merge must carry it (as "./").
        try w.append(TarEntry(name: "./", kind: .directory, mode: 0o755, modificationTime: time))
        for d in ["bin", "etc", "usr", "usr/share", "usr/share/doc", "opt", "opt/keep"] {
            try w.append(TarEntry(name: ByteString(d + "/"), kind: .directory, mode: 0o755, modificationTime: time))
        }
        try w.append(TarEntry(name: "tmp/", kind: .directory, mode: 0o1777, modificationTime: time))
        try w.append(TarEntry(name: "bin/busybox", kind: .regular, mode: 0o755, size: Int64(busybox.count), modificationTime: time), contents: busybox)
        for applet in applets {
            try w.append(TarEntry(name: ByteString("bin/" + applet), kind: .symbolicLink, mode: 0o777, modificationTime: time, linkName: "busybox"))
        }
        for (name, text) in [("etc/base.conf", "base"), ("usr/share/doc/a", "doc a"), ("usr/share/doc/b", "doc b"), ("opt/keep/x", "x"), ("opt/keep/y", "y"), ("etc/test-session", marker)] {
            try w.append(TarEntry(name: ByteString(name), kind: .regular, mode: 0o644, size: Int64(text.utf8.count), modificationTime: time), contents: Array(text.utf8))
        }
        return w.finish()
    }

    /// Imports the busybox root file system as `<repository>:base`.
    func baseImage() async throws -> String {
        let tag = "\(repository):base"
        _ = try await client.importImage(source: .bytes(try Self.busyboxRootfs(marker: repository)), repository: repository, tag: "base",
                                         changes: [#"CMD ["sh"]"#, "ENV PATH=/bin", "WORKDIR /", #"LABEL flatten.test="yes""#])
        images.append(tag)
        return tag
    }

    /// Builds `dockerfile` (with `FROM` the base image prepended) and extra context files.
    func build(_ dockerfile: String, files: [String: [UInt8]] = [:], tag: String = "orig") async throws -> String {
        let base = try await baseImage()
        var context = TarWriter()
        let text = Array("FROM \(base)\n\(dockerfile)\n".utf8)
        try context.append(TarEntry(name: "Dockerfile", kind: .regular, size: Int64(text.count)), contents: text)
        for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
            try context.append(TarEntry(name: ByteString(name), kind: .regular, size: Int64(bytes.count)), contents: bytes)
        }
        let name = "\(repository):\(tag)"
        // Podman's build cache check fails ("layer not known") when another test removes an
        // image meanwhile; every session's images are its own, so the cache buys nothing.
        _ = try await client.buildImage(context: .bytes(context.finish()), tag: name, noCache: store.kind == .containersStorage)
        images.append(name)
        return name
    }

    /// Saves `image`, flattens it with ImageArchive (keeping the lowest `keep` layers), loads the
    /// result under `<repository>:<tag>` and returns what the flatten wrote.
    func flatten(_ image: String, keep: Int = 0, tag: String = "flat") async throws -> (name: String, result: FlattenedImage.Result) {
        let spool = try SpoolFile(directory: dir.path, prefix: "flatten-spool")
        for try await chunk in try await client.saveImage(image) {
            try chunk.withUnsafeReadableBytes { try spool.append($0) }
        }
        let archive = try SavedImageArchive(file: spool.finish())
        let name = "\(repository):\(tag)"
        let flattened = try FlattenedImage(archive: archive, keepingLowest: keep, repoTags: [name], temporaryDirectory: dir.path)
        if keep == 0 {
            // The base layer's root entry comes first in a full flatten.
            #expect(flattened.plan.outputEntries().first?.name == "./")
        }
        let load: LoadResult
        let result: FlattenedImage.Result
        if store.keepsBlobs {
            // Every layer travels, the merged one compressed, the kept ones as `save` gave them.
            let layer = try await flattened.writeLayerBlob(directory: dir.path)
            let kept = try Array(archive.savedLayerBlobs(of: archive.images[0]).prefix(keep))
            let oci = try flattened.ociLoadArchive(layerBlob: layer, keptBlobs: kept)
            let size = try oci.size()
            var bytes: [UInt8] = []
            try await oci.write { bytes += $0 }
            #expect(Int64(bytes.count) == size)
            load = try await client.loadImage(body: .bytes(bytes))
            result = FlattenedImage.Result(
                diffID: layer.diffID, imageID: store.kind == .containerd ? oci.manifestDigest : oci.configDigest,
                config: try ImageConfig(bytes: oci.configBytes), configBytes: oci.configBytes, layerSize: layer.uncompressedSize,
                archiveSize: size, contentBytesRead: layer.contentBytesRead
            )
        } else {
            // The agent streams it (FlatteningTests cover that); here the bytes are what matters.
            let size = try flattened.loadArchiveSize()
            var bytes: [UInt8] = []
            result = try await flattened.writeLoadArchive(chunkSize: 256 << 10) { bytes += $0 }
            #expect(result.archiveSize == size && Int64(bytes.count) == size)
            load = try await client.loadImage(body: .bytes(bytes))
        }
        images.append(name)
        #expect(load.loadedReferences.contains { [name, "docker.io/" + name, "docker.io/library/" + name].contains($0) }, "\(load.output)")
        return (name, result)
    }

    // MARK: Exports

    /// Creates (never starts) a container of `image`, exports it, removes it.
    func export(_ image: String) async throws -> ExportedTree {
        let container = try await client.createContainer(image: image)
        let path = dir.file("export-\(UUID().uuidString).tar")
        do {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            for try await chunk in try await client.exportContainer(container.id) {
                try handle.write(contentsOf: Array(chunk.readableBytesView))
            }
            try handle.close()
        } catch {
            try? await client.removeContainer(container.id, force: true)
            throw error
        }
        try await client.removeContainer(container.id, force: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Self.readExport(path)
    }

    /// A path as a string that keeps every byte: UTF-8 names as they are, others in hex.
    static func key(_ name: ByteString) -> String {
        name.string ?? "<non-UTF-8> " + name.bytes.map { String($0, radix: 16) }.joined(separator: " ")
    }

    static func readExport(_ path: String) throws -> ExportedTree {
        let region = FileRegion(file: try RandomAccessFile(path: path))
        var reader = TarReader(region: region, source: "export")
        var entries: [String: ExportedEntry] = [:]
        var linkOf: [String: String] = [:]
        while let record = try reader.next() {
            let e = record.entry
            let name = Self.key(e.name)
            if initLayerPaths.contains(name) { continue }
            var digest: String?
            if e.kind == .regular {
                var hasher = ImageArchiveDigest()
                var position: Int64 = 0
                while position < e.size {
                    let n = Int(min(1 << 20, e.size - position))
                    hasher.update(try region.read(count: n, at: record.contentOffset + position))
                    position += Int64(n)
                }
                digest = hasher.finalize()
            }
            var entry = ExportedEntry(
                kind: e.kind, mode: e.mode, uid: e.uid, gid: e.gid,
                mtime: initLayerDirectories.contains(name) ? .zero : e.modificationTime,
                contentDigest: digest,
                linkTarget: e.kind == .symbolicLink ? e.linkName.description : nil,
                device: e.kind == .characterDevice || e.kind == .blockDevice ? [e.deviceMajor, e.deviceMinor] : [],
                capability: e.extendedAttributes.first { $0.name == "security.capability" }?.value
            )
            if e.kind == .hardLink {
                // Same inode as the target: compare it as the target's content.
                let target = Self.key(e.linkName)
                linkOf[name] = linkOf[target] ?? target
                if let t = entries[target] { entry.kind = t.kind; entry.contentDigest = t.contentDigest; entry.device = t.device }
            }
            entries[name] = entry
        }
        var groups: [String: [String]] = [:]
        for (member, root) in linkOf { groups[root, default: [root]].append(member) }
        return ExportedTree(entries: entries, linkGroups: Set(groups.values.map { $0.sorted() }))
    }

    /// Expects two exports to be the same tree, naming every difference.
    static func expectSameTree(_ original: ExportedTree, _ flattened: ExportedTree, sourceLocation: SourceLocation = #_sourceLocation) {
        let paths = Set(original.entries.keys).union(flattened.entries.keys).sorted()
        var differences: [String] = []
        for path in paths where original.entries[path] != flattened.entries[path] {
            differences.append("\(path): original \(original.entries[path].map(\.description) ?? "absent"), flattened \(flattened.entries[path].map(\.description) ?? "absent")")
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))", sourceLocation: sourceLocation)
        #expect(original.linkGroups == flattened.linkGroups, sourceLocation: sourceLocation)
        #expect(original.entries.count > 20, "the export is suspiciously small", sourceLocation: sourceLocation)
    }

    /// The image's runtime config (`Config` of the inspect answer) as a JSON tree.
    func runtimeConfig(_ image: String) async throws -> JSONValue? {
        let inspect = try await client.inspectImage(image)
        return try JSONValue(parsing: inspect.rawJSON)["Config"]
    }

    /// Flattens `image` (keeping `keep` layers) and holds the result against the original as the
    /// engine sees both. Returns the two exports for scenario-specific checks.
    @discardableResult
    func flattenAndCompare(_ image: String, keep: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (original: ExportedTree, flattened: ExportedTree, result: FlattenedImage.Result) {
        let (flat, result) = try await flatten(image, keep: keep, tag: "flat\(keep)")
        let originalInspect = try await client.inspectImage(image)
        let flatInspect = try await client.inspectImage(flat)
        #expect(flatInspect.id == result.imageID, sourceLocation: sourceLocation)
        #expect(flatInspect.diffIDs.count == keep + 1, sourceLocation: sourceLocation)
        #expect(Array(flatInspect.diffIDs.prefix(keep)) == Array(originalInspect.diffIDs.prefix(keep)), sourceLocation: sourceLocation)
        #expect(flatInspect.diffIDs.last == result.diffID, sourceLocation: sourceLocation)
        #expect(try await runtimeConfig(flat) == (try await runtimeConfig(image)), sourceLocation: sourceLocation)
        let history = try await client.imageHistory(flat)
        #expect(history.contains { $0.createdBy.hasPrefix("flatten-fleet: squashed") }, sourceLocation: sourceLocation)
        let original = try await export(image)
        let flattened = try await export(flat)
        Self.expectSameTree(original, flattened, sourceLocation: sourceLocation)
        return (original, flattened, result)
    }
}

/// SHA-256 of content, for comparing exports.
struct ImageArchiveDigest {
    private var bytes: [UInt8] = []
    private var parts: [String] = []
    mutating func update(_ chunk: [UInt8]) { parts.append(ImageConfig.digest(of: chunk)) }
    func finalize() -> String { parts.count == 1 ? parts[0] : ImageConfig.digest(of: Array(parts.joined().utf8)) }
}
