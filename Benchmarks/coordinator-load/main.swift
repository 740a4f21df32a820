// coordinator-load: drives a running flatten-coordinator over HTTP and prints what it measured.
//
//   coordinator-load --url http://127.0.0.1:8080 --admin-token A --enroll-token E --pid PID \
//       [--agents 20] [--jobs 20000] [--submitters 4] [--latency-jobs 2000] [--latency-rate 200] \
//       [--idle-agents 1000] [--idle-seconds 20]
//
// 1. Throughput: N agents long-poll, claim and complete at once (no Docker); submitters fan
//    jobs out to all agents as fast as they are acknowledged. Prints sustained jobs/s.
// 2. Latency: paced single-host submissions while the agents wait; prints submit→claim
//    p50/p99 (from sending the submission to the agent holding the claim).
// 3. Idle cost: 1,000 more agents long-poll with nothing to do; prints the coordinator's CPU
//    use over a window, read from /proc/PID/stat.
// Every loop is bounded in count and time and talks only to the given (loopback) URL.
// Phases 1 and 2 talk over one kept-alive connection per agent and submitter
// (LoopbackHTTPConnection), so the tool's own CPU per job stays small next to the coordinator's.

import AsyncHTTPClient
import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

struct Options {
    var url = "http://127.0.0.1:8080"
    /// The URL's host and port, for the loopback connections.
    var host = "127.0.0.1"
    var port = 8080
    var adminToken = ProcessInfo.processInfo.environment["FLATTEN_ADMIN_TOKEN"] ?? ""
    var enrollToken = ProcessInfo.processInfo.environment["FLATTEN_ENROLL_TOKEN"] ?? ""
    var pid: Int32?
    var agents = 20
    var jobs = 20_000
    var submitters = 4
    var latencyJobs = 2_000
    var latencyRate = 200.0
    var idleAgents = 1_000
    var idleSeconds = 20.0
    var runID = String(UUID().uuidString.prefix(8)).lowercased()

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 1
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("missing value for \(arguments[index - 1])") }
            return arguments[index]
        }
        func number<T: LosslessStringConvertible>(_ name: String) -> T {
            let text = value()
            guard let parsed = T(text) else { fail("\(name) expects a number, got \(text)") }
            return parsed
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--url": options.url = value()
            case "--admin-token": options.adminToken = value()
            case "--enroll-token": options.enrollToken = value()
            case "--pid": options.pid = number("--pid")
            case "--agents": options.agents = number("--agents")
            case "--jobs": options.jobs = number("--jobs")
            case "--submitters": options.submitters = number("--submitters")
            case "--latency-jobs": options.latencyJobs = number("--latency-jobs")
            case "--latency-rate": options.latencyRate = number("--latency-rate")
            case "--idle-agents": options.idleAgents = number("--idle-agents")
            case "--idle-seconds": options.idleSeconds = number("--idle-seconds")
            case "-h", "--help":
                print("usage: coordinator-load --url URL --admin-token T --enroll-token T [--pid PID] [--agents N] [--jobs N] [--submitters N] [--latency-jobs N] [--latency-rate PER_S] [--idle-agents N] [--idle-seconds S]")
                exit(0)
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        guard !options.adminToken.isEmpty, !options.enrollToken.isEmpty else {
            fail("--admin-token and --enroll-token are required (or FLATTEN_ADMIN_TOKEN / FLATTEN_ENROLL_TOKEN)")
        }
        guard let url = URL(string: options.url), let host = url.host, ["127.0.0.1", "localhost", "::1"].contains(host) else {
            fail("--url must be a loopback address (this tool only loads a local coordinator)")
        }
        options.host = host
        options.port = url.port ?? 80
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("coordinator-load: \(message)\n".utf8))
    exit(2)
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
}

/// How an agent or submitter reaches the coordinator: an already-encoded JSON body in, status
/// and body out, so the phases' loops are written once for both clients below.
protocol CoordinatorTransport {
    func send(_ method: HTTPMethod, _ path: String, token: String, json body: ByteBuffer?) async throws -> (status: UInt, body: ByteBuffer)
}

