import DockerEngine
import Foundation

/// One engine of the test matrix, named as `scripts/services` names it (`docker20`,
/// `docker28-containerd`, `podman4`, …). Engine-backed tests take ``all`` as their arguments,
/// so every scenario runs on every engine and a failure names the engine.
public struct TestEngine: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init(name: String) {
        self.name = name
    }

    /// `FLATTEN_TEST_ENGINES`, the engines `scripts/services env` exported.
    public static let listVariable = "FLATTEN_TEST_ENGINES"

    /// Every engine of the matrix. When the services' environment is missing this is one
    /// engine named `unset`, whose tests fail saying how to start the services: a missing
    /// matrix must never pass as an empty one.
    public static let all: [TestEngine] = {
        let names = (ProcessInfo.processInfo.environment[listVariable] ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        return names.isEmpty ? [TestEngine(name: "unset")] : names.map(TestEngine.init(name:))
    }()

    /// The engine after this one in ``all`` (wrapping), for tests that need a second engine.
    public var next: TestEngine {
        let engines = Self.all
        guard let index = engines.firstIndex(of: self) else { return self }
        return engines[(index + 1) % engines.count]
    }

    /// `FLATTEN_TEST_ENGINE_DOCKER28_CONTAINERD` for `docker28-containerd`.
    public var variable: String {
        "FLATTEN_TEST_ENGINE_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public var isPodman: Bool { name.hasPrefix("podman") }

    /// The engine's address, or an error naming the variable to set.
    public func host() throws -> DockerHost {
        if name == "unset" { throw TestEnvironment.MissingVariable(name: Self.listVariable) }
        return try DockerHost(parsing: TestEnvironment.require(variable))
    }

    /// Connects, runs `body`, and shuts the client down. Scenarios on one engine take turns
    /// (``EngineGate``): six engines each running every scenario at once overload a two-core
    /// machine until timing-sensitive tests elsewhere fail.
    @discardableResult
    public func withClient<Result: Sendable>(_ body: (DockerClient) async throws -> Result) async throws -> Result {
        let host = try host()
        await EngineGate.shared.acquire(name)
        do {
            let result = try await DockerClient.withClient(to: host, body)
            await EngineGate.shared.release(name)
            return result
        } catch {
            await EngineGate.shared.release(name)
            throw error
        }
    }

    public var description: String { name }
}

/// Lets a bounded number of scenarios use one engine at a time.
public actor EngineGate {
    public static let shared = EngineGate(turnsPerEngine: 2)

    private let turnsPerEngine: Int
    private var busy: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(turnsPerEngine: Int) {
        self.turnsPerEngine = turnsPerEngine
    }

    /// Waits for a turn on `engine`; every call must be matched by ``release(_:)``.
    public func acquire(_ engine: String) async {
        if busy[engine, default: 0] < turnsPerEngine {
            busy[engine, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[engine, default: []].append($0) }
    }

    public func release(_ engine: String) {
        if var queue = waiting[engine], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[engine] = queue
            next.resume()
        } else {
            busy[engine, default: 1] -= 1
        }
    }
}
