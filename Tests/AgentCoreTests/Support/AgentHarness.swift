import AgentCore
import AsyncHTTPClient
import CoordinatorCore
import DockerEngine
import FlattenProtocol
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// A real ``Agent`` in this process, against a real coordinator on a scratch database of its
/// own and a real engine of the test matrix, each reached through a ``ConnectionForwarder``
/// the test controls: ``coordinatorLink`` (TCP) and ``engineLink`` (a unix socket).
///
/// The test acts as an operator through ``api`` (straight to the coordinator), reads the
/// agent's log in ``log``, and looks at the engine through ``engine`` (its own client, straight
/// to the engine). ``run(on:label:_:)`` tears everything down, also when the test fails.
final class AgentHarness: Sendable {
    static let adminToken = "agent-loop-admin-token-0123456789"
    static let enrollmentToken = "agent-loop-enrollment-token-0123456789"

    let testEngine: TestEngine
    let engine: DockerClient
    let coordinator: Coordinator
    let api: OperatorAPI
    let coordinatorLink: ConnectionForwarder
    let engineLink: ConnectionForwarder
    let log: AgentLog
    /// The agent's name: `loop-<label>-<random>`.
    let name: String
    let stateDirectory: String
    /// The repository of every image this test builds (`flatten-test-loop-<label>-<random>`).
    let repository: String
    private let runs = NIOLockedValueBox<[AgentRun]>([])
    private let images = NIOLockedValueBox<[String]>([])

    private init(
        testEngine: TestEngine, engine: DockerClient, coordinator: Coordinator, api: OperatorAPI,
        coordinatorLink: ConnectionForwarder, engineLink: ConnectionForwarder, label: String
    ) {
        self.testEngine = testEngine
        self.engine = engine
        self.coordinator = coordinator
        self.api = api
        self.coordinatorLink = coordinatorLink
        self.engineLink = engineLink
        self.log = AgentLog()
        let random = UUID().uuidString.lowercased().prefix(8)
        name = "loop-\(label)-\(random)"
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("agent-loop-\(label)-\(random)").path
        repository = TestEnvironment.uniqueName("loop-\(label)")
    }

    /// Runs `body` with a fresh coordinator, forwarders and state directory on `testEngine`,
    /// then stops the agents, the forwarders and the coordinator, removes the images the test
    /// built or made and the state directory, and drops the database, whether `body` threw or
    /// not.
    static func run(
        on testEngine: TestEngine, label: String, _ body: (AgentHarness) async throws -> Void
    ) async throws {
        let target: ConnectionForwarder.Address
        switch try testEngine.host().endpoint {
        case .unixSocket(let path): target = .unix(path: path)
        case .tcp(let host, let port): target = .tcp(host: host, port: port)
        }
        try await testEngine.withClient { engine in
            try await withScratchDatabase(prefix: "agent_loop") { url in
                let coordinator = try Coordinator(configuration: CoordinatorConfiguration(
                    host: "127.0.0.1", port: 0, databaseURL: url,
                    adminTokens: [adminToken], enrollmentTokens: [enrollmentToken],
                    // Long: no lease runs out unless a test lets it (a report left by a stopped
                    // run must still find its lease when the next run delivers it).
                    leaseDuration: .seconds(300), retention: nil, maxClaimWait: .seconds(25),
                    // The tests reap expired leases themselves, when they mean to.
                    reaperInterval: .seconds(3600),
                    retryBackoff: RetryBackoff(base: .milliseconds(50), cap: .seconds(1)), databaseConnections: 8))
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                let port = NIOLockedValueBox<Int?>(nil)
                var server: Task<Void, any Error>?
                var harness: AgentHarness?
                let engineLink = ConnectionForwarder(
                    listening: .unix(path: "/tmp/ff-loop-\(UUID().uuidString.lowercased().prefix(12)).sock"), target: target)
                do {
                    try await coordinator.migrate()
                    let application = coordinator.makeApplication { _, bound in port.withLockedValue { $0 = bound } }
                    server = Task { try await application.runService(gracefulShutdownSignals: []) }
                    let bound = try await eventually("the coordinator listens") { port.withLockedValue { $0 } }
                    let coordinatorLink = ConnectionForwarder(
                        listening: .tcp(host: "127.0.0.1", port: 0), target: .tcp(host: "127.0.0.1", port: bound))
                    let made = AgentHarness(
                        testEngine: testEngine, engine: engine, coordinator: coordinator,
                        api: OperatorAPI(baseURL: "http://127.0.0.1:\(bound)", token: adminToken, http: http),
                        coordinatorLink: coordinatorLink, engineLink: engineLink, label: label)
                    harness = made
                    try await coordinatorLink.start()
                    try await engineLink.start()
                    try await body(made)
                } catch {
                    await harness?.tearDown()
                    await engineLink.stop()
                    server?.cancel()
                    _ = await server?.result
                    await coordinator.client.close()
                    try? await http.shutdown()
                    throw error
                }
                await harness?.tearDown()
                await engineLink.stop()
                server?.cancel()
                _ = await server?.result
                await coordinator.client.close()
                try? await http.shutdown()
            }
        }
    }