/// The shared coordinator client, kept for registration and the idle phase, whose 1,000
/// parked long polls want a pool rather than a connection per task.
struct API: Sendable, CoordinatorTransport {
    let endpoint: CoordinatorEndpoint

    func send(_ method: HTTPMethod, _ path: String, token: String, json body: ByteBuffer?) async throws -> (status: UInt, body: ByteBuffer) {
        var endpoint = endpoint
        endpoint.token = token
        let reply = try await endpoint.send(method, path, json: body)
        return (UInt(reply.status), reply.body)
    }

    func send(_ method: HTTPMethod, _ path: String, token: String, body: some Encodable) async throws -> (status: UInt, body: ByteBuffer) {
        try await send(method, path, token: token, json: ByteBuffer(bytes: try JSONEncoder.flattenProtocol.encode(body)))
    }
}

extension LoopbackHTTPConnection: CoordinatorTransport {
    func send(_ method: HTTPMethod, _ path: String, token: String, json body: ByteBuffer?) async throws -> (status: UInt, body: ByteBuffer) {
        var headers = [("Authorization", "Bearer \(token)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await send(method: method, path: path, headers: headers, body: body)
    }
}

extension JSONDecoder {
    func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try decode(type, from: Data(buffer.readableBytesView))
    }
}

/// Completion bodies made by splicing the lease token into bytes encoded once.
///
/// Completions differ from job to job only by their token, and a JSONEncoder pass per job is
/// CPU the load tool would take from the coordinator it measures. The bytes are the encoder's
/// own: a token it would write verbatim is spliced, any other is encoded in full.
struct CompletionBodyTemplate: Sendable {
    private let outcome: JobCompletion.Outcome
    private let prefix: ByteBuffer
    private let suffix: ByteBuffer

