import AsyncHTTPClient
import FlattenProtocol
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One coordinator (on a scratch database) and two agents on this machine, each on its own
/// private engine with its own labels, run from the built binaries; plus `flatctl`.
///
/// Agent `a` runs on one engine of the matrix with labels `zone=a,fleet=<id>`, agent `b` on
/// the next engine with `zone=b,fleet=<id>`, so a mixed fleet is the normal case. Timings are short: lease
/// ``leaseSeconds``, heartbeats every 0.5 s, claims long-polling 2 s.
final class Fleet: @unchecked Sendable {
    // @unchecked: the mutable process references are only touched by the one test that owns
    // the fleet, from its own task.

    static let adminToken = "fleet-admin-" + TestEnvironment.uniqueSuffix()
    static let enrollToken = "fleet-enroll-" + TestEnvironment.uniqueSuffix()
    /// Signs in to the dashboard read-only.
    static let viewerToken = "fleet-viewer-" + TestEnvironment.uniqueSuffix()

    let id = TestEnvironment.uniqueSuffix()
    let database: ScratchDatabase
    let directory: URL
    let leaseSeconds: Double
    /// The coordinators: the first is ``coordinator``; a second one (``FleetOptions/twoCoordinators``)
    /// serves the same database.
    private(set) var coordinators: [ChildProcess]
    private(set) var ports: [Int]
    private(set) var agents: [String: ChildProcess] = [:]

    /// The agents' names and engines, by key `a` and `b`.
    let agentNames: [String: String]
    let engines: [String: TestEngine]
    let options: FleetOptions

    var coordinator: ChildProcess { coordinators[0] }
    var port: Int { ports[0] }
    var coordinatorURL: String { coordinatorURL(0) }

    /// The URL of coordinator `index`.
    func coordinatorURL(_ index: Int) -> String { "http://127.0.0.1:\(ports[index])" }

    private init(engines: [String: TestEngine], options: FleetOptions, database: ScratchDatabase, directory: URL, leaseSeconds: Double, coordinators: [(ChildProcess, Int)]) {
        self.engines = engines
        self.options = options
        self.database = database
        self.directory = directory
        self.leaseSeconds = leaseSeconds
        self.coordinators = coordinators.map(\.0)
        self.ports = coordinators.map(\.1)
        agentNames = ["a": "fleet-\(id)-a", "b": "fleet-\(id)-b"]
    }