    /// Stops every agent run (hard: the test is over), lets the forwarders pass so that the
    /// agents' cleanup reaches the engine, then closes them and removes the images and the
    /// state directory.
    private func tearDown() async {
        engineLink.pass()
        coordinatorLink.pass()
        for run in runs.withLockedValue({ $0 }) {
            run.stopHard()
            do {
                try await run.ended()
            } catch {
                Issue.record("tearing down: \(error)")
            }
        }
        await coordinatorLink.stop()
        await engineLink.stop()
        for reference in images.withLockedValue({ $0 }).reversed() {
            _ = try? await engine.removeImage(reference, force: true)
        }
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    // MARK: The agent

    /// The agent's configuration: through both forwarders, with short intervals so that the
    /// loops turn often (a heartbeat about every second, retries within a second), and no
    /// signal handling (the test stops it).
    func configuration() -> AgentConfiguration {
        let enginePath: String
        if case .unix(let path) = engineLink.address { enginePath = path } else { enginePath = "" }
        return AgentConfiguration(
            coordinatorURL: coordinatorLink.httpURL, enrollmentToken: Self.enrollmentToken, name: name,
            labels: ["suite": "agent-loop"], concurrency: 1, stateDirectory: stateDirectory,
            dockerHost: .unixSocket(enginePath),
            heartbeat: HeartbeatSchedule(interval: .seconds(1), jitter: 0.2),
            claimWait: .seconds(5),
            backoff: FullJitterBackoff(base: .milliseconds(100), cap: .seconds(1)),
            requestTimeout: .seconds(30), hardStopSignals: [])
    }

    /// Starts the agent and waits until it registered and is online for the coordinator.
    @discardableResult
    func startAgent() async throws -> AgentRun {
        let mark = log.count
        let run = AgentRun(agent: Agent(configuration: configuration(), logger: log.logger()))
        runs.withLockedValue { $0.append(run) }
        try await log.wait(for: "the agent registers", after: mark) {
            $0.message == "registered" || $0.message == "registration updated"
        }
        _ = try await eventually("the agent \(name) is online") {
            try await self.api.agents().agents.first { $0.name == self.name && $0.state == .online }
        }
        return run
    }

    /// Holds the engine's bytes the moment the agent logs that a flatten started `phase` (the
    /// next one from now on), so the flatten stops exactly there.
    func holdEngine(atNext phase: FlattenPhase) {
        let link = engineLink
        log.once({ $0.message == "phase" && $0["phase"] == phase.rawValue }) { link.hold() }
    }

    /// Waits until the agent started `phase` of job `id` (and so, with ``holdEngine(atNext:)``,
    /// stands still in it).
    func waitForPhase(_ phase: FlattenPhase, of id: UUID) async throws {
        try await log.wait(for: "phase \(phase.rawValue) of job \(id.uuidString.lowercased())") {
            $0.message == "phase" && $0["phase"] == phase.rawValue && $0.isAbout(id)
        }
    }

    // MARK: Images

    /// Builds `<repository>:<tag>` on the engine: three layers, the second replacing a 1 MiB
    /// file of the first, so flattening saves about that much. Only COPY steps (no container
    /// runs), a label of its own first and no cache, so no other image shares its layers.
    func buildImage(_ tag: String = "app") async throws -> ImageReference {
        let reference = "\(repository):\(tag)"
        images.withLockedValue { $0.append(contentsOf: [reference, reference + "-flat"]) }
        var random = SystemRandomNumberGenerator()
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
        var context = TinyTar()
        context.addFile("Dockerfile", text: """
            FROM scratch
            LABEL io.flatten-fleet.test-image="\(reference)"
            COPY big /data/file
            COPY small /data/file
            COPY hello /hello
            """)
        context.addFile("big", contents: big)
        context.addFile("small", text: "small\n")
        context.addFile("hello", text: "flatten fleet agent loop test\n")
        try await engine.buildImage(context: .bytes(context.finished()), tag: reference, noCache: true)
        return try ImageReference(reference)
    }

    /// The IDs of the images on the engine built from ``buildImage(_:)``'s `reference` or
    /// derived from it (a flattened image keeps the original's labels), tagged or not.
    func imageIDs(labelled reference: ImageReference) async throws -> Set<String> {
        let text = reference.familiarDescription
        return Set(try await engine.listImages(all: true).filter { $0.labels["io.flatten-fleet.test-image"] == text }.map(\.id))
    }

    /// Whether `reference` is on the engine.
    func exists(_ reference: String) async throws -> Bool {
        do {
            _ = try await engine.inspectImage(reference)
            return true
        } catch let error as DockerEngineError where error.isNotFound {
            return false
        }
    }

    /// What a flatten of job `id` can leave on the engine: containers named after it and
    /// images labelled as its temporary carriers (every attempt of a job shares its ID).
    func engineLeftovers(of id: UUID) async throws -> [String] {
        let flattenID = String(id.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
        let containers = try await engine.listContainers(all: true)
            .filter { $0.names.contains { $0.hasPrefix("/flatten-\(flattenID)") || $0.hasPrefix("flatten-\(flattenID)") } }
            .map { "container \($0.names.joined(separator: ","))" }
        let temporary = try await engine.listImages(all: true)
            .filter { $0.labels["io.flatten-fleet.temporary"] == flattenID }
            .map { "temporary image \($0.id)" }
        return containers + temporary
    }

    /// What is left in the agent's work directory (spool directories of flattens).
    var workDirectoryLeftovers: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/work")) ?? []
    }

    /// The reports the agent keeps in its state directory, undelivered.
    var pendingReports: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/pending")) ?? []
    }
}

/// Polls `value` until it answers non-nil, failing after `timeout`, a generous bound
/// for a loaded machine, never a measure.
@discardableResult
func eventually<Value>(
    _ what: String, timeout: Duration = .seconds(90), every interval: Duration = .milliseconds(100),
    _ value: () async throws -> Value?
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await value() { return value }
        guard ContinuousClock.now < deadline else {
            throw AgentRunError(description: "timed out after \(timeout) waiting until \(what)")
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` until it holds, failing after `timeout` (a bound, not a measure).
func waitUntil(
    _ what: String, timeout: Duration = .seconds(90), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    try await eventually(what, timeout: timeout, every: interval) { try await condition() ? true : nil }
}
