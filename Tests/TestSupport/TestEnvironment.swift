import DockerEngine
import Foundation

/// Finds the test services through the environment, failing (never skipping) with a message that
/// names the missing variable. Shared by the test targets that need an engine.
public enum TestEnvironment {
    public struct MissingVariable: Error, CustomStringConvertible {
        public var name: String

        public init(name: String) {
            self.name = name
        }

        public var description: String {
            "the environment variable \(name) is not set: start the test services with `scripts/services start` "
                + "and load their environment with `eval \"$(scripts/services env)\"`"
        }
    }

    /// The value of `name`, or an error naming it.
    public static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingVariable(name: name)
        }
        return value
    }

    /// The first private engine (unix socket).
    public static let dockerHostVariable = "FLATTEN_TEST_DOCKER_HOST_1"
    /// The second private engine (unix socket).
    public static let secondDockerHostVariable = "FLATTEN_TEST_DOCKER_HOST_2"
    /// The first private engine over plain TCP.
    public static let dockerTCPVariable = "FLATTEN_TEST_DOCKER_TCP_1"
    /// The local registry, `127.0.0.1:55000`.
    public static let registryVariable = "FLATTEN_TEST_REGISTRY"

    public static func dockerHost(_ variable: String = dockerHostVariable) throws -> DockerHost {
        try DockerHost(parsing: require(variable))
    }

    /// Connects to the engine named by `variable`, runs `body`, and shuts the client down.
    @discardableResult
    public static func withEngine<Result: Sendable>(
        _ variable: String = dockerHostVariable,
        _ body: (DockerClient) async throws -> Result
    ) async throws -> Result {
        try await DockerClient.withClient(to: try dockerHost(variable), body)
    }

    /// A name no other test (or test run) uses: `flatten-test-<label>-<random>`.
    public static func uniqueName(_ label: String) -> String {
        let random = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        return "flatten-test-\(label)-\(random)"
    }
}
