import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Testing
import TestSupport

@Suite("failures, verification and cancellation against the private engine")
struct FailureFlattenTests {
    @Test("a missing image is reported as not found", arguments: TestEngine.all)
    func imageNotFound(engine: TestEngine) async throws {
        try await TestImages.with(label: "not-found", on: engine) { images in
            let error = await flattenError {
                _ = try await images.flatten("\(images.repository):missing")
            }
            #expect(error?.isImageNotFound == true)
            #expect(error?.description == "image '\(images.repository):missing' was not found on the engine")
            #expect(EngineInventory.leftovers(in: images.workDirectory).isEmpty)
        }
    }

    @Test("verification catches two different images, naming the differing paths", arguments: TestEngine.all)
    func verifierCatchesDifferences(engine: TestEngine) async throws {
        try await TestImages.with(label: "verify-differs", on: engine) { images in
            let app = try await images.application()
            let changed = try await images.build("changed", """
                FROM \(app)
                USER 0:0
                RUN echo tampered > /data/keep && rm /data/fifo && touch /data/new-file
                USER 1000:1000
                """)
            let verifier = ImageVerifier(engine: images.engine, workDirectory: images.workDirectory)
            let differences = try await verifier.differences(between: app, and: changed)
            #expect(differences.contains { $0.hasPrefix("/data/keep: ") && $0.contains("content") })
            #expect(differences.contains("/data/fifo is only in the original"))
            #expect(differences.contains("/data/new-file is only in the flattened image"))
            // The same image compared with itself has no difference.
            #expect(try await verifier.differences(between: app, and: app) == [])
        }
    }

    @Test("no space left in the work directory fails clearly and leaves the original untouched", arguments: TestEngine.all)
    func noSpace(engine: TestEngine) async throws {
        try await TestImages.with(label: "no-space", on: engine) { images in
            let app = try await images.application()
            let before = try await images.state(of: app)
            let tiny = images.workDirectory + "/tiny"
            try FileManager.default.createDirectory(atPath: tiny, withIntermediateDirectories: true)
            // As root: a 1 MiB tmpfs, smaller than the image (busybox alone is 2 MB).
            try TestMount.tmpfs(at: tiny, size: "1m")
            defer { TestMount.unmount(tiny) }
            let id = FlattenJob.makeID()
            let job = FlattenJob(image: try ImageReference(app), engine: images.engine, workDirectory: tiny, id: id)
            let error = await flattenError { _ = try await job.run() }
            #expect(error?.isNoSpace == true)
            #expect(error?.description.contains("no space left in the work directory \(tiny)") == true)
            #expect(error?.isRetryable == true)
            #expect(try await images.state(of: app) == before)
            #expect(try await !EngineInventory.exists("\(images.repository):app-flat", on: images.engine))
            #expect(EngineInventory.leftovers(in: tiny).isEmpty)
        }
    }

    @Test("cancellation removes everything the flatten created", arguments: TestEngine.all, [FlattenPhase.saving, .loading, .verifying])
    func cancellation(engine: TestEngine, at phase: FlattenPhase) async throws {
        try await TestImages.with(label: "cancel-\(phase.rawValue)", on: engine) { images in
            let base = try await images.base()
            // A 48 MB layer, so that each phase moves several progress steps of 8 MiB.
            let app = try await images.build("big", """
                FROM \(base)
                RUN dd if=/dev/zero of=/big bs=1M count=48 2>/dev/null && echo x > /small
                RUN rm /small
                """)
            let before = try await images.state(of: app)
            let id = FlattenJob.makeID()
            let canceller = Canceller()
            let task = Task {
                try await images.flatten(app, FlattenOptions(verify: true), id: id) { progress in
                    if progress.phase == phase, progress.bytesDone > 0 { canceller.cancel() }
                }
            }
            canceller.set(task)
            let outcome = await task.result
            switch outcome {
            case .success(let value):
                Issue.record("the flatten finished although it was cancelled while \(phase): \(value)")
            case .failure(let error):
                let failure = error as? FlattenError
                #expect(failure?.isCanceled == true, "\(error)")
            }
            #expect(try await !EngineInventory.exists("\(images.repository):big-flat", on: images.engine))
            #expect(try await images.state(of: app) == before)
            try await images.expectNoLeftovers(of: id)
            // The flattened image itself was removed: flatten again and see it is new.
            let again = try await images.flattened(app)
            #expect(!again.warnings.contains { $0.contains("already on the engine") })
        }
    }
}

/// Cancels a task from a progress callback.
final class Canceller: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var task: Task<FlattenOutcome, any Error>?
    private var requested = false

    func set(_ task: Task<FlattenOutcome, any Error>) {
        let cancelNow = lock.withLock { () -> Bool in
            self.task = task
            return requested
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock { () -> Task<FlattenOutcome, any Error>? in
            requested = true
            return self.task
        }
        task?.cancel()
    }
}

/// Mounting a small tmpfs (the tests run as root, as the services script requires).
enum TestMount {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func tmpfs(at path: String, size: String) throws {
        let status = run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        guard status == 0 else {
            throw Failure(description: "mount -t tmpfs at \(path) failed with status \(status): the no-space test needs root")
        }
    }

    static func unmount(_ path: String) {
        _ = run("/bin/umount", [path])
    }

    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        } catch {
            return -1
        }
    }
}
