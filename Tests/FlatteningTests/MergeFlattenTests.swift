import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import ImageArchive
import Testing
import TestSupport

@Suite("merge strategy against the private engine")
struct MergeFlattenTests {
    @Test("a full merge flatten gives one layer, the same files and config, and leaves the original untouched", arguments: TestEngine.all)
    func fullFlatten(engine: TestEngine) async throws {
        try await TestImages.with(label: "merge-full", on: engine) { images in
            let app = try await images.application()
            let before = try await images.state(of: app)
            let original = try await images.engine.inspectImage(app)
            let id = FlattenJob.makeID()
            let phases = PhaseLog()
            let outcome = try await images.flatten(app, FlattenOptions(verify: true), id: id) { phases.record($0) }
            let result = try #require(outcome.result)

            #expect(result.originalImageId == before.id)
            #expect(result.originalLayerCount == 4)
            #expect(result.newLayerCount == 1)
            #expect(result.strategy == .merge)
            #expect(result.verified == true)
            #expect(result.tags == ["docker.io/library/\(images.repository):app-flat"])
            // 300 kB written then deleted, plus the replaced config: the engine's size shrinks.
            #expect(result.bytesSaved >= 300 * 1024)
            #expect(result.bytesSaved == result.originalSize - result.newSize)
            for phase in [FlattenPhase.inspecting, .saving, .merging, .loading, .verifying, .tagging] {
                #expect(result.phaseDurations[phase] != nil, "no duration for \(phase)")
                #expect(phases.phases.contains(phase), "no progress for \(phase)")
            }

            let flattened = try await images.engine.inspectImage("\(images.repository):app-flat")
            #expect(flattened.id == result.newImageId)
            #expect(flattened.diffIDs.count == 1)
            #expect(RuntimeConfigComparison.differences(original.config, flattened.config).isEmpty)
            let history = try await images.engine.imageHistory(flattened.id)
            #expect(history.contains { $0.createdBy.hasPrefix("flatten-fleet: squashed 4 layers") })

            // What a container sees, checked path by path (not only through --verify).
            let tree = try await images.tree(of: flattened.id)
            #expect(tree.entries["data/big"] == nil)
            #expect(tree.entries["data/gone"] == nil)
            #expect(tree.entries["opt/app/config"] == nil)
            #expect(tree.entries["opt/app/new"]?.contentDigest == ImageConfig.digest(of: Array("fresh\n".utf8)))
            #expect(tree.entries["data/keep"].map { $0.mode & 0o7777 } == 0o600)
            #expect(tree.entries["data/fifo"]?.kind == .fifo)
            #expect(tree.entries["data/sub/link"]?.linkTarget == "../keep")
            #expect(tree.entries["data/sub/target"].map { $0.mode & 0o7777 } == 0o4755)
            // The chmod copied the file up in a later layer, which broke the hard link: each
            // path keeps the content it had.
            #expect(tree.entries["data/hard"]?.contentDigest == ImageConfig.digest(of: Array("linked\n".utf8)))

            #expect(try await images.state(of: app) == before)
            try await images.expectNoLeftovers(of: id)
        }
    }

    @Test("import-then-load and a plain load archive give the same image ID", arguments: TestEngine.all)
    func deliveriesAgree(engine: TestEngine) async throws {
        try await TestImages.with(label: "merge-delivery", on: engine) { images in
            let app = try await images.application()
            let viaImport = try await images.flattened(app, FlattenOptions(newTag: try ImageReference("\(images.repository):via-import")), layerDelivery: .importLayer)
            let viaLoad = try await images.flattened(app, FlattenOptions(newTag: try ImageReference("\(images.repository):via-load")), layerDelivery: .loadArchive)
            #expect(viaImport.newImageId == viaLoad.newImageId)
            // The second flatten found the image already there and said so.
            #expect(viaLoad.warnings.contains { $0.contains("already on the engine") })
        }
    }

    @Test("hard links that survive together stay one group", arguments: TestEngine.all)
    func hardLinkGroups(engine: TestEngine) async throws {
        try await TestImages.with(label: "merge-hardlinks", on: engine) { images in
            let base = try await images.base()
            let app = try await images.build("links", """
                FROM \(base)
                RUN mkdir /h && echo shared > /h/a && ln /h/a /h/b && ln /h/a /h/c
                RUN echo other > /h/d && rm /h/c
                """)
            let result = try await images.flattened(app, FlattenOptions(verify: true))
            #expect(result.verified == true)
            let tree = try await images.tree(of: result.newImageId)
            #expect(tree.entries["h/a"]?.hardLinks == ["h/b"])
            #expect(tree.entries["h/c"] == nil)
        }
    }
}

/// Collects the phases a flatten reported progress for.
final class PhaseLog: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var seen: [FlattenPhase] = []

    func record(_ progress: JobProgress) {
        lock.withLock { if seen.last != progress.phase { seen.append(progress.phase) } }
    }

    var phases: [FlattenPhase] { lock.withLock { seen } }
}
