import Foundation

/// A PostgreSQL instance of a suite's own (`$FLATTEN_SERVICES postgres-instance NAME PORT`), so
/// restarting it disturbs no other test. Ports come from `FLATTEN_TEST_DRILL_PORT_BASE`: each
/// suite takes its own offset (PostgresClientTests 1, CoordinatorCoreTests 2, FleetTests' drills 3).
public struct PostgresDrill: Sendable {
    public let services: String
    public let name: String
    public let port: Int

    public init(services: String, name: String, port: Int) {
        self.services = services
        self.name = name
        self.port = port
    }

    /// The instance `name` on `FLATTEN_TEST_DRILL_PORT_BASE + offset`.
    public static func fromEnvironment(name: String, portOffset: Int) throws -> PostgresDrill {
        let services = try TestEnvironment.require("FLATTEN_SERVICES")
        guard let base = Int(try TestEnvironment.require("FLATTEN_TEST_DRILL_PORT_BASE")) else {
            throw TestEnvironment.MissingVariable(name: "FLATTEN_TEST_DRILL_PORT_BASE")
        }
        return PostgresDrill(services: services, name: name, port: base + portOffset)
    }

    /// Runs `postgres-instance NAME PORT action` (`start`, `stop`, `restart`, `url`).
    @discardableResult
    public func run(_ action: String) async throws -> String {
        try await ServicesScript(path: services).run(["postgres-instance", name, String(port), action])
    }

    public func url() async throws -> String {
        // The URL is the script's last line.
        try await run("url").split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    }

    /// Starts the instance, runs `body` with its URL, and stops it, also when `body` throws or
    /// the start fails half way (a cluster started but not yet answering): a test stops the
    /// server it started, so none is left running after the suite.
    public func withStarted<T>(_ body: (String) async throws -> T) async throws -> T {
        do {
            try await run("start")
        } catch {
            _ = try? await run("stop")
            throw error
        }
        do {
            let result = try await body(try await url())
            try await run("stop")
            return result
        } catch {
            _ = try? await run("stop")
            throw error
        }
    }
}
