import DockerEngine
import Flattening
import Foundation

/// What a flatten may leave on an engine when its process dies: the containers named after the
/// flatten (`flatten-<id>-export`, `…-verify-…`) and the images labelled as its temporary
/// carriers. A flatten's ID is ``FlattenJob/makeID(from:)`` of its job for every attempt of a
/// coordinator's job, which is how a restarted agent finds them, and how a test does: tests ask
/// here rather than derive the ID themselves.
public enum EngineLeftovers {
    /// The label a flatten puts on its temporary carrier images, valued with its ID.
    public static let temporaryLabel = "io.flatten-fleet.temporary"

    /// The flatten ID of every attempt of `job`.
    public static func flattenID(of job: UUID) -> String {
        FlattenJob.makeID(from: job)
    }

    /// The names of the containers of flatten `id` on `engine`, running or not.
    public static func containers(of id: String, on engine: DockerClient) async throws -> [String] {
        try await engine.listContainers(all: true).flatMap(\.names).filter { $0.contains("flatten-\(id)-") }
    }

    /// The IDs of the temporary carrier images of flatten `id` on `engine`.
    public static func temporaryImages(of id: String, on engine: DockerClient) async throws -> [String] {
        try await engine.listImages(all: true).filter { $0.labels[temporaryLabel] == id }.map(\.id)
    }

    /// The containers and temporary images the attempts of `job` left on `engine`, one line
    /// each (empty when they cleaned up).
    public static func of(_ job: UUID, on engine: DockerClient) async throws -> [String] {
        let id = flattenID(of: job)
        let containers = try await containers(of: id, on: engine).map { "container \($0)" }
        let images = try await temporaryImages(of: id, on: engine).map { "temporary image \($0)" }
        return containers + images
    }

    /// Removes the containers and temporary images of flatten `id` from `engine`: a test's
    /// cleanup after it failed before the product could. Best effort.
    public static func remove(of id: String, on engine: DockerClient) async {
        for container in (try? await engine.listContainers(all: true)) ?? [] where container.names.contains(where: { $0.contains("flatten-\(id)-") }) {
            _ = try? await engine.removeContainer(container.id, force: true, removeVolumes: true)
        }
        for image in (try? await temporaryImages(of: id, on: engine)) ?? [] {
            _ = try? await engine.removeImage(image, force: true)
        }
    }
}
