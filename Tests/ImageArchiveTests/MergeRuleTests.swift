import Testing
@testable import ImageArchive

@Suite("Merge rules (pure)")
struct MergeRuleTests {
    @Test func upperOverLower() {
        #expect(MergeRule.decide(lower: .absent, upper: .directory) == .add)
        #expect(MergeRule.decide(lower: .absent, upper: .nonDirectory) == .add)
        #expect(MergeRule.decide(lower: .directory, upper: .directory) == .mergeDirectory)
        #expect(MergeRule.decide(lower: .directory, upper: .nonDirectory) == .replace)
        #expect(MergeRule.decide(lower: .nonDirectory, upper: .directory) == .replace)
        #expect(MergeRule.decide(lower: .nonDirectory, upper: .nonDirectory) == .replace)
    }

    @Test func parents() {
        #expect(MergeRule.parent(lower: .directory) == .descend)
        #expect(MergeRule.parent(lower: .absent) == .createImplicitDirectory)
        #expect(MergeRule.parent(lower: .nonDirectory) == .replaceWithImplicitDirectory)
    }

    @Test func whiteoutNames() {
        #expect(WhiteoutName.classify(".wh.foo") == .whiteout(target: "foo"))
        #expect(WhiteoutName.classify(".wh..wh..opq") == .opaqueMarker)
        #expect(WhiteoutName.classify(".wh..wh.plnk") == .aufsMetadata)
        #expect(WhiteoutName.classify("a.wh.b") == .ordinary)
        #expect(WhiteoutName.classify(".whfoo") == .ordinary)
        #expect(WhiteoutName.classify(".wh") == .ordinary)
        #expect(WhiteoutName.classify(".wh.") == .whiteout(target: ""))
        #expect(WhiteoutName.classify(".wh..hidden") == .whiteout(target: ".hidden"))
    }

    @Test func pathNormalization() throws {
        #expect(try EntryPath.components(of: "./a//b/./c/").get() == ["a", "b", "c"])
        #expect(try EntryPath.components(of: "/").get() == [])
        #expect(try EntryPath.components(of: "...").get() == ["..."])
        #expect(try EntryPath.components(of: "a..b/..c").get() == ["a..b", "..c"])
        #expect(EntryPath.components(of: "a/../b") == .failure(.parentComponent))
        #expect(EntryPath.components(of: "..") == .failure(.parentComponent))
    }

    @Test func partialFlattenOutput() {
        // Deleted by the squashed layers: a whiteout only if the kept layers have the path.
        #expect(MergeRule.output(kept: .nonDirectory, final: .absent).writeWhiteout)
        #expect(MergeRule.output(kept: .directory, final: .absent).writeWhiteout)
        #expect(!MergeRule.output(kept: .absent, final: .absent).writeWhiteout)
        // Untouched: nothing written, directories still compared below.
        let unchanged = MergeRule.output(kept: .directory, final: .unchanged(isDirectory: true))
        #expect(!unchanged.writeEntry && unchanged.descend && unchanged.descendWithKept)
        // A directory made opaque or re-created over a kept directory: the marker.
        let opaque = MergeRule.output(kept: .directory, final: .changed(isDirectory: true, hidesLower: true))
        #expect(opaque.writeEntry && opaque.writeOpaqueMarker && opaque.descend && !opaque.descendWithKept)
        // Merged directory: no marker, kept children still compared.
        let merged = MergeRule.output(kept: .directory, final: .changed(isDirectory: true, hidesLower: false))
        #expect(merged.writeEntry && !merged.writeOpaqueMarker && merged.descendWithKept)
        // A directory over a kept file, a file over a kept directory: replacement, no marker.
        #expect(!MergeRule.output(kept: .nonDirectory, final: .changed(isDirectory: true, hidesLower: true)).writeOpaqueMarker)
        #expect(!MergeRule.output(kept: .directory, final: .changed(isDirectory: false, hidesLower: true)).descend)
        // New in the squashed part (full flatten: everything is).
        let new = MergeRule.output(kept: .absent, final: .changed(isDirectory: true, hidesLower: true))
        #expect(new.writeEntry && !new.writeOpaqueMarker && !new.writeWhiteout && !new.descendWithKept)
    }
}
