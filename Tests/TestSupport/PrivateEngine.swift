import Foundation

/// An engine of a drill's own, started by `scripts/services start-engine` in a run folder of its
/// own (under the shared run folder's `drills/`), so a test can stop and start it without
/// disturbing the shared engines other suites use at the same time.
///
/// It is the same engine the matrix runs under the same name (same binaries, flags and
/// configuration), on its own data root, exec root, socket and pid file; its TCP port is
/// `FLATTEN_TEST_DRILL_PORT_BASE + 10 + N` (N the engine's place in the matrix), apart from
/// the shared engines' ports.
public struct PrivateEngine: Sendable {
    /// The engine's name in the matrix (`docker20`, `docker28-containerd`).
    public let name: String
    /// The private run folder: the engine's data, configuration and log.
    public let runFolder: URL
    /// `unix://…/docker.sock`, for `DOCKER_HOST`.
    public let host: String
    let script: ServicesScript

    /// Starts engine `name` in a new private run folder and waits until it answers.
    public static func start(_ name: String = "docker20") async throws -> PrivateEngine {
        guard let base = Int(try TestEnvironment.require("FLATTEN_TEST_DRILL_PORT_BASE")) else {
            throw TestEnvironment.MissingVariable(name: "FLATTEN_TEST_DRILL_PORT_BASE")
        }
        let shared = try ServicesScript.sharedRunFolder()
        // Short: the script keeps sockets under /tmp/ff-HASH anyway, but the data root's
        // overlay mounts are easier to read in a short path.
        let runFolder = shared.appendingPathComponent("drills").appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        // The downloaded engine binaries (trixie's, sid's) are shared, never fetched again.
        let cache = shared.appendingPathComponent("cache")
        if FileManager.default.fileExists(atPath: cache.path) {
            try? FileManager.default.createSymbolicLink(at: runFolder.appendingPathComponent("cache"), withDestinationURL: cache)
        }
        let script = try ServicesScript.fromEnvironment(environment: [
            "FLATTEN_RUN_DIR": runFolder.path,
            "FLATTEN_ENGINE_TCP_BASE": String(base + 10),
            "FLATTEN_ENGINES": name,
        ])
        do {
            try await script.run(["start-engine", name])
            let variable = TestEngine(name: name).variable
            let environment = try await script.run(["env"])
            guard let line = environment.split(separator: "\n").first(where: { $0.hasPrefix("export \(variable)=") }),
                  let value = line.split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            else {
                throw ServicesScriptError(description: "\(script.path) env printed no \(variable) for the private engine: \(environment)")
            }
            return PrivateEngine(name: name, runFolder: runFolder, host: value, script: script)
        } catch {
            _ = try? await script.run(["stop-engine", name])
            try? FileManager.default.removeItem(at: runFolder)
            throw error
        }
    }

    /// Stops the engine (SIGTERM, then what it left running); its data stays.
    public func stop() async throws {
        try await script.run(["stop-engine", name])
    }

    /// Starts the stopped engine again on the same data and socket.
    public func startAgain() async throws {
        try await script.run(["start-engine", name])
    }

    /// Stops the engine and removes its run folder; never throws (clean-up).
    public func remove() async {
        _ = try? await script.run(["stop-engine", name])
        try? FileManager.default.removeItem(at: runFolder)
    }

    /// The engine's log, for a failing test's message.
    public var logTail: String {
        let log = runFolder.appendingPathComponent("engines/\(name)/engine.log")
        return "--- private engine \(name) log ---\n" + String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(3000))
    }
}

/// Runs `body` with a started private engine; stops and removes it afterwards, also on failure.
public func withPrivateEngine<T>(_ name: String = "docker20", _ body: (PrivateEngine) async throws -> T) async throws -> T {
    let engine = try await PrivateEngine.start(name)
    do {
        let result = try await body(engine)
        await engine.remove()
        return result
    } catch {
        await engine.remove()
        throw error
    }
}
