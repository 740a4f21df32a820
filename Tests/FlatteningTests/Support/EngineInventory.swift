import DockerEngine
import Foundation
import Testing
import TestSupport

/// What is on the engine, to prove a flatten left nothing behind.
enum EngineInventory {
    /// The names of every container (running or not) whose name contains `fragment`.
    static func containers(named fragment: String, on engine: DockerClient) async throws -> [String] {
        try await engine.listContainers(all: true).flatMap(\.names).filter { $0.contains(fragment) }
    }

    /// Temporary images a flatten labelled with its job ID and left behind.
    static func temporaryImages(of jobID: String, on engine: DockerClient) async throws -> [String] {
        try await engine.listImages(all: true).filter { $0.labels["io.flatten-fleet.temporary"] == jobID }.map(\.id)
    }

    /// Whether an image (reference or ID) is on the engine.
    static func exists(_ reference: String, on engine: DockerClient) async throws -> Bool {
        do {
            _ = try await engine.inspectImage(reference)
            return true
        } catch let error as DockerEngineError where error.isNotFound {
            return false
        }
    }

    /// The entries left in a directory.
    static func leftovers(in directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}
