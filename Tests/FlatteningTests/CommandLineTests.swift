import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Testing
import TestSupport

@Suite("the flatten-agent binary")
struct CommandLineTests {
    @Test("flatten --json prints a FlattenResult and exits 0", arguments: TestEngine.all)
    func flattenJSON(engine: TestEngine) async throws {
        try await TestImages.with(label: "cli-json", on: engine) { images in
            let app = try await images.application()
            let run = try await AgentBinary.run(["flatten", app, "--json", "--verify"], images: images)
            #expect(run.status == 0, "stderr: \(run.standardError)")
            let result = try JSONDecoder.flattenProtocol.decode(FlattenResult.self, from: Data(run.standardOutput.utf8))
            images.track(result.newImageId)
            #expect(result.newLayerCount == 1)
            #expect(result.verified == true)
            #expect(result.originalImageId == (try await images.engine.inspectImage(app).id))
            #expect(try await images.engine.inspectImage("\(images.repository):app-flat").id == result.newImageId)
        }
    }

    @Test("flatten prints a before/after table", arguments: TestEngine.all)
    func flattenTable(engine: TestEngine) async throws {
        try await TestImages.with(label: "cli-table", on: engine) { images in
            let app = try await images.application()
            let run = try await AgentBinary.run(["flatten", app, "--tag", "\(images.repository):tabled"], images: images)
            images.track("\(images.repository):tabled")
            #expect(run.status == 0, "stderr: \(run.standardError)")
            let lines = run.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("IMAGE") == true)
            #expect(lines.contains { $0.hasPrefix(app + " ") && $0.contains(" 4 ") })
            #expect(lines.contains { $0.hasPrefix("\(images.repository):tabled ") && $0.contains(" 1 ") })
            #expect(lines.contains { $0.hasPrefix("saved ") && $0.contains("saving") && $0.contains("loading") })
            #expect(run.standardError.isEmpty, "progress must not be written when stderr is not a terminal")
        }
    }

    @Test("a missing image fails with one line naming it", arguments: TestEngine.all)
    func missingImage(engine: TestEngine) async throws {
        try await TestImages.with(label: "cli-missing", on: engine) { images in
            let run = try await AgentBinary.run(["flatten", "\(images.repository):missing"], images: images)
            #expect(run.status == 1)
            #expect(run.standardOutput.isEmpty)
            #expect(run.standardError == "flatten-agent: error: image '\(images.repository):missing' was not found on the engine\n")
            // Without a tag, the message names the `latest` that was looked for.
            let untagged = try await AgentBinary.run(["flatten", "\(images.repository)-absent"], images: images)
            #expect(untagged.status == 1)
            #expect(untagged.standardError == "flatten-agent: error: image '\(images.repository)-absent:latest' was not found on the engine\n")
        }
    }

    @Test("an unreachable engine fails with one line naming the socket")
    func unreachableEngine() async throws {
        let socket = NSTemporaryDirectory() + "/flatten-test-no-engine-\(FlattenJob.makeID()).sock"
        let run = try await AgentBinary.run(["flatten", "app:1", "--docker-host", "unix://\(socket)"], images: nil)
        #expect(run.status == 1)
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(run.standardError.contains("cannot reach the Docker engine at unix://\(socket)"))
    }

    @Test("a socket this user may not open fails with one line saying permission denied")
    func permissionDenied() async throws {
        let socket = try TestEnvironment.require(TestEnvironment.dockerHostVariable)
        // The tests run as root (the services need it); the binary is run as nobody, who is not
        // in the socket's group.
        guard getuid() == 0 else {
            Issue.record("this test needs root, to run the binary as nobody")
            return
        }
        let run = try await AgentBinary.run(
            ["flatten", "app:1", "--docker-host", socket, "--work-dir", NSTemporaryDirectory()], images: nil,
            prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        )
        #expect(run.status == 1)
        #expect(run.standardError == "flatten-agent: error: permission denied opening the Docker engine socket \(socket) (run as root or as a member of the socket's group, usually 'docker')\n")
    }

    @Test("--min-savings that is not reached skips with exit 0", arguments: TestEngine.all)
    func minSavingsSkip(engine: TestEngine) async throws {
        try await TestImages.with(label: "cli-skip", on: engine) { images in
            let app = try await images.application()
            let run = try await AgentBinary.run(["flatten", app, "--min-savings", "95%"], images: images)
            #expect(run.status == 0, "stderr: \(run.standardError)")
            #expect(run.standardOutput.hasPrefix("skipped: "))
            let json = try await AgentBinary.run(["flatten", app, "--min-savings", "95%", "--json"], images: images)
            let decoded = try JSONDecoder().decode([String: [String: String]].self, from: Data(json.standardOutput.utf8))
            #expect(decoded["skipped"]?["reason"]?.contains("95%") == true)
        }
    }

    @Test("two partial modes at once are a usage error")
    func conflictingModes() async throws {
        let run = try await AgentBinary.run(["flatten", "app:1", "--keep-layers", "1", "--keep-shared"], images: nil)
        #expect(run.status == 64)
        #expect(run.standardError.contains("choose at most one of --keep-layers, --base and --keep-shared"))
    }

    @Test("analyze --json prints the analysis with a recommendation", arguments: TestEngine.all)
    func analyzeJSON(engine: TestEngine) async throws {
        try await TestImages.with(label: "cli-analyze", on: engine) { images in
            let app = try await images.application()
            let run = try await AgentBinary.run(["analyze", app, "--json"], images: images)
            #expect(run.status == 0, "stderr: \(run.standardError)")
            let analysis = try JSONDecoder().decode(FlattenAnalysis.self, from: Data(run.standardOutput.utf8))
            #expect(analysis.layers.count == 4)
            // Layer 1 wrote 300 KiB (/data/big) that layer 2 deleted.
            #expect(analysis.layers[1].wastedBytes >= 300 * 1024)
            #expect(analysis.layers[3].wastedBytes == 0)
            #expect(analysis.predictedSavings >= 300 * 1024)
            // One measure of waste: the column adds up to its total, which is the saving.
            #expect(analysis.layers.reduce(0) { $0 + $1.wastedBytes } == analysis.wastedBytes)
            #expect(analysis.wastedBytes == analysis.predictedSavings)
            #expect(analysis.layers[1].createdBy.contains("dd if=/dev/zero"))
            let table = try await AgentBinary.run(["analyze", app], images: images)
            #expect(table.standardOutput.contains("LAYER   CREATED BY"))
            #expect(table.standardOutput.contains("recommendation: "))
            let total = table.standardOutput.split(separator: "\n").first { $0.hasPrefix("total ") }
            #expect(total?.contains(ByteCount(analysis.wastedBytes).description) == true, "\(table.standardOutput)")
            #expect(table.standardOutput.contains("saving \(ByteCount(analysis.predictedSavings))"))
            #expect(table.standardOutput.contains("dive would say: wasted \(ByteCount(analysis.diveWastedBytes))"))
        }
    }
}

