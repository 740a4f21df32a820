import DockerEngine
import Foundation
import TestSupport

extension Fleet {
    /// Runs `body` with a started fleet; stops every process afterwards (also when `body`
    /// throws, then with the processes' logs added to the error), drops the database, and
    /// removes the images the test made on the matrix engines the agents used.
    static func withStarted(
        on engine: TestEngine, leaseSeconds: Double = 5, options: FleetOptions = FleetOptions(),
        _ body: (Fleet) async throws -> Void
    ) async throws {
        let fleet = try await Fleet.start(on: engine, leaseSeconds: leaseSeconds, options: options)
        var failure: (any Error)?
        do {
            try await body(fleet)
        } catch {
            failure = FleetTestError("\(error)\n\(fleet.logs)")
        }
        await fleet.shutDown()
        // Logs and state stay for a test that threw; a passing one leaves nothing behind.
        if failure == nil { try? FileManager.default.removeItem(at: fleet.directory) }
        // Every image a test makes is named after its fleet: remove them all. Engines of a
        // drill's own (engineHosts) are removed whole by the drill.
        for (key, engine) in fleet.engines where options.engineHosts[key] == nil {
            guard let client = try? await DockerClient.connect(to: engine.host()) else { continue }
            let images = (try? await client.listImages()) ?? []
            let references = images.flatMap(\.repoTags).filter { $0.hasPrefix("fleet-test/\(fleet.id)-") }
            await TestImages.remove(references, on: client)
            try? await client.shutdown()
        }
        if let failure { throw failure }
    }
}
