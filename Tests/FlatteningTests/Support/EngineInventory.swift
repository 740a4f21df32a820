import DockerEngine
import Foundation
import Testing
import TestSupport

/// What is on the engine and in the work directory, to prove a flatten left nothing behind (a
/// flatten's own containers and temporary images: ``EngineLeftovers``).
enum EngineInventory {
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