    init(outcome: JobCompletion.Outcome) throws {
        let placeholder = Array(#""lease-token-placeholder""#.utf8)
        let encoded = Array(try JSONEncoder.flattenProtocol.encode(JobCompletion(leaseToken: "lease-token-placeholder", outcome: outcome)))
        guard let range = encoded.firstRange(of: placeholder), encoded[range.upperBound...].firstRange(of: placeholder) == nil else {
            throw LoadError(description: "the encoded job completion does not hold its lease token exactly once")
        }
        // Keep the quotes around the token in the fixed parts.
        self.prefix = ByteBuffer(bytes: encoded[..<(range.lowerBound + 1)])
        self.suffix = ByteBuffer(bytes: encoded[(range.upperBound - 1)...])
        self.outcome = outcome
    }

    func body(leaseToken: String) throws -> ByteBuffer {
        guard leaseToken.utf8.allSatisfy(Self.isVerbatim) else {
            return ByteBuffer(bytes: try JSONEncoder.flattenProtocol.encode(JobCompletion(leaseToken: leaseToken, outcome: outcome)))
        }
        var body = ByteBuffer()
        body.reserveCapacity(prefix.readableBytes + leaseToken.utf8.count + suffix.readableBytes)
        body.writeImmutableBuffer(prefix)
        body.writeString(leaseToken)
        body.writeImmutableBuffer(suffix)
        return body
    }

    /// Printable ASCII but `"`, `\` and `/`: bytes JSONEncoder writes unchanged whatever its
    /// settings (it escapes `/` unless told not to).
    private static func isVerbatim(_ byte: UInt8) -> Bool {
        (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "/")
    }
}

/// Runs `body` over a connection of its own, so requests never wait on another task's.
func withLoopbackConnection(_ options: Options, ledger: Ledger, _ body: (LoopbackHTTPConnection) async -> Void) async {
    let connection: LoopbackHTTPConnection
    do {
        connection = try await LoopbackHTTPConnection.connect(host: options.host, port: options.port, group: MultiThreadedEventLoopGroup.singleton)
    } catch {
        await ledger.error()
        return
    }
    await body(connection)
    connection.close()
}

struct Agent: Sendable {
    let name: String
    let token: String
}

/// Thread-safe bookkeeping shared by the tasks of one phase.
actor Ledger {
    /// The completion count that ends the phase, and when it was reached: the phase's clock
    /// stops there, not when the last idle long poll returns (up to its wait later).
    let target: Int?
    private(set) var reachedTargetAt: ContinuousClock.Instant?
    var sentAt: [UUID: ContinuousClock.Instant] = [:]
    var claimedAt: [UUID: ContinuousClock.Instant] = [:]
    var completed = 0
    var claims = 0
    var errors = 0

    func sent(_ ids: [UUID], at instant: ContinuousClock.Instant) { for id in ids { sentAt[id] = instant } }
    func claimed(_ id: UUID, at instant: ContinuousClock.Instant) { claimedAt[id] = instant; claims += 1 }
    var measurement: (Double, Int)?

    init(target: Int? = nil) {
        self.target = target
    }

    func complete() {
        completed += 1
        if completed == target { reachedTargetAt = .now }
    }
    func measured(_ share: Double, errors: Int) { measurement = (share, errors) }
    func error() { errors += 1 }

    func latencies() -> [Duration] {
        claimedAt.compactMap { id, claimed in sentAt[id].map { claimed - $0 } }.sorted()
    }
}

func register(_ api: API, name: String, enrollToken: String, runID: String) async throws -> Agent {
    let registration = AgentRegistration(name: name, labels: ["load": runID], engineVersion: "20.10.24", engineAPIVersion: "1.41")
    let reply = try await api.send(.POST, APIPath.agentsRegister, token: enrollToken, body: registration)
    guard reply.status == 201 else { throw LoadError(description: "register \(name): HTTP \(reply.status) \(String(buffer: reply.body))") }
    return Agent(name: name, token: try JSONDecoder.flattenProtocol.decode(AgentRegistrationResponse.self, from: reply.body).agentToken)
}

/// One agent: claim (long poll), complete at once, until `stop()` says so.
func runAgent(_ transport: some CoordinatorTransport, _ agent: Agent, completion: CompletionBodyTemplate, ledger: Ledger, wait: Int,
              stop: @escaping @Sendable () async -> Bool) async {
    let claimPath = APIPath.agentsClaim + "?wait=\(wait)"
    let decoder = JSONDecoder.flattenProtocol
    while await !stop() {
        do {
            let reply = try await transport.send(.POST, claimPath, token: agent.token, json: nil)
            guard reply.status == 200 else {
                if reply.status != 204 { await ledger.error() }
                continue
            }
            let now = ContinuousClock.now
            let claim = try decoder.decode(ClaimResponse.self, from: reply.body)
            await ledger.claimed(claim.job.id, at: now)
            let done = try await transport.send(.POST, APIPath.jobComplete(claim.job.id), token: agent.token,
                                                json: try completion.body(leaseToken: claim.leaseToken))
            if done.status == 200 { await ledger.complete() } else { await ledger.error() }
        } catch {
            await ledger.error()
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Submits an encoded ``JobSubmission``; returns the answer's body, a ``SubmissionResponse``.
///
/// Decoding it is left to the caller: the throughput phase needs only the acknowledgement, and
/// decoding every job of a fan-out was a third of the load tool's CPU there.
func submit(_ transport: some CoordinatorTransport, _ submission: ByteBuffer, token: String) async throws -> ByteBuffer {
    let reply = try await transport.send(.POST, APIPath.jobs, token: token, json: submission)
    guard reply.status == 201 else { throw LoadError(description: "submit: HTTP \(reply.status) \(String(buffer: reply.body))") }
    return reply.body
}

func encoded(_ submission: JobSubmission) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONEncoder.flattenProtocol.encode(submission))
}

/// CPU seconds (user + system) the process has used, from /proc/PID/stat.
func cpuSeconds(pid: Int32, includingReapedChildren: Bool = false) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command name: state is field 3, utime 14, stime 15, cutime 16 and cstime 17
    // (1-based in proc(5)).
    guard fields.count > 14, let user = Double(fields[11]), let system = Double(fields[12]),
          let childUser = Double(fields[13]), let childSystem = Double(fields[14]) else { return nil }
    let ticks = user + system + (includingReapedChildren ? childUser + childSystem : 0)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds all processes named `postgres` have used (the server and its backends; the
/// benchmark assumes they serve this run), counting backends that exited since: the
/// postmaster's reaped children.
func postgresCPUSeconds() -> Double {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
    var total = 0.0
    for entry in entries where entry.first?.isNumber == true {
        guard let pid = Int32(entry),
              let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
              comm.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres" else { continue }
        total += cpuSeconds(pid: pid, includingReapedChildren: true) ?? 0
    }
    return total
}

/// CPU seconds this process has used.
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
    guard !sorted.isEmpty else { return .zero }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func ms(_ duration: Duration) -> String {
    String(format: "%.2f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
}

enum CoordinatorLoad {
    static func run(_ options: Options, _ api: API) async throws {
        print("coordinator-load against \(options.url) (run \(options.runID))")
        var registered: [Agent] = []
        for index in 0..<options.agents {
            registered.append(try await register(api, name: "load-\(options.runID)-\(index)", enrollToken: options.enrollToken, runID: options.runID))
        }
        let agents = registered
        // Every simulated agent reports the same flatten for its jobs.
        let completion = try CompletionBodyTemplate(outcome: .succeeded(FlattenResult(
            originalImageId: "sha256:" + String(repeating: "a", count: 64), newImageId: "sha256:" + String(repeating: "b", count: 64),
            originalSize: 2000, originalLayerCount: 4, newSize: 1000, newLayerCount: 1, bytesSaved: 1000, strategy: .merge)))

        // 1. Sustained throughput.
        // Each submission fans out to every agent: round the job count up to whole submissions.
        let perSubmitter = ((options.jobs + options.agents - 1) / options.agents + options.submitters - 1) / options.submitters
        let target = perSubmitter * options.submitters * options.agents
        let throughput = Ledger(target: target)
        let fanOut = try encoded(JobSubmission(image: try ImageReference("registry.example/load:1"),
                                               target: .selector(["load": options.runID])))
        let cpuBefore = options.pid.flatMap { cpuSeconds(pid: $0) }
        let postgresBefore = postgresCPUSeconds()
        let ownBefore = ownCPUSeconds()
        let start = ContinuousClock.now
        let timeLimit = ContinuousClock.now + .seconds(300)
        await withTaskGroup(of: Void.self) { group in
            for agent in agents {
                group.addTask {
                    await withLoopbackConnection(options, ledger: throughput) { connection in
                        await runAgent(connection, agent, completion: completion, ledger: throughput, wait: 5) {
                            await throughput.completed >= target || ContinuousClock.now > timeLimit
                        }
                    }
                }
            }
            for _ in 0..<options.submitters {
                group.addTask {
                    await withLoopbackConnection(options, ledger: throughput) { connection in
                        for _ in 0..<perSubmitter where ContinuousClock.now < timeLimit {
                            do {
                                _ = try await submit(connection, fanOut, token: options.adminToken)
                            } catch {
                                await throughput.error()
                            }
                        }
                    }
                }
            }
        }
        let elapsed = (await throughput.reachedTargetAt ?? ContinuousClock.now) - start
        let postgresUsed = postgresCPUSeconds() - postgresBefore
        let ownUsed = ownCPUSeconds() - ownBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let completed = await throughput.completed
        let claims = await throughput.claims
        print(String(format: "throughput: %d jobs submitted→claimed→completed in %.2f s = %.0f jobs/s (%.0f claims/s) with %d agents, %d submitters; errors: %d",
                     completed, seconds, Double(completed) / seconds, Double(claims) / seconds,
                     options.agents, options.submitters, await throughput.errors))

        if let pid = options.pid, let before = cpuBefore, let after = cpuSeconds(pid: pid), completed > 0 {
            let used = after - before
            print(String(format: "throughput: the coordinator used %.2f CPU-seconds (%.0f%% of one core), %.3f ms of CPU per job (submit share + claim + complete)",
                         used, used / seconds * 100, used / Double(completed) * 1000))
        }
        if completed > 0 {
            print(String(format: "throughput: PostgreSQL used %.3f ms of CPU per job (%.0f%% of one core); this load tool %.3f ms per job (%.0f%%)",
                         postgresUsed / Double(completed) * 1000, postgresUsed / seconds * 100,
                         ownUsed / Double(completed) * 1000, ownUsed / seconds * 100))
        }

        // 2. Submit→claim latency with agents waiting.
        let latency = Ledger()
        let interval = Duration.seconds(1 / options.latencyRate)
        let latencyTarget = options.latencyJobs
        let latencyLimit = ContinuousClock.now + .seconds(300)
        let singleHost = try agents.map { agent in
            try encoded(JobSubmission(image: try ImageReference("registry.example/load:2"), target: .host(agent.name)))
        }
        await withTaskGroup(of: Void.self) { group in
            for agent in agents {
                group.addTask {
                    await withLoopbackConnection(options, ledger: latency) { connection in
                        await runAgent(connection, agent, completion: completion, ledger: latency, wait: 5) {
                            await latency.completed >= latencyTarget || ContinuousClock.now > latencyLimit
                        }
                    }
                }
            }
            group.addTask {
                await withLoopbackConnection(options, ledger: latency) { connection in
                    let decoder = JSONDecoder.flattenProtocol
                    var next = ContinuousClock.now + .milliseconds(500)
                    for index in 0..<latencyTarget where ContinuousClock.now < latencyLimit {
                        try? await Task.sleep(until: next)
                        next += interval
                        let sent = ContinuousClock.now
                        do {
                            let answer = try await submit(connection, singleHost[index % singleHost.count], token: options.adminToken)
                            await latency.sent(try decoder.decode(SubmissionResponse.self, from: answer).jobs.map(\.id), at: sent)
                        } catch {
                            await latency.error()
                        }
                    }
                }
            }
        }
        let latencies = await latency.latencies()
        print("latency: submit→claim over \(latencies.count) jobs at \(Int(options.latencyRate))/s with \(options.agents) waiting agents: p50 \(ms(percentile(latencies, 0.5))), p99 \(ms(percentile(latencies, 0.99))), max \(ms(latencies.last ?? .zero)); errors: \(await latency.errors)")

        // 3. Idle long polls.
        guard let pid = options.pid else {
            print("idle: skipped (pass --pid with the coordinator's process ID)")
            return
        }
        var idleAgents: [Agent] = []
        for chunk in stride(from: 0, to: options.idleAgents, by: 50) {
            idleAgents += try await withThrowingTaskGroup(of: Agent.self) { group in
                for index in chunk..<min(chunk + 50, options.idleAgents) {
                    group.addTask { try await register(api, name: "idle-\(options.runID)-\(index)", enrollToken: options.enrollToken, runID: options.runID) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        let idle = idleAgents
        let idleLedger = Ledger()
        let idleEnd = ContinuousClock.now + .seconds(options.idleSeconds + 35)
        await withTaskGroup(of: Void.self) { group in
            for agent in idle {
                group.addTask {
                    await runAgent(api, agent, completion: completion, ledger: idleLedger, wait: 25) { ContinuousClock.now > idleEnd }
                }
            }
            group.addTask {
                // Let every poll connect and park, then measure.
                try? await Task.sleep(for: .seconds(10))
                guard let before = cpuSeconds(pid: pid) else { return }
                let clockStart = ContinuousClock.now
                try? await Task.sleep(for: .seconds(options.idleSeconds))
                guard let after = cpuSeconds(pid: pid) else { return }
                let wall = ContinuousClock.now - clockStart
                let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                let errors = await idleLedger.errors
                await idleLedger.measured((after - before) / wallSeconds, errors: errors)
            }
        }
        if let (share, errors) = await idleLedger.measurement {
            print(String(format: "idle: %d agents long-polling (wait=25) cost the coordinator %.2f%% of one core over %.0f s; errors: %d",
                         idle.count, share * 100, options.idleSeconds, errors))
        } else {
            print("idle: could not read /proc/\(pid)/stat")
        }
    }
}

let options = Options.parse(CommandLine.arguments)
var configuration = CoordinatorEndpoint.httpClientConfiguration(trusting: nil)
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.idleAgents + options.agents + options.submitters + 64
configuration.connectionPool.retryConnectionEstablishment = true
configuration.timeout.connect = .seconds(10)
do {
    try await CoordinatorEndpoint.withEndpoint(
        baseURL: options.url, configuration: configuration, userAgent: "coordinator-load", requestTimeout: .seconds(60)
    ) { endpoint in
        try await CoordinatorLoad.run(options, API(endpoint: endpoint))
    }
} catch {
    fail("\(error)")
}
