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

    @Test func randomizedCorpusGivesPinnedBytes() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var hasher = SHA256()
        for seed in 0..<60 {
            var random = RandomStack(state: UInt64(seed) &* 0x2545_F491_4F6C_DD1D | 1)
            let layers = random.layers()
            for keep in 0..<layers.count {
                let out = try await flatten(layers, keep: keep, in: dir)
                hasher.update(data: out.bytes)
                let a = out.plan.analysis
                hasher.update(data: Array("\(a.diveWastedBytes) \(a.diveEfficiency) \(a.flattenedLayerSize) \(a.flattenedEntryCount) \(a.layers.map(\.carriedContentBytes))".utf8))
            }
        }
        let digest = hasher.finalize().map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(digest == Self.corpusDigest)
    }
}