/// Runs the built `flatten-agent` (or `flatctl`) next to the test bundle.
enum AgentBinary {
    struct Run: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) does not exist: build it first with `swift build --build-tests`" }
    }

    static func path(of product: String = "flatten-agent") -> String {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = products
        // The test bundle may be a directory (…/flatten-fleetPackageTests.xctest/Contents/MacOS/…).
        while candidate.path != "/", !FileManager.default.fileExists(atPath: candidate.appendingPathComponent(product).path) {
            candidate.deleteLastPathComponent()
        }
        return candidate.appendingPathComponent(product).path
    }

    /// Runs the binary with `arguments`, against the test engine and the session's work directory.
    static func run(_ arguments: [String], images: TestImages?, prefix: [String] = [], product: String = "flatten-agent") async throws -> Run {
        let executable = path(of: product)
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw Missing(path: executable) }
        var arguments = arguments
        if let images, arguments.first == "flatten" || arguments.first == "analyze" {
            arguments += ["--docker-host", try TestEnvironment.require(images.testEngine.variable), "--work-dir", images.workDirectory]
        }
        let process = Process()
        let command = prefix + [executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        async let out = onDedicatedThread { output.fileHandleForReading.readDataToEndOfFile() }
        async let err = onDedicatedThread { error.fileHandleForReading.readDataToEndOfFile() }
        let (outData, errData) = await (out, err)
        await onDedicatedThread { process.waitUntilExit() }
        return Run(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self)
        )
    }
}

