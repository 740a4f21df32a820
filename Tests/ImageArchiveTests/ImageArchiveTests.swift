import Foundation
import Testing
@testable import ImageArchive

@Suite("docker save and docker load archives")
struct ImageArchiveTests {
    static let layers: [[Item]] = [
        [.dir("etc"), .file("etc/os-release", "base"), .file("bin/sh", "shell", mode: 0o755), .file("tmp/scratch", "gone soon")],
        [.file("etc/app.conf", "app"), .whiteout("tmp/.wh.scratch")],
        [.dir("etc"), .file("etc/os-release", "patched")],
        [.dir("etc"), .file("etc/os-release", "patched")],  // identical to the layer below: linked in legacy saves
    ]

    func open(_ bytes: [UInt8], in dir: TemporaryDirectory) throws -> SavedImageArchive {
        try SavedImageArchive(path: try dir.write(bytes, to: "save-\(UUID().uuidString).tar"))
    }

    static let layouts: [SaveArchiveBuilder.Layout] = [.legacy, .oci(.none), .oci(.default), .oci(try! .zstd()), .oci(try! .gzip(level: 9))]

    @Test(arguments: layouts.indices)
    func readsBothLayouts(layoutIndex: Int) async throws {
        let layout = Self.layouts[layoutIndex]
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: Self.layers)
        let archive = try open(try builder.build(layout), in: dir)
        #expect(archive.layout == (layoutIndex == 0 ? .legacy : .oci))
        #expect(archive.images.count == 1)
        let image = archive.images[0]
        #expect(image.repoTags == ["example/app:latest"])
        #expect(try archive.configBytes(of: image) == builder.configBytes())
        #expect(image.platform == ImageConfig.Platform(os: "linux", architecture: "amd64"))
        // Docker 25+ saves hold the image manifest too; it agrees with manifest.json.
        #expect((image.manifest != nil) == (layoutIndex != 0))
        let (sources, compressed) = try archive.layerSources(of: image, temporaryDirectory: dir.path)
        #expect((compressed > 0) == (layoutIndex >= 2))
        let tars = try builder.layerTars()
        for (source, tar) in zip(sources, tars) {
            #expect(try source.region.read(count: Int(source.region.count), at: 0) == tar)
            #expect(source.diffID == ImageConfig.digest(of: tar))
        }
        let plan = try LayerMerge.plan(layers: sources)
        let collector = Collector()
        _ = try await plan.write { collector.append($0) }
        let out = try readTar(collector.bytes, in: dir)
        #expect(out.names == ["bin/sh", "etc/", "etc/app.conf", "etc/os-release"])
        #expect(out[named: "etc/os-release"]?.text == "patched")
    }

    @Test func manifestFirstOrLastMakesNoDifference() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: Self.layers)
        let a = try open(try builder.build(.legacy, manifestLast: true), in: dir)
        let b = try open(try builder.build(.legacy, manifestLast: false), in: dir)
        #expect(a.images == b.images)
    }

    @Test func missingPiecesAreNamed() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var writer = TarWriter()
        try writer.append(TarEntry(name: "manifest.json", kind: .regular, size: 52), contents: Array(#"[{"Config":"c.json","RepoTags":[],"Layers":["x/l"]}]"#.utf8))
        let archive = try open(writer.finish(), in: dir)
        do {
            _ = try archive.config(of: archive.images[0])
            Issue.record("no error")
        } catch let e as ImageArchiveError {
            #expect(e.code == .missingMember)
            #expect(e.description.contains("c.json"))
        }
        var empty = TarWriter()
        try empty.append(TarEntry(name: "other", kind: .regular))
        #expect(throws: ImageArchiveError.self) { try open(empty.finish(), in: dir) }
    }

    @Test func garbageAfterZstdMagicIsCorrupt() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var builder = SaveArchiveBuilder(layers: [[.file("a", "a")]])
        builder.repoTags = []
        var bytes = try builder.build(.oci(.none))
        // Overwrite the layer blob's first bytes with zstd's magic (checksums are not verified by docker save readers).
        let archive = try open(bytes, in: dir)
        let region = try archive.region(ofMember: archive.images[0].layers[0])
        for (i, b) in ZstdDecompressor.magic.enumerated() { bytes[Int(region.offset) + i] = b }
        let broken = try open(bytes, in: dir)
        do {
            _ = try broken.layerSources(of: broken.images[0], temporaryDirectory: dir.path)
            Issue.record("no error")
        } catch let e as ImageArchiveError {
            #expect(e.code == .corruptCompressedLayer)
            #expect(e.member == archive.images[0].layers[0])
        }
    }

    @Test func corruptGzipIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: [[.file("a", String(repeating: "abc", count: 1000))]])
        var bytes = try builder.build(.oci(.default))
        let archive = try open(bytes, in: dir)
        let region = try archive.region(ofMember: archive.images[0].layers[0])
        bytes[Int(region.offset + region.count / 2)] ^= 0xff
        let broken = try open(bytes, in: dir)
        do {
            _ = try broken.layerSources(of: broken.images[0], temporaryDirectory: dir.path)
            Issue.record("no error")
        } catch let e as ImageArchiveError {
            #expect(e.code == .corruptCompressedLayer)
        }
    }

    @Test(arguments: [0, 1, 2])
    func loadArchiveIsExactAndSelfConsistent(keep: Int) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let builder = SaveArchiveBuilder(layers: Self.layers)
        let archive = try open(try builder.build(.legacy), in: dir)
        let flattened = try FlattenedImage(archive: archive, keepingLowest: keep, repoTags: ["example/app:flat"], temporaryDirectory: dir.path)
        let predicted = try flattened.loadArchiveSize()
        let collector = Collector()
        let result = try await flattened.writeLoadArchive(chunkSize: 1024) { collector.append($0) }
        #expect(Int64(collector.bytes.count) == predicted)
        #expect(result.archiveSize == predicted)

        // Read it back as moby's loader would: manifest → config → layers, digests checked.
        let loaded = try open(collector.bytes, in: dir)
        let image = try #require(loaded.images.first)
        #expect(image.repoTags == ["example/app:flat"])
        let configBytes = try loaded.configBytes(of: image)
        #expect(configBytes == result.configBytes)
        #expect(ImageConfig.digest(of: configBytes) == result.imageID)
        #expect(image.config == String(result.imageID.dropFirst(7)) + ".json")
        let config = try ImageConfig(bytes: configBytes)
        let ids = try config.diffIDs()
        #expect(ids.count == keep + 1)
        #expect(ids.last == result.diffID)
        #expect(Array(ids.dropLast()) == Array(try builder.layerTars().prefix(keep).map { ImageConfig.digest(of: $0) }))
        #expect(config.history.filter { !ImageConfig.isEmptyLayer($0) }.count == ids.count)
        for (name, id) in zip(image.layers, ids) {
            let region = try loaded.region(ofMember: name)
            #expect(ImageConfig.digest(of: try region.read(count: Int(region.count), at: 0)) == id)
        }
        #expect(config.json["config"] == (try archive.config(of: archive.images[0])).json["config"])
    }

    @Test func keptLayersMayBeOmitted() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let archive = try open(try SaveArchiveBuilder(layers: Self.layers).build(.legacy), in: dir)
        let flattened = try FlattenedImage(archive: archive, keepingLowest: 2, repoTags: [], keptLayers: .omit, temporaryDirectory: dir.path)
        let collector = Collector()
        let result = try await flattened.writeLoadArchive { collector.append($0) }
        #expect(Int64(collector.bytes.count) == result.archiveSize)
        let loaded = try open(collector.bytes, in: dir)
        #expect(loaded.images[0].layers.count == 3)
        #expect(loaded.memberNames.filter { $0.hasSuffix("layer.tar") } == ["flattened/layer.tar"])
    }

    @Test func genericLoadArchiveSizeIsExact() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let tar = try tarBytes([.file("x", "y")])
        let config = try SaveArchiveBuilder(layers: [[.file("x", "y")]]).configBytes()
        let load = LoadArchive(configBytes: config, repoTags: ["a:b"], layers: [LoadArchive.Layer(diffID: ImageConfig.digest(of: tar), content: .bytes(tar))])
        let collector = Collector()
        try await load.write { collector.append($0) }
        #expect(Int64(collector.bytes.count) == (try load.size()))
        let loaded = try open(collector.bytes, in: dir)
        #expect(try loaded.configBytes(of: loaded.images[0]) == config)
    }

    @Test func spoolIndexesWhatWasAppended() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let bytes = try SaveArchiveBuilder(layers: Self.layers).build(.oci(.default))
        let spool = try SpoolFile(directory: dir.path, prefix: "flatten-spool")
        // The spool file was unlinked at creation: nothing is in the directory, even while writing.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 777)
            try spool.append(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(spool.size == Int64(bytes.count))
        let archive = try SavedImageArchive(file: spool.finish())
        #expect(archive.layout == .oci)
        #expect(archive.file.size == Int64(bytes.count))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("an archive whose stream stopped early is reported as cut short, wherever it stopped")
    func archiveCutShort() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        for layout in [SaveArchiveBuilder.Layout.legacy, .oci(.default)] {
            let bytes = try SaveArchiveBuilder(layers: Self.layers).build(layout)
            let whole = try open(bytes, in: dir)
            #expect(whole.images.count == 1, "\(layout)")
            #expect(try TarReader.endsWithEndOfArchiveMarker(FileRegion(file: whole.file)))
            var cutShort = 0
            let cuts = (1...29).map { bytes.count * $0 / 30 }
            for cut in cuts {
                let prefix = Array(bytes[..<cut])
                // A cut that happens to follow 1024 zero bytes (the end of a layer tar) looks
                // like a whole archive: the error is then whatever indexing found.
                let endsInZeros = prefix.count >= 1024 && prefix.suffix(1024).allSatisfy { $0 == 0 }
                do {
                    _ = try open(prefix, in: dir)
                } catch let error as ImageArchiveError where error.code == .cutShort {
                    #expect(!endsInZeros, "\(layout) cut at \(cut)")
                    #expect(error.description.contains("ends after \(cut) bytes without tar's end-of-archive marker"), "\(error)")
                    cutShort += 1
                } catch {
                    #expect(endsInZeros, "\(layout) cut at \(cut) of \(bytes.count): not reported as cut short: \(error)")
                }
            }
            #expect(cutShort >= 25, "\(layout): \(cutShort) of \(cuts.count) cuts reported as cut short")
        }
    }
}

