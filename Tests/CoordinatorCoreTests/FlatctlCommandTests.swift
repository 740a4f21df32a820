import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// `flatctl` against a running coordinator: the built binaries, real HTTP.
@Suite("flatctl against a coordinator", .serialized)
struct FlatctlCommandTests {
    @Test("the table shows engine, API, store and platform; - for what an agent did not report; --json carries them")
    func table() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let api = LiveAPI(baseURL: coordinator.baseURL)
                for registration in [
                    AgentEngineDetailsTests.registration("docker-host"),
                    AgentEngineDetailsTests.registration("podman-host", product: "Podman", store: "containers-storage (overlay)", platform: "linux/arm64"),
                    AgentRegistration(name: "old-host", engineVersion: "20.10.24", engineAPIVersion: "1.41"),
                ] {
                    let reply = try await api.send(.POST, APIPath.agentsRegister, token: TestTokens.enrollment, json: registration)
                    #expect(reply.status == 201, "\(String(decoding: reply.body, as: UTF8.self))")
                }
                let connection = ["--coordinator", coordinator.baseURL, "--token", TestTokens.admin]

                let run = try await FlatctlBinary.run(["agents"] + connection)
                #expect(run.status == 0, "stderr: \(run.standardError)")
                let lines = run.standardOutput.split(separator: "\n").map(String.init)
                #expect(lines.count == 4, "\(run.standardOutput)")
                let header = try #require(lines.first)
                let titles = ["NAME", "STATE", "LABELS", "ENGINE", "API", "STORE", "PLATFORM", "CAPACITY", "RUNNING", "LAST SEEN"]
                let positions = titles.compactMap { header.range(of: $0)?.lowerBound }
                #expect(positions.count == titles.count && positions == positions.sorted(), "\(header)")

                // Columns are three spaces apart; a cell may hold single spaces. No agent has
                // labels, so that empty cell drops out and the engine follows the state.
                func cells(_ name: String) -> [String] {
                    let line = lines.first { $0.hasPrefix(name + " ") } ?? ""
                    return line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                #expect(cells("docker-host").dropFirst(2).prefix(4) == ["Docker 28.5.2", "1.51", "containerd (overlayfs)", "linux/amd64"], "\(run.standardOutput)")
                #expect(cells("podman-host").dropFirst(2).prefix(4) == ["Podman 28.5.2", "1.51", "containers-storage (overlay)", "linux/arm64"], "\(run.standardOutput)")
                #expect(cells("old-host").dropFirst(2).prefix(4) == ["20.10.24", "1.41", "-", "-"], "\(run.standardOutput)")

                let json = try await FlatctlBinary.run(["agents", "--json"] + connection)
                #expect(json.status == 0, "stderr: \(json.standardError)")
                let list = try JSONDecoder.flattenProtocol.decode(AgentList.self, from: Data(json.standardOutput.utf8))
                #expect(list.agents.map(\.name) == ["docker-host", "old-host", "podman-host"])
                #expect(list.agents[0].imageStore == "containerd (overlayfs)")
                #expect(list.agents[1].imageStore == nil)
                #expect(list.agents[2].engineProduct == "Podman")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    @Test("submit's --compression, --compression-level and --platform reach the jobs' options")
    func submitOptions() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                _ = try await LiveAPI(baseURL: coordinator.baseURL).register("a")
                let run = try await FlatctlBinary.run([
                    "submit", "registry.example/app:1", "--host", "a", "--compression", "zstd", "--compression-level", "7",
                    "--platform", "linux/arm64/v8", "--json", "--coordinator", coordinator.baseURL, "--token", TestTokens.admin,
                ])
                #expect(run.status == 0, "stderr: \(run.standardError)")
                let response = try JSONDecoder.flattenProtocol.decode(SubmissionResponse.self, from: Data(run.standardOutput.utf8))
                let options = try #require(response.jobs.first?.options)
                #expect(options.compression == (try LayerCompressionSetting(algorithm: .zstd, level: 7)))
                #expect(options.platform == ImagePlatform(os: "linux", architecture: "arm64", variant: "v8"))

                let plain = try await FlatctlBinary.run([
                    "submit", "registry.example/app:2", "--host", "a", "--json", "--coordinator", coordinator.baseURL, "--token", TestTokens.admin,
                ])
                #expect(plain.status == 0, "stderr: \(plain.standardError)")
                let plainOptions = try #require(try JSONDecoder.flattenProtocol.decode(SubmissionResponse.self, from: Data(plain.standardOutput.utf8)).jobs.first?.options)
                #expect(plainOptions.compression == nil)
                #expect(plainOptions.platform == nil)
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    @Test("Control-C cancels a command that waits: it ends with exit status 130")
    func interrupt() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                _ = try await LiveAPI(baseURL: coordinator.baseURL).register("a")
                let connection = ["--coordinator", coordinator.baseURL, "--token", TestTokens.admin]
                let submitted = try await FlatctlBinary.run(["submit", "registry.example/app:1", "--host", "a", "--json"] + connection)
                #expect(submitted.status == 0, "stderr: \(submitted.standardError)")
                let response = try JSONDecoder.flattenProtocol.decode(SubmissionResponse.self, from: Data(submitted.standardOutput.utf8))
                // Nothing claims the job, so the wait lasts until the interrupt; the job's first
                // line shows the watcher is polling.
                let run = try await FlatctlBinary.interrupted(
                    ["batch", response.batch.id.uuidString.lowercased(), "--wait"] + connection, once: "a: queued")
                #expect(run.status == 130 && run.exited, "\(run)")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }
}

/// Runs the built `flatctl` next to the tests.
enum FlatctlBinary {
    struct Run: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func executableURL() throws -> URL {
        let coordinator = try CoordinatorProcess.executableURL()
        let candidate = coordinator.deletingLastPathComponent().appendingPathComponent("flatctl")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw ProcessTestError("flatctl is not built next to flatten-coordinator (\(candidate.path)); run `swift build --build-tests`")
        }
        return candidate
    }

