import Foundation

/// The built `flatten-agent run` as a child process, its standard error in a file.
// @unchecked: `Process` is not marked Sendable, but only its thread-safe queries (isRunning,
// terminationStatus, processIdentifier) and terminate() are used after launch.
final class AgentProcess: @unchecked Sendable {
    let process: Process
    let logURL: URL

    /// Starts `flatten-agent run` with `arguments`, in the test's environment without the
    /// FLATTEN_* variables, plus `environment`.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> AgentProcess {
        let process = Process()
        process.executableURL = try ProgramRun.executable("flatten-agent")
        process.arguments = ["run"] + arguments
        process.environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("FLATTEN_") }
            .merging(environment) { _, new in new }
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return AgentProcess(process: process, logURL: logURL)
    }

    private init(process: Process, logURL: URL) {
        self.process = process
        self.logURL = logURL
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text`; false when the agent exited or `timeout` passed first.
    func waitForLog(_ text: String, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            guard process.isRunning, ContinuousClock.now < deadline else { return log.contains(text) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// Stops the agent for good (SIGTERM, then SIGKILL) and removes its log.
    func stop() async {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        try? FileManager.default.removeItem(at: logURL)
    }
}
