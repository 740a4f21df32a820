import DockerEngine
import Foundation

/// Finds the private test engine through the environment, failing (never skipping) with a
/// message that names the missing variable.
enum EngineEnvironment {
    struct MissingVariable: Error, CustomStringConvertible {
        var name: String
        var description: String {
            "the environment variable \(name) is not set: start the test services with `scripts/services start` "
                + "and load their environment with `eval \"$(scripts/services env)\"`"
        }
    }

    static let dockerHostVariable = "FLATTEN_TEST_DOCKER_HOST_1"

    static func dockerHost() throws -> DockerHost {
        guard let value = ProcessInfo.processInfo.environment[dockerHostVariable], !value.isEmpty else {
            throw MissingVariable(name: dockerHostVariable)
        }
        return try DockerHost(parsing: value)
    }

    /// Connects to the engine, runs `body`, and shuts the client down.
    static func withEngine<Result: Sendable>(_ body: (DockerClient) async throws -> Result) async throws -> Result {
        try await DockerClient.withClient(to: try dockerHost(), body)
    }

    /// A repository name no other test (or run) uses.
    static func uniqueName(_ label: String) -> String {
        let random = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        return "flatten-test/archive-\(label)-\(random)"
    }
}