    /// Runs flatctl to its end, on a thread of its own (the reads and the wait block).
    static func run(_ arguments: [String]) async throws -> Run {
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FLATTEN_COORDINATOR"] = nil
        environment["FLATTEN_TOKEN"] = nil
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread {
                // stderr is short; read stdout to its end first so a full pipe cannot block flatctl.
                let out = output.fileHandleForReading.readDataToEndOfFile()
                let err = error.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Run(
                    status: process.terminationStatus,
                    standardOutput: String(decoding: out, as: UTF8.self),
                    standardError: String(decoding: err, as: UTF8.self)))
            }.start()
        }
    }

    /// How an interrupted flatctl ended.
    struct Interrupted: Sendable {
        var status: Int32
        /// False when it was killed by a signal (the test's backstop) rather than exiting.
        var exited: Bool
        var standardOutput: String
        var standardError: String
    }

    /// Starts flatctl, sends it SIGINT once its standard output holds `marker`, and answers how
    /// it ended. A backstop kills it if it is still running after 120 s, so it never outlives
    /// the test.
    static func interrupted(_ arguments: [String], once marker: String) async throws -> Interrupted {
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FLATTEN_COORDINATOR"] = nil
        environment["FLATTEN_TOKEN"] = nil
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) {
            if process.isRunning { process.terminate() }
        }
        return await withCheckedContinuation { continuation in
            Thread {
                let reader = output.fileHandleForReading
                var seen = Data()
                while !String(decoding: seen, as: UTF8.self).contains(marker) {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    seen.append(chunk)
                }
                if process.isRunning { process.interrupt() }
                seen.append(reader.readDataToEndOfFile())
                let err = error.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Interrupted(
                    status: process.terminationStatus, exited: process.terminationReason == .exit,
                    standardOutput: String(decoding: seen, as: UTF8.self),
                    standardError: String(decoding: err, as: UTF8.self)))
            }.start()
        }
    }
}
