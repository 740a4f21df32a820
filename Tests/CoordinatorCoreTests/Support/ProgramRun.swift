import Foundation
import NIOConcurrencyHelpers

/// One run of a built executable to its end: its exit status and what it printed.
struct ProgramRun: Sendable, CustomStringConvertible {
    var status: Int32
    var standardOutput: String
    var standardError: String

    var description: String { "exit \(status); stdout: \(standardOutput); stderr: \(standardError)" }

    /// The executable `name` built next to `flatten-coordinator`.
    static func executable(_ name: String) throws -> URL {
        let candidate = try CoordinatorProcess.executableURL().deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw ProcessTestError("\(name) is not built next to flatten-coordinator (\(candidate.path)); run `swift build --build-tests`")
        }
        return candidate
    }

    /// Runs `executable` with `arguments` on a thread of its own (the reads and the wait block),
    /// in the test's environment without the FLATTEN_* variables, plus `environment`. A run
    /// still going after `timeout` is killed (and its status is that of the kill).
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> ProgramRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("FLATTEN_") }
            .merging(environment) { _, new in new }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        defer { watchdog.cancel() }
        return await withCheckedContinuation { continuation in
            Thread {
                // Both pipes are read at once, so neither can fill up and block the program.
                let standardError = NIOLockedValueBox(Data())
                let errorRead = DispatchSemaphore(value: 0)
                Thread {
                    let data = error.fileHandleForReading.readDataToEndOfFile()
                    standardError.withLockedValue { $0 = data }
                    errorRead.signal()
                }.start()
                let out = output.fileHandleForReading.readDataToEndOfFile()
                errorRead.wait()
                let err = standardError.withLockedValue { $0 }
                process.waitUntilExit()
                continuation.resume(returning: ProgramRun(
                    status: process.terminationStatus,
                    standardOutput: String(decoding: out, as: UTF8.self),
                    standardError: String(decoding: err, as: UTF8.self)))
            }.start()
        }
    }
}