@Suite("Gzip layers")
struct GzipLayerTests {
    @Test func concatenatedMembersAndPaddingDecompress() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let a = Array(String(repeating: "first member ", count: 50_000).utf8)
        let b = Array(String(repeating: "second ", count: 70_000).utf8)
        let compressed = try LayerCompressor.compress(a, .default) + LayerCompressor.compress(b, .default) + [UInt8](repeating: 0, count: 512)
        let path = try dir.write(compressed, to: "layer.gz")
        let (file, read) = try GzipDecompressor.decompress(FileRegion(file: try RandomAccessFile(path: path)), member: "layer.gz", temporaryDirectory: dir.path)
        #expect(read == Int64(compressed.count))
        #expect(file.size == Int64(a.count + b.count))
        #expect(try file.read(count: Int(file.size), at: 0) == a + b)
    }

    @Test func truncatedGzipIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let compressed = try LayerCompressor.compress(Array(String(repeating: "data ", count: 10_000).utf8), .default)
        let path = try dir.write(Array(compressed.dropLast(20)), to: "short.gz")
        #expect(throws: ImageArchiveError.self) {
            _ = try GzipDecompressor.decompress(FileRegion(file: try RandomAccessFile(path: path)), member: "short.gz", temporaryDirectory: dir.path)
        }
    }
}
