import Foundation
import Testing
@testable import ImageArchive

@Suite("Layers indexed while a save is spooled")
struct SpoolIndexingTests {
    static let longName = String(repeating: "a-long-directory-name/", count: 7) + "file"
    static let layers: [[Item]] = [
        [.dir("etc"), .file("etc/os-release", "base"), .file(longName, "deep"), .file("data/big", String(repeating: "x", count: 70_000)), .file("tmp/scratch", "gone")],
        [
            .raw(TarEntry(name: "etc/xattr", kind: .regular, mode: 0o644, size: 3, modificationTime: TarTimestamp(seconds: 1_700_000_000),
                          extendedAttributes: [ExtendedAttribute(name: "user.note", value: Array("v".utf8))]), Array("abc".utf8)),
            .whiteout("tmp/.wh.scratch"), .link("etc/hard", to: "etc/os-release"),
        ],
        [.dir("data"), .whiteout("data/.wh..wh..opq"), .file("data/new", "n")],
        [.dir("etc"), .file("etc/os-release", "patched")],
    ]

    /// Spools `bytes` in appends of `chunk` bytes.
    func spool(_ bytes: [UInt8], chunk: Int, in dir: TemporaryDirectory) throws -> SavedImageArchive {
        let spool = try ArchiveSpool(directory: dir.path)
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(chunk, bytes.count - offset)
            try spool.append(Array(bytes[offset..<end]))
            offset = end
        }
        return try spool.finish()
    }

    func written(_ plan: MergePlan) async throws -> [UInt8] {
        let collector = Collector()
        _ = try await plan.write(chunkSize: 4096) { collector.append($0) }
        return collector.bytes
    }

    @Test(arguments: [1, 100, 512, 513, 4096, 65_536, Int.max])
    func spooledIndexesPlanTheSameLayer(chunk: Int) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let bytes = try SaveArchiveBuilder(layers: Self.layers).build(.legacy)
        let spooled = try spool(bytes, chunk: chunk, in: dir)
        let reread = try SavedImageArchive(path: try dir.write(bytes, to: "save.tar"))

        let (fromSpool, _) = try spooled.layerSources(of: spooled.images[0], temporaryDirectory: dir.path)
        let (fromFile, _) = try reread.layerSources(of: reread.images[0], temporaryDirectory: dir.path)
        #expect(fromSpool.allSatisfy { $0.indexed != nil }, "every layer tar was indexed while spooled")
        #expect(fromFile.allSatisfy { $0.indexed == nil })

        let a = try LayerMerge.plan(layers: fromSpool)
        let b = try LayerMerge.plan(layers: fromFile)
        #expect(a.outputEntries() == b.outputEntries())
        #expect(a.layerSize == b.layerSize)
        #expect(a.headerBytesRead == b.headerBytesRead)
        #expect(a.analysis.layers.map(\.entryCount) == b.analysis.layers.map(\.entryCount))
        #expect(a.analysis.layers.map(\.contentBytes) == b.analysis.layers.map(\.contentBytes))
        let out = try await written(a)
        #expect(out == (try await written(b)))
        #expect(try readTar(out, in: dir).names.contains(Self.longName))
    }

    @Test func partialFlattensUseTheSpooledIndexesToo() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let bytes = try SaveArchiveBuilder(layers: Self.layers).build(.legacy)
        let spooled = try spool(bytes, chunk: 777, in: dir)
        let reread = try SavedImageArchive(path: try dir.write(bytes, to: "save.tar"))
        let (fromSpool, _) = try spooled.layerSources(of: spooled.images[0], temporaryDirectory: dir.path)
        let (fromFile, _) = try reread.layerSources(of: reread.images[0], temporaryDirectory: dir.path)
        let a = try LayerMerge.plan(layers: fromSpool, keepingLowest: 2)
        let b = try LayerMerge.plan(layers: fromFile, keepingLowest: 2)
        #expect(try await written(a) == (try await written(b)))
    }

    @Test func aLayerTheMergeRefusesIsLeftForTheMergeToName() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let layers: [[Item]] = [[.file("etc/ok", "fine")], [.file("a/../../etc/passwd", "x"), .file("padding", String(repeating: "p", count: 2000))]]
        let bytes = try SaveArchiveBuilder(layers: layers).build(.legacy)
        let spooled = try spool(bytes, chunk: 300, in: dir)
        let (sources, _) = try spooled.layerSources(of: spooled.images[0], temporaryDirectory: dir.path)
        #expect(sources[0].indexed != nil)
        #expect(sources[1].indexed == nil, "the refused layer is not indexed ahead")
        do {
            _ = try LayerMerge.plan(layers: sources)
            Issue.record("a '..' entry was merged")
        } catch let error as MergeError {
            #expect(error.code == .unsafePath)
            #expect(error.layer == sources[1].label)
            #expect(error.entry == "a/../../etc/passwd")
        }
    }

    @Test func corruptLayerTarsAreLeftForTheMergeToReport() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        // A layer member whose first header is corrupt: never indexed ahead, refused by the merge.
        let good = try tarBytes([.file("etc/ok", "fine")])
        let builder = SaveArchiveBuilder(layers: [[.file("etc/ok", "fine")]])
        var bytes = try builder.build(.legacy)
        // Corrupt the layer's first header checksum in place (same sizes, so the outer tar stays valid).
        let at = try #require(bytes.firstRange(of: good.prefix(100))).lowerBound
        bytes[at + 148] = UInt8(ascii: "9")
        let spooled = try spool(bytes, chunk: 1000, in: dir)
        let (sources, _) = try spooled.layerSources(of: spooled.images[0], temporaryDirectory: dir.path)
        #expect(sources[0].indexed == nil)
        #expect(throws: TarError.self) { _ = try LayerMerge.plan(layers: sources) }
    }
}
