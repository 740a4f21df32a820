import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `scripts/services` of the checkout that started the test services (`FLATTEN_SERVICES`), run
/// for the private services of outage drills: a PostgreSQL instance or an engine a test stops
/// and starts without disturbing the shared ones.
public struct ServicesScript: Sendable {
    /// The script's path.
    public let path: String
    /// Variables set for the script only (`FLATTEN_RUN_DIR` for an engine of a test's own).
    public let environment: [String: String]

    public init(path: String, environment: [String: String] = [:]) {
        self.path = path
        self.environment = environment
    }

    /// The script named by `FLATTEN_SERVICES`, or an error naming the variable.
    public static func fromEnvironment(environment: [String: String] = [:]) throws -> ServicesScript {
        ServicesScript(path: try TestEnvironment.require("FLATTEN_SERVICES"), environment: environment)
    }

    /// The run folder the shared services use (`FLATTEN_RUN_DIR`, else `run/` next to the
    /// script's checkout): drills keep their private services' data under it.
    public static func sharedRunFolder() throws -> URL {
        if let run = ProcessInfo.processInfo.environment["FLATTEN_RUN_DIR"], !run.isEmpty {
            return URL(fileURLWithPath: run)
        }
        let script = URL(fileURLWithPath: try TestEnvironment.require("FLATTEN_SERVICES"))
        return script.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("run")
    }

    /// Runs the script with `arguments` and answers its output (standard output and error);
    /// throws with that output when it exits non-zero.
    ///
    /// With `system(3)` on a thread of its own, not `Process`: Foundation's `Process` learns
    /// of the child's exit through a descriptor the child inherits, and the servers the script
    /// starts (PostgreSQL, dockerd) inherit it too, so `waitUntilExit` would wait for them to stop.
    @discardableResult
    public func run(_ arguments: [String]) async throws -> String {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("services-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        let command = (assignments.isEmpty ? "" : "env " + assignments.joined(separator: " ") + " ")
            + ([path] + arguments).map(Self.quote).joined(separator: " ")
            + " </dev/null >" + Self.quote(outputURL.path) + " 2>&1"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: system(command)) }.start()
        }
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw ServicesScriptError(description: "\(path) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A run of `scripts/services` that failed, with its output.
public struct ServicesScriptError: Error, CustomStringConvertible {
    public let description: String
}
