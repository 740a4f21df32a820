import Crypto
import Testing
@testable import ImageArchive

/// Pins the merge's output bytes: the flattened layers of a fixed randomized corpus (every
/// partial flatten of 60 random stacks, with their analyses) hash to one digest. A change to
/// how the merge is represented must not change a byte of what it writes; a deliberate change
/// of output updates the digest here, in the same commit, saying why.
@Suite("Merge output is pinned")
struct MergeGoldenTests {
    static let corpusDigest = "e93a7b92aa6c5d7763da302c5db6f03e4c0365a508ace8a8784534ccbf315bc9"

    /// In memory, and with every table spilled (a budget of one byte drops their pages at
    /// every check): the same bytes.
    @Test(arguments: ["memory", "spilled"])
    func randomizedCorpusGivesPinnedBytes(memory: String) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let budget = memory == "memory" ? MergeMemory.unlimited : MergeMemory(budget: 1, directory: dir.path)
        var hasher = SHA256()
        for seed in 0..<60 {
            var random = RandomStack(state: UInt64(seed) &* 0x2545_F491_4F6C_DD1D | 1)
            let layers = random.layers()
            for keep in 0..<layers.count {
                let out = try await flatten(layers, keep: keep, in: dir, memory: budget)
                hasher.update(data: out.bytes)
                let a = out.plan.analysis
                hasher.update(data: Array("\(a.diveWastedBytes) \(a.diveEfficiency) \(a.flattenedLayerSize) \(a.flattenedEntryCount) \(a.layers.map(\.carriedContentBytes))".utf8))
            }
        }
        let digest = hasher.finalize().map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(digest == Self.corpusDigest)
    }

    /// A stack big enough for the budget to act many times (overwrites, whiteouts of files and
    /// of a whole directory, an opaque directory, hard links to a lower layer): spilled, the
    /// same bytes and the same analysis as in memory.
    @Test func largeStackGivesTheSameBytesSpilled() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var base: [Item] = (0..<40).map { Item.dir("d\($0)") }
        for i in 0..<8000 { base.append(.file("d\(i % 40)/f\(i)", "base \(i)", mode: 0o644, uid: Int64(i % 3))) }
        var update: [Item] = []
        for i in stride(from: 0, to: 8000, by: 5) { update.append(.file("d\(i % 40)/f\(i)", "update \(i)")) }
        for i in stride(from: 1, to: 8000, by: 9) { update.append(.whiteout("d\(i % 40)/.wh.f\(i)")) }
        for i in stride(from: 2, to: 8000, by: 16) { update.append(.link("d\(i % 40)/link\(i)", to: "d\(i % 40)/f\(i)")) }
        var top: [Item] = [.dir("d3"), .whiteout("d3/.wh..wh..opq"), .whiteout(".wh.d7")]
        for i in 0..<500 { top.append(.file("d3/new\(i)", "new \(i)")) }
        let layers = [base, update, top]
        for keep in 0..<2 {
            let inMemory = try await flatten(layers, keep: keep, in: dir)
            let spilled = try await flatten(layers, keep: keep, in: dir, memory: MergeMemory(budget: 1, directory: dir.path))
            #expect(spilled.plan.budgetTrims > 0, "a budget of 1 byte drops the tables' pages at every check")
            #expect(spilled.bytes == inMemory.bytes, "keep \(keep)")
            #expect(spilled.plan.analysis == inMemory.plan.analysis, "keep \(keep)")
            #expect(inMemory.plan.spilledBytes == 0 && inMemory.plan.budgetTrims == 0)
        }
    }
}
