import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A built program of this package running as a child process, its standard output and error
/// going to log files the test reads (and prints when it fails).
// @unchecked: `Process` is not marked Sendable; after launch only its thread-safe queries
// (isRunning, terminationStatus, processIdentifier) are used.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let process: Process
    let stdoutURL: URL
    let stderrURL: URL

    /// The executable next to the test bundle (SwiftPM builds every product into one folder).
    static func executable(_ name: String) throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw FleetTestError("\(name) is not built next to the tests (\(CommandLine.arguments[0])); run `swift build --build-tests` first")
    }

    /// Starts `program` with `arguments`; `environment` is added to a clean environment that
    /// keeps only PATH and HOME (so nothing of the caller's FLATTEN_* leaks in).
    init(_ program: String, _ arguments: [String], environment: [String: String] = [:], logDirectory: URL, label: String) throws {
        name = label
        process = Process()
        process.executableURL = try Self.executable(program)
        process.arguments = arguments
        var base: [String: String] = [:]
        for key in ["PATH", "HOME", "TMPDIR"] { base[key] = ProcessInfo.processInfo.environment[key] }
        process.environment = base.merging(environment) { $1 }
        stdoutURL = logDirectory.appendingPathComponent("\(label).out")
        stderrURL = logDirectory.appendingPathComponent("\(label).err")
        for url in [stdoutURL, stderrURL] {
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)  // a failure shows in FileHandle below
            }
        }
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        out.seekToEndOfFile()
        err.seekToEndOfFile()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the exit; the status, or nil when still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Stops it for good: SIGTERM, then SIGKILL after `grace`.
    func stop(grace: Duration = .seconds(15)) async {
        signal(SIGTERM)
        if (try? await waitForExit(timeout: grace)) ?? nil == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(timeout: .seconds(5))
        }
    }

    /// The last part of both logs, for failure messages.
    var logTail: String {
        "--- \(name) stderr ---\n\(stderr.suffix(4000))\n--- \(name) stdout ---\n\(stdout.suffix(2000))"
    }
}

/// The result of running a command to its end.
struct CommandResult: Sendable, CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)" }
}
