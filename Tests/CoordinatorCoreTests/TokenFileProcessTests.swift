import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// `--*-token-file` of the coordinator, flatctl and the agent: the built binaries.
@Suite("Token files", .serialized)
struct TokenFileProcessTests {
    /// A scratch directory with a token file per name (the token and a line break).
    struct Files {
        let directory: URL

        init(_ tokens: [String: String]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("flatten-tokens-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, token) in tokens {
                try Data((token.isEmpty ? "" : token + "\n").utf8).write(to: directory.appendingPathComponent(name))
            }
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func flatctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProgramRun {
        try await ProgramRun.run(try ProgramRun.executable("flatctl"), arguments, environment: environment)
    }

    @Test("the coordinator takes its tokens from files (flags or variables), and flatctl its token from --token-file or FLATTEN_TOKEN_FILE; loopback http draws no warning")
    func tokensFromFiles() async throws {
        let files = try Files(["admin": TestTokens.admin, "enroll": TestTokens.enrollment])
        defer { files.remove() }
        try await withScratchDatabase(prefix: "coord_test") { url in
            for (tokens, environment) in [
                (["--admin-token-file", files.path("admin"), "--enroll-token-file", files.path("enroll")], [String: String]()),
                ([], ["FLATTEN_ADMIN_TOKEN_FILE": files.path("admin"), "FLATTEN_ENROLL_TOKEN_FILE": files.path("enroll")]),
            ] {
                let coordinator = try await CoordinatorProcess.start(databaseURL: url, tokens: tokens, environment: environment)
                do {
                    let api = LiveAPI(baseURL: coordinator.baseURL)
                    let agent = "agent-\(UUID().uuidString.prefix(8))"
                    _ = try await api.register(agent)  // the enrollment token of the file

                    let flag = try await Self.flatctl(["agents", "--json", "--coordinator", coordinator.baseURL, "--token-file", files.path("admin")])
                    #expect(flag.status == 0, "\(flag)")
                    let list = try JSONDecoder.flattenProtocol.decode(AgentList.self, from: Data(flag.standardOutput.utf8))
                    #expect(list.agents.map(\.name).contains(agent))
                    #expect(flag.standardError.isEmpty, "loopback must stay quiet: \(flag)")

                    let variable = try await Self.flatctl(
                        ["agents", "--coordinator", coordinator.baseURL],
                        environment: ["FLATTEN_TOKEN_FILE": files.path("admin")])
                    #expect(variable.status == 0, "\(variable)")
                    #expect(variable.standardError.isEmpty, "\(variable)")

                    // The token of the file is the one checked: another one is refused.
                    let wrong = try await Self.flatctl(["agents", "--coordinator", coordinator.baseURL, "--token-file", files.path("enroll")])
                    #expect(wrong.status == 2, "\(wrong)")
                } catch {
                    Issue.record("coordinator log:\n\(coordinator.log.suffix(3000))")
                    await coordinator.stop()
                    throw error
                }
                await coordinator.stop()
            }
        }
    }

    @Test("an empty or missing token file stops the coordinator with a message naming the option and the file")
    func coordinatorBadFiles() async throws {
        let files = try Files(["empty": ""])
        defer { files.remove() }
        let absent = files.path("absent")
        let coordinator = try CoordinatorProcess.executableURL()
        let serve = ["serve", "--listen", "127.0.0.1:0", "--database-url", "postgresql://nobody@127.0.0.1:1/none"]
        let cases: [([String], [String: String], String)] = [
            (["--admin-token-file", absent], [:], "--admin-token-file \(absent): cannot read it (No such file or directory)"),
            (["--admin-token-file", files.path("empty")], [:], "--admin-token-file \(files.path("empty")): it is empty"),
            (["--admin-token", TestTokens.admin, "--enroll-token-file", files.path("empty")], [:], "--enroll-token-file \(files.path("empty")): it is empty"),
            ([], ["FLATTEN_ADMIN_TOKEN_FILE": absent], "FLATTEN_ADMIN_TOKEN_FILE \(absent): cannot read it (No such file or directory)"),
            ([], [:], "no admin token: pass --admin-token-file"),
        ]
        for (arguments, environment, expected) in cases {
            let run = try await ProgramRun.run(coordinator, serve + arguments, environment: environment, timeout: .seconds(30))
            #expect(run.status != 0 && run.status != 9, "\(arguments): \(run)")
            #expect(run.standardError.contains(expected), "\(arguments): \(run)")
            #expect(!run.standardOutput.contains("listening on"), "\(run)")
        }
    }

    @Test("flatctl: an empty or missing token file, or both --token and --token-file, is a usage error naming it")
    func flatctlBadFiles() async throws {
        let files = try Files(["empty": ""])
        defer { files.remove() }
        let absent = files.path("absent")
        // Nothing is sent: the token is read before any connection.
        let coordinator = ["agents", "--coordinator", "http://127.0.0.1:9"]
        let cases: [([String], [String: String], String)] = [
            (["--token-file", absent], [:], "flatctl: error: --token-file \(absent): cannot read it (No such file or directory)\n"),
            (["--token-file", files.path("empty")], [:], "flatctl: error: --token-file \(files.path("empty")): it is empty; write the token into it\n"),
            ([], ["FLATTEN_TOKEN_FILE": absent], "flatctl: error: FLATTEN_TOKEN_FILE \(absent): cannot read it (No such file or directory)\n"),
            (["--token", "t", "--token-file", absent], [:], "flatctl: error: --token and --token-file both give the operator token; pass only one\n"),
        ]
        for (arguments, environment, expected) in cases {
            let run = try await Self.flatctl(coordinator + arguments, environment: environment)
            #expect(run.status == 2, "\(arguments): \(run)")
            #expect(run.standardError == expected, "\(arguments): \(run)")
        }
    }

    @Test("flatten-agent: an empty or missing --enroll-token-file or --ca-file stops it with a message naming the option and the file")
    func agentBadFiles() async throws {
        let files = try Files(["empty": ""])
        defer { files.remove() }
        let absent = files.path("absent")
        let agent = try ProgramRun.executable("flatten-agent")
        let run = ["run", "--coordinator", "http://127.0.0.1:9", "--state-dir", files.path("state")]
        let cases: [([String], [String: String], String)] = [
            (["--enroll-token-file", absent], [:], "--enroll-token-file \(absent): cannot read it (No such file or directory)"),
            (["--enroll-token-file", files.path("empty")], [:], "--enroll-token-file \(files.path("empty")): it is empty"),
            ([], ["FLATTEN_ENROLL_TOKEN_FILE": files.path("empty")], "FLATTEN_ENROLL_TOKEN_FILE \(files.path("empty")): it is empty"),
            (["--ca-file", absent], [:], "--ca-file \(absent): cannot read it (No such file or directory)"),
            ([], ["FLATTEN_CA_FILE": files.path("empty")], "FLATTEN_CA_FILE \(files.path("empty")): it holds no PEM certificate"),
            (["--enroll-token", "t", "--enroll-token-file", absent], [:], "--enroll-token and --enroll-token-file both give the enrollment token"),
        ]
        for (arguments, environment, expected) in cases {
            let result = try await ProgramRun.run(agent, run + arguments, environment: environment, timeout: .seconds(30))
            #expect(result.status != 0 && result.status != 9, "\(arguments): \(result)")
            #expect(result.standardError.contains(expected), "\(arguments): \(result)")
        }
    }
}
