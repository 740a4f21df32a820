import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Testing
import TestSupport

/// Runs flattens in tests and checks what they leave behind.
extension TestImages {
    /// Runs a flatten of `reference` with a known job ID.
    func flatten(
        _ reference: String,
        _ options: FlattenOptions = FlattenOptions(),
        id: String = FlattenJob.makeID(),
        layerDelivery: FlattenJob.LayerDelivery = .automatic,
        registryAuth: RegistryAuth? = nil,
        progress: @escaping @Sendable (JobProgress) -> Void = { _ in }
    ) async throws(FlattenError) -> FlattenOutcome {
        let image: ImageReference
        do { image = try ImageReference(reference) } catch { fatalError("bad test reference \(reference): \(error)") }
        let job = FlattenJob(
            image: image, options: options, engine: engine, workDirectory: workDirectory,
            registryAuth: registryAuth, id: id, layerDelivery: layerDelivery
        )
        let outcome = try await job.run(progress: progress)
        if let result = outcome.result {
            for tag in result.tags { track(tag) }
            track(result.newImageId)
        }
        return outcome
    }

    /// The flattened result, failing the test when the flatten was skipped.
    func flattened(_ reference: String, _ options: FlattenOptions = FlattenOptions(), id: String = FlattenJob.makeID(), layerDelivery: FlattenJob.LayerDelivery = .automatic) async throws -> FlattenResult {
        let outcome = try await flatten(reference, options, id: id, layerDelivery: layerDelivery)
        return try #require(outcome.result, "the flatten was skipped: \(outcome)")
    }

    /// Expects that job `id` left no container, temporary image or work file behind.
    func expectNoLeftovers(of id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let containers = try await EngineLeftovers.containers(of: id, on: engine)
        #expect(containers.isEmpty, "containers left behind: \(containers)", sourceLocation: sourceLocation)
        let temporary = try await EngineLeftovers.temporaryImages(of: id, on: engine)
        #expect(temporary.isEmpty, "temporary images left behind: \(temporary)", sourceLocation: sourceLocation)
        let files = EngineInventory.leftovers(in: workDirectory)
        #expect(files.isEmpty, "files left in the work directory: \(files)", sourceLocation: sourceLocation)
    }

    /// The image's ID and tags now, to prove it was left untouched.
    func state(of reference: String) async throws -> (id: String, tags: [String]) {
        let inspect = try await engine.inspectImage(reference)
        return (inspect.id, inspect.repoTags.sorted())
    }

    /// The tree a container of `reference` sees.
    func tree(of reference: String) async throws -> FileTreeSnapshot {
        let inspect = try await engine.inspectImage(reference)
        return try await ImageVerifier(engine: engine, workDirectory: workDirectory).exportedTree(of: inspect, label: "test")
    }
}

/// The ``FlattenError`` `body` throws; records an issue when it throws something else or nothing.
func flattenError(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> FlattenError? {
    do {
        try await body()
        Issue.record("expected a FlattenError, but the flatten succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as FlattenError {
        return error
    } catch {
        Issue.record("expected a FlattenError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