    /// Starts the coordinator and both agents, and waits until both agents are online.
    static func start(on engine: TestEngine, leaseSeconds: Double = 5, options: FleetOptions = FleetOptions()) async throws -> Fleet {
        let engines = ["a": engine, "b": engine.next]
        // Fail early, naming what is missing, before anything starts.
        for (key, engine) in engines where options.engineHosts[key] == nil { _ = try engine.host() }
        let database = try await ScratchDatabase.create(prefix: "fleet_test", baseURL: options.databaseBaseURL)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-\(database.name)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            var started: [(ChildProcess, Int)] = []
            do {
                for index in 0..<(options.twoCoordinators ? 2 : 1) {
                    started.append(try await startCoordinator(
                        database: database, directory: directory, leaseSeconds: leaseSeconds, listen: "127.0.0.1:0", index: index))
                }
            } catch {
                for (process, _) in started { await process.stop() }
                throw error
            }
            let fleet = Fleet(engines: engines, options: options, database: database, directory: directory, leaseSeconds: leaseSeconds, coordinators: started)
            do {
                for key in options.agentKeys { try fleet.startAgent(key, enroll: true) }
                if !options.agentKeys.isEmpty { try await fleet.waitUntilOnline(options.agentKeys) }
            } catch {
                await fleet.shutDown()
                throw error
            }
            return fleet
        } catch {
            await database.drop()
            throw error
        }
    }

    private static func startCoordinator(database: ScratchDatabase, directory: URL, leaseSeconds: Double, listen: String, index: Int) async throws -> (ChildProcess, Int) {
        let process = try ChildProcess(
            "flatten-coordinator",
            ["serve", "--listen", listen, "--database-url", database.url,
             "--lease-seconds", "\(leaseSeconds)", "--reaper-interval", "0.5", "--recheck-interval", "0.5",
             "--retry-base", "0.25", "--retry-cap", "2", "--log-level", "debug",
             // Every agent of a fleet test enrolls from 127.0.0.1 (the flood drill enrolls 50):
             // the failed-authentication limiter, tested by CallerLimitTests, is off here.
             "--auth-limit-burst", "0"],
            environment: ["FLATTEN_ADMIN_TOKEN": adminToken, "FLATTEN_ENROLL_TOKEN": enrollToken, "FLATTEN_VIEWER_TOKEN": viewerToken],
            logDirectory: directory, label: index == 0 ? "coordinator" : "coordinator-\(index + 1)")
        let port = try await TestEnvironment.eventually("the coordinator's `listening on` line", timeout: .seconds(60), every: .milliseconds(50)) { () -> Int? in
            guard process.isRunning else {
                throw FleetTestError("the coordinator exited with \(process.process.terminationStatus)\n\(process.logTail)")
            }
            let lines = process.stdout.split(separator: "\n").filter { $0.hasPrefix("listening on ") }
            guard let line = lines.last, let text = line.split(separator: ":").last else { return nil }
            return Int(text)
        }
        return (process, port)
    }

    /// Starts agent `key` (`a` or `b`); with `enroll`, hands it the enrollment token (a restart
    /// without it must use the identity in its state directory).
    func startAgent(_ key: String, enroll: Bool = false, extraArguments: [String] = []) throws {
        let engine = try options.engineHosts[key] ?? TestEnvironment.require(engines[key]!.variable)
        var environment = ["DOCKER_HOST": engine, "FLATTEN_COORDINATOR": coordinatorURL(options.coordinatorOfAgent[key] ?? 0)]
        if enroll { environment["FLATTEN_ENROLL_TOKEN"] = Self.enrollToken }
        agents[key] = try ChildProcess(
            "flatten-agent",
            ["run", "--name", agentNames[key]!, "--label", "zone=\(key)", "--label", "fleet=\(id)",
             "--state-dir", stateDirectory(key).path, "--heartbeat-seconds", "0.5",
             "--claim-wait-seconds", "2", "--retry-cap-seconds", "1"] + extraArguments,
            environment: environment, logDirectory: directory, label: "agent-\(key)")
    }

    func stateDirectory(_ key: String) -> URL {
        directory.appendingPathComponent("state-\(key)")
    }

    func agent(_ key: String) -> ChildProcess { agents[key]! }

    /// Waits until the agents are registered and online.
    func waitUntilOnline(_ keys: [String]) async throws {
        let names = Set(keys.map { agentNames[$0]! })
        _ = try await TestEnvironment.eventually("agents \(names.sorted()) online", timeout: .seconds(60)) { () -> Bool? in
            for key in keys where agents[key]?.isRunning == false {
                throw FleetTestError("agent \(key) exited with \(agents[key]!.process.terminationStatus)\n\(agents[key]!.logTail)")
            }
            let list: AgentList? = try? await api(.GET, APIPath.agents)
            let online = Set((list?.agents ?? []).filter { $0.state == .online }.map(\.name))
            return names.isSubset(of: online) ? true : nil
        }
    }

    /// Stops the coordinator (SIGTERM) and starts it again on the same port and database.
    func restartCoordinator(downFor pause: Duration) async throws {
        await coordinator.stop()
        try await Task.sleep(for: pause)
        try await startCoordinatorAgain()
    }

    /// Stops coordinator `index` (SIGTERM) without starting it again.
    func stopCoordinator(_ index: Int = 0) async {
        await coordinators[index].stop()
    }

    /// Kills coordinator `index` with SIGKILL (no graceful shutdown: held polls and
    /// connections are cut) and waits until it is gone.
    func killCoordinator(_ index: Int = 0) async throws {
        coordinators[index].signal(SIGKILL)
        guard try await coordinators[index].waitForExit(timeout: .seconds(60)) != nil else {
            throw FleetTestError("coordinator \(index + 1) still runs 60 s after SIGKILL")
        }
    }

    /// Starts the stopped coordinator `index` again on the same port.
    func startCoordinatorAgain(_ index: Int = 0) async throws {
        (coordinators[index], ports[index]) = try await Self.startCoordinator(
            database: database, directory: directory, leaseSeconds: leaseSeconds, listen: "127.0.0.1:\(ports[index])", index: index)
    }

    /// Stops everything and drops the database.
    func shutDown() async {
        for agent in agents.values { await agent.stop() }
        for coordinator in coordinators { await coordinator.stop() }
        await database.drop()
    }

    /// Every log, for a failing test's message.
    var logs: String {
        (coordinators + agents.keys.sorted().map { agents[$0]! }).map(\.logTail).joined(separator: "\n")
    }

    // MARK: flatctl and the API

    /// Runs `flatctl` with the fleet's coordinator and admin token in its environment.
    func flatctl(_ arguments: [String], timeout: Duration = .seconds(180), coordinator index: Int = 0) async throws -> CommandResult {
        let label = "flatctl-\(TestEnvironment.uniqueSuffix())"
        let process = try ChildProcess(
            "flatctl", arguments,
            environment: ["FLATTEN_COORDINATOR": coordinatorURL(index), "FLATTEN_TOKEN": Self.adminToken],
            logDirectory: directory, label: label)
        guard let status = try await process.waitForExit(timeout: timeout) else {
            process.signal(SIGKILL)
            throw FleetTestError("flatctl \(arguments.joined(separator: " ")) did not finish within \(timeout)\n\(process.logTail)\n\(logs)")
        }
        return CommandResult(status: status, stdout: process.stdout, stderr: process.stderr)
    }

    /// Runs `flatctl … --json` and decodes its output.
    func flatctlJSON<T: Decodable>(_ type: T.Type, _ arguments: [String], timeout: Duration = .seconds(180), coordinator index: Int = 0) async throws -> (T, CommandResult) {
        let result = try await flatctl(arguments + ["--json"], timeout: timeout, coordinator: index)
        do {
            return (try JSONDecoder.flattenProtocol.decode(T.self, from: Data(result.stdout.utf8)), result)
        } catch {
            throw FleetTestError("flatctl \(arguments.joined(separator: " ")) --json did not print a \(T.self): \(error)\n\(result)")
        }
    }

    /// An operator call straight to the API (for polling in tests).
    /// Sent to coordinator `index`, by default the first one running (a drill may have killed the other).
    func api<T: Decodable>(_ method: HTTPMethod, _ path: String, coordinator index: Int? = nil) async throws -> T {
        let index = index ?? coordinators.firstIndex { $0.isRunning } ?? 0
        var request = HTTPClientRequest(url: coordinatorURL(index) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(Self.adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code < 300 else {
            throw FleetTestError("\(method) \(path): HTTP \(response.status.code) \(String(buffer: body))")
        }
        return try JSONDecoder.flattenProtocol.decode(T.self, from: Data(body.readableBytesView))
    }

    func job(_ id: UUID) async throws -> Job {
        try await api(.GET, APIPath.job(id))
    }

    /// Waits until the job satisfies `condition`.
    func waitForJob(_ id: UUID, _ what: String, timeout: Duration = .seconds(120), _ condition: @escaping (Job) -> Bool) async throws -> Job {
        do {
            return try await TestEnvironment.eventually("job \(id.uuidString.lowercased()) \(what)", timeout: timeout, every: .milliseconds(100)) { () -> Job? in
                guard let job = try? await self.job(id) else { return nil }
                return condition(job) ? job : nil
            }
        } catch {
            let last = try? await self.job(id)
            throw FleetTestError("\(error); last seen: \(last.map { "\($0.state) attempt \($0.attempt) progress \(String(describing: $0.progress)) error \(String(describing: $0.error))" } ?? "unknown")\n\(logs)")
        }
    }
}

/// How a ``Fleet`` differs from the usual one (both agents on the matrix's engines, one
/// coordinator on the shared PostgreSQL).
struct FleetOptions: Sendable {
    /// The server the scratch database is created on (a drill's private PostgreSQL); nil for
    /// `FLATTEN_TEST_DATABASE_URL`.
    var databaseBaseURL: String?
    /// `DOCKER_HOST` of an agent (by key) on an engine outside the matrix (a drill's private engine).
    var engineHosts: [String: String] = [:]
    /// Starts a second coordinator on the same database.
    var twoCoordinators = false
    /// The coordinator (index) each agent talks to; 0 when absent.
    var coordinatorOfAgent: [String: Int] = [:]
    /// The agents started with the fleet (a drill of the coordinator alone starts none).
    var agentKeys = ["a", "b"]
}
