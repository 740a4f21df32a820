import Foundation
import Testing
@testable import ImageArchive

@Suite("Layer merge")
struct LayerMergeTests {
    @Test func upperFileWinsAndDirectoriesMerge() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("etc", mode: 0o755), .file("etc/a", "lower a"), .file("etc/b", "lower b")],
            [.dir("etc", mode: 0o700, uid: 5), .file("etc/a", "upper a")],
        ], in: dir).entries
        #expect(out.names == ["etc/", "etc/a", "etc/b"])
        #expect(out[named: "etc/"]?.entry.mode == 0o700)
        #expect(out[named: "etc/"]?.entry.uid == 5)
        #expect(out[named: "etc/a"]?.text == "upper a")
        #expect(out[named: "etc/b"]?.text == "lower b")
    }

    @Test func whiteoutDeletesLowerSubtreeAndNeverReachesOutput() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("a"), .dir("a/sub"), .file("a/sub/deep", "x"), .file("a/keep", "k"), .file("top", "t")],
            [.whiteout("a/.wh.sub"), .whiteout(".wh.top")],
        ], in: dir).entries
        #expect(out.names == ["a/", "a/keep"])
    }

    @Test func whiteoutPrefixOnlyCountsAtTheStartOfTheBaseName() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("b", "lower b"), .file("x/foo", "foo")],
            [.file("a.wh.b", "ordinary"), .file("x/.whfoo", "ordinary too"), .dir(".wh.dir.x"), .file("y.wh..wh..opq", "z")],
        ], in: dir).entries
        #expect(out.names == ["a.wh.b", "b", "x/.whfoo", "x/foo", "y.wh..wh..opq"])
        #expect(out[named: "b"]?.text == "lower b")
        #expect(out[named: "x/foo"]?.text == "foo")
        #expect(out[named: "a.wh.b"]?.text == "ordinary")
        #expect(out[named: "x/.whfoo"]?.text == "ordinary too")
        #expect(out[named: "y.wh..wh..opq"] != nil)
        // `.wh.dir.x` at the root deletes "dir.x" (absent): it is a whiteout, not an entry.
        #expect(out.names.allSatisfy { !$0.hasPrefix(".wh.") })
    }

    @Test func opaqueDirectoryHidesLowerChildrenOnlyWhateverTheOrder() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("d"), .file("d/old1", "1"), .dir("d/oldsub"), .file("d/oldsub/x", "x"), .file("other", "o")],
            // The marker comes after this layer's own children of d: they must survive.
            [.dir("d", mode: 0o711), .file("d/new", "n"), .whiteout("d/.wh..wh..opq")],
        ], in: dir).entries
        #expect(out.names == ["d/", "d/new", "other"])
        #expect(out[named: "d/"]?.entry.mode == 0o711)
    }

    @Test func whiteoutAppliesOnlyToLowerLayersNotItsOwn() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("f", "old"), .dir("g"), .file("g/inner", "gone")],
            // Deleted and re-created in the same layer, whiteouts listed after the new entries.
            [.file("f", "new"), .dir("g"), .file("g/fresh", "fresh"), .whiteout(".wh.f"), .whiteout(".wh.g")],
        ], in: dir).entries
        #expect(out.names == ["f", "g/", "g/fresh"])
        #expect(out[named: "f"]?.text == "new")
    }

    @Test func nonDirectoryOverDirectoryAndBack() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("p"), .file("p/child", "c"), .file("q", "file q"), .dir("r"), .file("r/x", "x")],
            [.file("p", "now a file"), .dir("q"), .file("q/inside", "i"), .symlink("r", to: "/elsewhere")],
        ], in: dir).entries
        #expect(out.names == ["p", "q/", "q/inside", "r"])
        #expect(out[named: "p"]?.text == "now a file")
        #expect(out[named: "r"]?.entry.kind == .symbolicLink)
    }

    @Test func deleteThenRecreateInLaterLayers() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("app"), .file("app/a", "v1"), .file("app/b", "b1")],
            [.whiteout(".wh.app")],
            [.dir("app"), .file("app/a", "v3")],
            [.whiteout("app/.wh.a")],
            [.file("app/a", "v5")],
        ], in: dir).entries
        #expect(out.names == ["app/", "app/a"])
        #expect(out[named: "app/a"]?.text == "v5")
    }

    @Test func metadataOnlyCopyUpWinsEntirely() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("bin/tool", "same", mode: 0o644, uid: 0, mtime: 100)],
            [.file("bin/tool", "same", mode: 0o4755, uid: 33, gid: 44, mtime: 200)],
        ], in: dir).entries
        let tool = try #require(out[named: "bin/tool"])
        #expect(tool.entry.mode == 0o4755)
        #expect(tool.entry.uid == 33 && tool.entry.gid == 44)
        #expect(tool.entry.modificationTime.seconds == 200)
        // No entry for "bin/": the layers never had one (the directory is implied).
        #expect(out.names == ["bin/tool"])
    }

    @Test func hardLinkWhoseTargetIsDeletedKeepsItsContent() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("data/original", "precious"), .link("data/alias", to: "data/original", mode: 0o640)],
            [.whiteout("data/.wh.original")],
        ], in: dir).entries
        let alias = try #require(out[named: "data/alias"])
        #expect(alias.entry.kind == .regular)
        #expect(alias.text == "precious")
        #expect(alias.entry.mode == 0o640)
        #expect(out.names == ["data/alias"])
    }

    @Test func hardLinkWhoseTargetIsReplacedKeepsTheOldContent() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("t", "old"), .link("l", to: "t")],
            [.file("t", "new")],
        ], in: dir).entries
        #expect(out[named: "l"]?.entry.kind == .regular)
        #expect(out[named: "l"]?.text == "old")
        #expect(out[named: "t"]?.text == "new")
    }

    @Test func survivingGroupStaysLinkedTargetFirst() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            // The group's file sorts after its links: the first member in output order carries
            // the content, the others link to it.
            [.file("z/file", "shared"), .link("a/one", to: "z/file"), .link("m/two", to: "a/one")],
            [.file("unrelated", "u")],
        ], in: dir).entries
        #expect(out.names == ["a/one", "m/two", "unrelated", "z/file"])
        #expect(out[named: "a/one"]?.entry.kind == .regular)
        #expect(out[named: "a/one"]?.text == "shared")
        #expect(out[named: "m/two"]?.entry.kind == .hardLink)
        #expect(out[named: "m/two"]?.entry.linkName == "a/one")
        #expect(out[named: "z/file"]?.entry.kind == .hardLink)
        #expect(out[named: "z/file"]?.entry.linkName == "a/one")
    }

    @Test func groupIsRepointedWhenItsFileIsDeleted() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("a", "content"), .link("b", to: "a"), .link("c", to: "b")],  // a chain
            [.whiteout(".wh.a")],
        ], in: dir).entries
        #expect(out.names == ["b", "c"])
        #expect(out[named: "b"]?.entry.kind == .regular)
        #expect(out[named: "b"]?.text == "content")
        #expect(out[named: "c"]?.entry.kind == .hardLink)
        #expect(out[named: "c"]?.entry.linkName == "b")
    }

    @Test func hardLinksUnderLongPaths() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let deep = (0..<12).map { "level\($0)" }.joined(separator: "/")
        let out = try await flatten([
            [.file("\(deep)/target-file-with-a-long-name", "long"), .link("\(deep)/link-with-a-long-name", to: "\(deep)/target-file-with-a-long-name")],
            [.whiteout("\(deep)/.wh.target-file-with-a-long-name")],
            [.file("\(deep)/x", "x"), .link("\(deep)/y", to: "\(deep)/x"), .link("short", to: "\(deep)/x")],
        ], in: dir).entries
        #expect(out[named: "\(deep)/link-with-a-long-name"]?.text == "long")
        // "level0/…/x" sorts first: it carries the content, y and "short" link to it.
        #expect(out[named: "\(deep)/x"]?.entry.kind == .regular)
        #expect(out[named: "\(deep)/x"]?.text == "x")
        #expect(out[named: "\(deep)/y"]?.entry.linkName.description == "\(deep)/x")
        #expect(out[named: "short"]?.entry.linkName.description == "\(deep)/x")
        #expect(out.filter { $0.entry.kind == .hardLink }.count == 2)
    }

    @Test func hardLinkToLowerLayerResolvesToTheFileBelow() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.file("lib/real", "lower content"), .file("lib/gone", "deleted later")],
            [.link("lib/alias", to: "lib/real"), .link("lib/orphan", to: "lib/gone")],
            [.whiteout("lib/.wh.gone")],
        ], in: dir).entries
        // The link joins the lower file's group while both survive.
        #expect(out[named: "lib/alias"]?.entry.kind == .regular)
        #expect(out[named: "lib/alias"]?.text == "lower content")
        #expect(out[named: "lib/real"]?.entry.kind == .hardLink)
        #expect(out[named: "lib/real"]?.entry.linkName == "lib/alias")
        // Its target is gone in the final tree: materialized with the content it had.
        #expect(out[named: "lib/orphan"]?.entry.kind == .regular)
        #expect(out[named: "lib/orphan"]?.text == "deleted later")
    }

    @Test func hardLinkToSymlinkIsMaterializedAsSymlink() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.symlink("s", to: "../../etc/shadow"), .link("h", to: "s")],
            [.whiteout(".wh.s")],
        ], in: dir).entries
        #expect(out[named: "h"]?.entry.kind == .symbolicLink)
        #expect(out[named: "h"]?.entry.linkName == "../../etc/shadow")
    }

    @Test func unsafeNamesAreRefusedNamingLayerAndEntry() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        for (items, code) in [([Item.file("a/../../etc/passwd", "x")], MergeError.Code.unsafePath),
                              ([.file("ok", "x"), .link("l", to: "../ok")], .unsafeHardLink),
                              ([.link("l", to: "missing")], .hardLinkTargetMissing),
                              ([.dir("d"), .link("l", to: "d")], .hardLinkToDirectory),
                              ([.file("./", "x")], .rootNotDirectory),
                              ([.whiteout("dir/.wh.")], .emptyWhiteout)] {
            do {
                _ = try await flatten([[.file("base", "b")], items], in: dir)
                Issue.record("no error for \(items.map(\.entry.name))")
            } catch let error as MergeError {
                #expect(error.code == code)
                #expect(error.layer == "layer 1")
                #expect(error.description.contains("layer 1"))
                #expect(error.entry != nil)
            }
        }
    }

    @Test func namesAreNormalized() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("./usr"), .file("./usr//bin/./tool", "t"), .file("/abs", "a"), .dir("trailing/")],
            [.file("usr/bin/tool", "t2")],
        ], in: dir).entries
        #expect(out.names == ["abs", "trailing/", "usr/", "usr/bin/tool"])
        #expect(out[named: "usr/bin/tool"]?.text == "t2")
    }

    @Test func rootEntryIsKept() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([[.dir("./", mode: 0o755), .file("a", "a")], [.dir("/", mode: 0o700)]], in: dir).entries
        #expect(out.names == ["./", "a"])
        #expect(out[0].entry.mode == 0o700)
    }

    @Test func everythingElseSurvivesAsWritten() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let cap: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let specials: [Item] = [
            .raw(TarEntry(name: "dev/null", kind: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3)),
            .raw(TarEntry(name: "dev/sda", kind: .blockDevice, mode: 0o660, uid: 3_000_000, deviceMajor: 8)),
            .raw(TarEntry(name: "run/fifo", kind: .fifo, mode: 0o600)),
            .raw(TarEntry(name: "bin/ping", kind: .regular, mode: 0o4755, userName: "root", groupName: "wheel", size: 3,
                          modificationTime: TarTimestamp(seconds: 1_600_000_000, nanoseconds: 123_000_000),
                          extendedAttributes: [ExtendedAttribute(name: "security.capability", value: cap)]), Array("elf".utf8)),
            .file("locked", "", mode: 0),
            .dir("tmp", mode: 0o1777),
            .symlink("dangling", to: "/does/not/exist"),
            .symlink("loop", to: "loop"),
            .symlink("up", to: "../../.."),
            .file("with space", "1"), .file("tab\tname", "2"), .file("new\nline", "3"), .file("-dash", "4"),
            .file("A", "upper"), .file("a", "lower"),
        ]
        let out = try await flatten([specials, [.file("other", "o")]], in: dir).entries
        for item in specials {
            var expected = item.entry
            let found = try #require(out.first { EntryPath.join(try! EntryPath.components(of: $0.entry.name).get()) == EntryPath.join(try! EntryPath.components(of: item.entry.name).get()) })
            expected.name = found.entry.name
            #expect(found.entry == expected)
            #expect(found.content == item.content)
        }
    }

    @Test func outputIsOrderedParentsFirstAndDeterministic() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let lower: [Item] = [.file("b/z", "z"), .dir("b"), .file("a", "a"), .dir("b/c"), .file("b/c/d", "d")]
        let upper: [Item] = [.file("b/y", "y"), .whiteout("b/.wh.z")]
        let first = try await flatten([lower, upper], in: dir)
        let second = try await flatten([lower.reversed(), upper.reversed()], in: dir)
        #expect(first.entries.names == ["a", "b/", "b/c/", "b/c/d", "b/y"])
        #expect(first.bytes == second.bytes)
        #expect(first.result.diffID == second.result.diffID)
        #expect(first.result.diffID == ImageConfig.digest(of: first.bytes))
        #expect(first.plan.layerSize == Int64(first.bytes.count))
        #expect(first.result.size == first.plan.layerSize)
    }

    @Test func chunksRespectTheChunkSize() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let big = String(repeating: "0123456789", count: 10_000)
        let sources = try [layer([.file("big", big), .file("small", "s")], in: dir)]
        let plan = try LayerMerge.plan(layers: sources)
        var sizes: [Int] = []
        let result = try await plan.write(chunkSize: 8192) { sizes.append($0.count) }
        #expect(sizes.dropLast().allSatisfy { $0 == 8192 })
        #expect(Int64(sizes.reduce(0, +)) == plan.layerSize)
        #expect(result.contentBytesRead == Int64(big.utf8.count + 1))
    }

    @Test func aufsMetadataIsSkipped() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([[.file("keep", "k")], [.dir(".wh..wh.plnk"), .file(".wh..wh.plnk/123.4", "x"), .file(".wh..wh.aufs", "")]], in: dir).entries
        #expect(out.names == ["keep"])
    }

    // MARK: Partial flatten

    @Test func partialFlattenKeepsWhiteoutsThatHideKeptPaths() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("etc"), .file("etc/kept-deleted", "k"), .file("etc/kept-stays", "s"), .dir("var"), .file("var/old", "o")],
            [.file("etc/squashed-deleted", "tmp"), .file("etc/new", "n")],
            [.whiteout("etc/.wh.kept-deleted"), .whiteout("etc/.wh.squashed-deleted"), .whiteout(".wh.var")],
        ], keep: 1, in: dir).entries
        // Whiteouts sit where the path they delete would sort.
        #expect(out.names == ["etc/.wh.kept-deleted", "etc/new", ".wh.var"])
    }

    @Test func partialFlattenEmitsOpaqueMarkersForHiddenKeptDirectories() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("o"), .file("o/kept", "k"), .dir("r"), .file("r/kept", "k"), .dir("u"), .file("u/kept", "k")],
            [.dir("o"), .file("o/new", "n"), .whiteout("o/.wh..wh..opq"),  // made opaque
             .whiteout(".wh.r"), .file("u/added", "a")],                   // r deleted…
            [.dir("r", mode: 0o700), .file("r/again", "again")],          // …and re-created
        ], keep: 1, in: dir).entries
        #expect(out.names == ["o/", "o/.wh..wh..opq", "o/new", "r/", "r/.wh..wh..opq", "r/again", "u/added"])
    }

    @Test func partialFlattenReplacingKeptTypesNeedsNoWhiteout() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let out = try await flatten([
            [.dir("d"), .file("d/x", "x"), .file("f", "f")],
            [.file("d", "file now"), .dir("f"), .file("f/y", "y")],
        ], keep: 1, in: dir).entries
        #expect(out.names == ["d", "f/", "f/y"])
    }

    @Test func keepingEveryLayerIsRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        await #expect(throws: MergeError.self) { _ = try await flatten([[.file("a", "a")]], keep: 1, in: dir) }
        #expect(LayerMerge.sharedLayerCount(diffIDs: ["a", "b", "c"], baseDiffIDs: ["a", "b", "x", "y"]) == 2)
        #expect(LayerMerge.sharedLayerCount(diffIDs: ["a"], baseDiffIDs: []) == 0)
    }

    // MARK: Analysis

    @Test func analysisCountsWastedBytesOnceAndDivesFiguresBeside() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let (plan, bytes, _, _) = try await flatten([
            [.file("big", String(repeating: "x", count: 1000)), .file("once", "12345")],
            [.file("big", String(repeating: "y", count: 400))],
            [.whiteout(".wh.big")],
        ], in: dir)
        let a = plan.analysis
        #expect(a.layers.map(\.entryCount) == [2, 1, 1])
        #expect(a.layers[0].contentBytes == 1005)
        // What the flattened layer does not carry, layer by layer: both versions of "big".
        #expect(a.layers.map(\.wastedBytes) == [1000, 400, 0])
        #expect(a.wastedBytes == 1400)
        #expect(a.removedContentBytes == 1400)
        // dive: "big" appears in three layers: 1000 + 400 + 400 (what the whiteout removed).
        #expect(a.diveWastedBytes == 1800)
        // Smallest appearances (400 for "big", 5 for "once") over all appearances.
        #expect(abs(a.diveEfficiency - Double(400 + 5) / Double(1800 + 5)) < 1e-9, "\(a.diveEfficiency)")
        #expect(a.flattenedLayerSize == Int64(bytes.count))
        #expect(a.flattenedEntryCount == 1)
        #expect(a.flattenedContentBytes == 5)
    }

    @Test("each layer's wasted bytes add up to what a full flatten removes", arguments: 0..<100)
    func wastedBytesAddUpToTheSaving(seed: Int) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var random = RandomStack(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1)
        // Each layer also writes one path twice, the first copy never carried.
        let layers = random.layers().enumerated().map { index, items in
            items + [.file("twice", String(repeating: "a", count: index + 1)), .file("twice", "b")]
        }
        let (plan, _, entries, _) = try await flatten(layers, in: dir)
        let a = plan.analysis
        #expect(a.layers.allSatisfy { $0.wastedBytes >= 0 && $0.carriedContentBytes <= $0.contentBytes })
        #expect(a.layers.reduce(0) { $0 + $1.carriedContentBytes } == a.flattenedContentBytes)
        #expect(a.wastedBytes == a.removedContentBytes, "seed \(seed): \(a.layers.map(\.wastedBytes))")
        let written = entries.filter { $0.entry.kind == .regular }.reduce(Int64(0)) { $0 + $1.entry.size }
        #expect(written == a.flattenedContentBytes)
    }

    @Test func indexingReportsItsProgressUpToEveryLayerByte() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let base: [Item] = (0..<10_000).map { .file("f\($0)", "content \($0)") }
        let top: [Item] = [.file("f1", "new"), .whiteout(".wh.f2")]
        let sources = try [base, top].enumerated().map { try layer($1, in: dir, label: "layer \($0)") }
        var reports: [(done: Int64, total: Int64)] = []
        _ = try LayerMerge.plan(layers: sources) { reports.append(($0, $1)) }
        let total = sources.reduce(0) { $0 + $1.region.count }
        #expect(reports.count > 2, "10,000 entries report before the layer ends")
        #expect(reports.allSatisfy { $0.total == total })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.done <= $1.done })
        #expect(reports.last?.done == total)
    }
}