/// The compression and platform options of `flatten-agent flatten` and `flatctl submit`: parsed
/// and refused before any engine or coordinator is asked.
@Suite("compression and platform options")
struct CompressionPlatformOptionTests {
    /// Each command with the arguments that make it run up to its options.
    static let commands: [(product: String, arguments: [String], usageStatus: Int32)] = [
        ("flatten-agent", ["flatten", "app:1"], 64),
        ("flatctl", ["submit", "app:1", "--all"], 2),
    ]

    @Test("refused values are usage errors carrying the parser's message and the flag", arguments: [
        (["--compression-level", "3"], "--compression-level 3 needs --compression"),
        (["--compression", "brotli"], "unknown compression 'brotli'; use gzip, zstd or none (--compression)"),
        (["--compression", "gzip", "--compression-level", "12"], "gzip compression levels are 1 to 9; got 12 (--compression-level)"),
        (["--compression", "zstd", "--compression-level", "0"], "zstd compression levels are 1 to 19; got 0 (--compression-level)"),
        (["--compression", "none", "--compression-level", "1"], "--compression none takes no level (got 1)"),
        (["--platform", "linux"], "'linux' is not a platform; write os/architecture[/variant]"),
        (["--platform", "Linux/AMD64"], "(--platform)"),
    ])
    func refused(options: [String], message: String) async throws {
        for command in Self.commands {
            let run = try await AgentBinary.run(command.arguments + options, images: nil, product: command.product)
            #expect(run.status == command.usageStatus, "\(command.product): \(run.standardError)")
            #expect(run.standardError.contains(message), "\(command.product): \(run.standardError)")
        }
    }

    @Test("accepted values get past parsing, to the engine or coordinator", arguments: [
        ["--compression", "zstd", "--compression-level", "19", "--platform", "linux/arm64/v8"],
        ["--compression", "GZIP"],
        ["--compression", "none", "--platform", "linux/amd64"],
    ])
    func accepted(options: [String]) async throws {
        let socket = NSTemporaryDirectory() + "/flatten-test-no-engine-\(FlattenJob.makeID()).sock"
        let agent = try await AgentBinary.run(
            ["flatten", "app:1", "--docker-host", "unix://\(socket)"] + options, images: nil)
        #expect(agent.status == 1)
        #expect(agent.standardError.contains("cannot reach the Docker engine"), "\(agent.standardError)")
        let flatctl = try await AgentBinary.run(
            ["submit", "app:1", "--all", "--coordinator", "http://127.0.0.1:1", "--token", "t"] + options,
            images: nil, product: "flatctl")
        #expect(flatctl.status == 2)
        #expect(flatctl.standardError.contains("cannot reach the coordinator"), "\(flatctl.standardError)")
    }

    @Test("the help describes where compression applies")
    func help() async throws {
        for command in Self.commands {
            let run = try await AgentBinary.run([command.arguments[0], "--help"], images: nil, product: command.product)
            #expect(run.status == 0, "\(command.product): \(run.standardError)")
            let help = run.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(help.contains("--compression <gzip|zstd|none>"), "\(command.product): \(help)")
            #expect(help.contains("Ignored on Docker's classic store"), "\(command.product)")
            #expect(help.contains("--compression-level <n>"), "\(command.product)")
            #expect(help.contains("--platform <os/arch[/variant]>"), "\(command.product)")
            #expect(help.contains("the engine must hold it"), "\(command.product)")
        }
    }
}
