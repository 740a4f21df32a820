import AsyncHTTPClient
import FlattenProtocol
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing

/// The built `flatten-coordinator` executable running as a child process on a free port.
// @unchecked: `Process` is not marked Sendable, but only its thread-safe queries (isRunning,
// terminationStatus, processIdentifier) and terminate() are used after launch.
final class CoordinatorProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let logURL: URL

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The executable next to the test bundle (SwiftPM builds every product into one folder),
    /// or `FLATTEN_COORDINATOR_BIN`.
    static func executableURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["FLATTEN_COORDINATOR_BIN"] {
            return URL(fileURLWithPath: path)
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("flatten-coordinator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ProcessTestError("flatten-coordinator is not built next to the tests (\(CommandLine.arguments[0])); run `swift build --build-tests` or set FLATTEN_COORDINATOR_BIN")
    }

    /// The token flags a coordinator starts with unless told otherwise.
    static let tokenArguments = ["--admin-token", TestTokens.admin, "--enroll-token", TestTokens.enrollment]

    /// Starts a coordinator on `databaseURL` and waits for its `listening on` line.
    ///
    /// - Parameters:
    ///   - tokens: the token options, in place of ``tokenArguments``.
    ///   - environment: variables added to the test's environment.
    static func start(
        databaseURL: String, arguments: [String] = [], tokens: [String] = tokenArguments,
        environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> CoordinatorProcess {
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--database-url", databaseURL] + tokens + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)  // a failure shows in FileHandle below
        process.standardError = try FileHandle(forWritingTo: logURL)
        let stdout = Pipe()
        process.standardOutput = stdout

        let output = NIOLockedValueBox("")
        let port = NIOLockedValueBox<Int?>(nil)
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            output.withLockedValue { text in
                text += String(decoding: data, as: UTF8.self)
                if port.withLockedValue({ $0 }) == nil,
                   let range = text.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    let portText = text[range].split(separator: ":").last.map(String.init) ?? ""
                    port.withLockedValue { $0 = Int(portText) }
                }
            }
        }
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while port.withLockedValue({ $0 }) == nil {
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { process.terminate() }
                let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                throw ProcessTestError("coordinator did not print its address (exit: \(process.isRunning ? "running" : "\(process.terminationStatus)")); log:\n\(log.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return CoordinatorProcess(process: process, port: port.withLockedValue { $0! }, logURL: logURL)
    }

    private init(process: Process, port: Int, logURL: URL) {
        self.process = process
        self.port = port
        self.logURL = logURL
    }

    /// Sends SIGTERM.
    func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// Waits for the process to exit; its status, or nil when it is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Stops the process for good (SIGTERM, then SIGKILL).
    func stop() async {
        terminate()
        if (try? await waitForExit(timeout: .seconds(10))) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = try? await waitForExit(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
}

struct ProcessTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Calls to a coordinator over real HTTP.
struct LiveAPI: Sendable {
    let baseURL: String

    struct Reply: Sendable {
        let status: Int
        let body: Data

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder.flattenProtocol.decode(T.self, from: body)
        }
    }

    func send(_ method: HTTPMethod, _ path: String, token: String?, json: (any Encodable & Sendable)? = nil, timeout: Duration = .seconds(60)) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder.flattenProtocol.encode(json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), body: Data(body.readableBytesView))
    }

    func register(_ name: String) async throws -> TestAgent {
        let reply = try await send(.POST, APIPath.agentsRegister, token: TestTokens.enrollment,
                                   json: AgentRegistration(name: name, engineVersion: "20.10.24", engineAPIVersion: "1.41"))
        guard reply.status == 201 else { throw ProcessTestError("register \(name): HTTP \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
        let body = try reply.decode(AgentRegistrationResponse.self)
        return TestAgent(id: body.agentId, name: name, token: body.agentToken)
    }

    func submit(_ submission: JobSubmission) async throws -> SubmissionResponse {
        let reply = try await send(.POST, APIPath.jobs, token: TestTokens.admin, json: submission)
        guard reply.status == 201 else { throw ProcessTestError("submit: HTTP \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
        return try reply.decode(SubmissionResponse.self)
    }

    /// A claim; nil on 204.
    func claim(_ agent: TestAgent, wait: Int) async throws -> ClaimResponse? {
        let reply = try await send(.POST, APIPath.agentsClaim + "?wait=\(wait)", token: agent.token)
        switch reply.status {
        case 200: return try reply.decode(ClaimResponse.self)
        case 204: return nil
        default: throw ProcessTestError("claim: HTTP \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
    }

    /// Polls `/readyz` until it answers 200.
    func waitUntilReady(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let reply = try? await send(.GET, APIPath.readyz, token: nil, timeout: .seconds(5)), reply.status == 200 { return }
            guard ContinuousClock.now < deadline else { throw ProcessTestError("\(baseURL) not ready within \(timeout)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
