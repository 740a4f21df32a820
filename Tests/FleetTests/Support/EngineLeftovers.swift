import DockerEngine
import Foundation
import TestSupport

/// What a job's flattens may leave on an engine when their process dies: the containers named
/// after the flatten (export, verify) and the images labelled as its temporary carriers. Every
/// attempt of a job uses the same flatten ID (the job ID's first 12 hex digits), which is how
/// a restarted agent finds them, and how a test does.
enum EngineLeftovers {
    /// The flatten ID of every attempt of `job`.
    static func flattenID(of job: UUID) -> String {
        String(job.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// The job's containers and temporary images still on `engine` (empty when it cleaned up).
    static func of(_ job: UUID, on engine: DockerClient) async throws -> [String] {
        let id = flattenID(of: job)
        let containers = try await engine.listContainers(all: true)
            .filter { container in container.names.contains { $0.hasPrefix("flatten-\(id)-") } }
            .map { "container \($0.names.joined(separator: ","))" }
        let images = try await engine.listImages(all: true)
            .filter { $0.labels["io.flatten-fleet.temporary"] == id }
            .map { "temporary image \($0.id)" }
        return containers + images
    }
}
