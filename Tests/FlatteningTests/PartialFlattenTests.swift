import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Testing
import TestSupport

@Suite("partial flattens against the private engine")
struct PartialFlattenTests {
    @Test("--keep-layers keeps the lowest layers with their diff IDs", arguments: TestEngine.all)
    func keepLayers(engine: TestEngine) async throws {
        try await TestImages.with(label: "keep-layers", on: engine) { images in
            let app = try await images.application()
            let original = try await images.engine.inspectImage(app)
            let result = try await images.flattened(app, FlattenOptions(partial: .keepLayers(2), verify: true))
            let flattened = try await images.engine.inspectImage(result.newImageId)
            #expect(flattened.diffIDs.count == 3)
            #expect(Array(flattened.diffIDs.prefix(2)) == Array(original.diffIDs.prefix(2)))
            #expect(result.verified == true)
        }
    }

    @Test("--keep-layers equal to the layer count is refused", arguments: TestEngine.all)
    func keepEveryLayerRefused(engine: TestEngine) async throws {
        try await TestImages.with(label: "keep-all", on: engine) { images in
            let app = try await images.application()
            let error = await flattenError {
                _ = try await images.flatten(app, FlattenOptions(partial: .keepLayers(4)))
            }
            #expect(error?.isInvalidRequest == true)
            #expect(error?.description.contains("nothing would be left to flatten") == true)
        }
    }

    @Test("--base keeps the layers shared with the base image; whiteouts of kept paths stay", arguments: TestEngine.all)
    func baseImage(engine: TestEngine) async throws {
        try await TestImages.with(label: "base-image", on: engine) { images in
            let base = try await images.base()
            let runtime = try await images.build("runtime", """
                FROM \(base)
                RUN mkdir -p /usr/lib/rt && echo lib > /usr/lib/rt/lib.so && echo drop > /etc/dropped
                """)
            let app = try await images.build("app", """
                FROM \(runtime)
                RUN echo app > /app && rm /etc/dropped
                RUN echo more >> /app
                """)
            let result = try await images.flattened(app, FlattenOptions(partial: .baseImage(try ImageReference(runtime)), verify: true))
            let runtimeLayers = try await images.engine.inspectImage(runtime).diffIDs
            let flattened = try await images.engine.inspectImage(result.newImageId)
            #expect(flattened.diffIDs.count == 3)
            #expect(Array(flattened.diffIDs.prefix(2)) == runtimeLayers)
            #expect(result.verified == true)
            let tree = try await images.tree(of: result.newImageId)
            #expect(tree.entries["etc/dropped"] == nil)
        }
    }

    @Test("--base with a missing base image names it, and is a failure, not a missing image", arguments: TestEngine.all)
    func missingBase(engine: TestEngine) async throws {
        try await TestImages.with(label: "base-missing", on: engine) { images in
            let app = try await images.application()
            let base = try ImageReference("\(images.repository):no-such-base")
            let error = await flattenError {
                _ = try await images.flatten(app, FlattenOptions(partial: .baseImage(base)))
            }
            // An agent reports a missing image as skipped (this host does not have it); a
            // missing base is a mistake in the request, reported as a failure.
            #expect(error?.isBaseImageNotFound == true)
            #expect(error?.isImageNotFound == false)
            #expect(error?.isRetryable == false)
            #expect(error?.description.contains("no-such-base") == true)
        }
    }

    @Test("--keep-shared keeps the longest bottom run other local images use, and does not resend it", arguments: TestEngine.all)
    func keepShared(engine: TestEngine) async throws {
        try await TestImages.with(label: "keep-shared", on: engine) { images in
            let base = try await images.base()
            let shared = try await images.build("shared", """
                FROM \(base)
                RUN echo framework > /framework
                """)
            // Another application on the same framework: the two lower layers are shared.
            try await images.build("sibling", """
                FROM \(shared)
                RUN echo sibling > /sibling
                """)
            let app = try await images.build("app", """
                FROM \(shared)
                RUN echo app > /app && dd if=/dev/zero of=/tmp/scratch bs=1k count=200 2>/dev/null
                RUN rm /tmp/scratch
                """)
            let sharedLayers = try await images.engine.inspectImage(shared).diffIDs
            let phases = PhaseLog()
            let progress = ProgressTotals()
            let outcome = try await images.flatten(app, FlattenOptions(partial: .keepShared, verify: true)) { event in
                phases.record(event)
                progress.record(event)
            }
            let result = try #require(outcome.result)
            let flattened = try await images.engine.inspectImage(result.newImageId)
            #expect(flattened.diffIDs.count == 3)
            #expect(Array(flattened.diffIDs.prefix(2)) == sharedLayers)
            #expect(result.warnings.contains { $0.contains("kept the lowest 2 layers") })
            #expect(result.verified == true)
            // The load archive carried only the squashed layer (a few kB), not the ~2 MB base.
            let loaded = try #require(progress.largestTotal(for: .loading))
            #expect(loaded < 1_000_000, "the load archive was \(loaded) bytes")
        }
    }
}

/// The largest total reported per phase.
final class ProgressTotals: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var totals: [FlattenPhase: Int64] = [:]

    func record(_ progress: JobProgress) {
        guard let total = progress.bytesTotal else { return }
        lock.withLock { totals[progress.phase] = max(totals[progress.phase] ?? 0, total) }
    }

    func largestTotal(for phase: FlattenPhase) -> Int64? {
        lock.withLock { totals[phase] }
    }
}
