import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// The coordinator serving HTTPS, and flatctl and the agent trusting its CA: the built
/// binaries, with a CA and certificates each test makes for itself.
@Suite("HTTPS coordinator", .serialized)
struct TLSProcessTests {
    static func flatctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProgramRun {
        try await ProgramRun.run(try ProgramRun.executable("flatctl"), arguments, environment: environment)
    }

    static func agents(_ url: String, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> ProgramRun {
        try await flatctl(["agents", "--json", "--coordinator", url, "--token", TestTokens.admin] + extra, environment: environment)
    }

    @Test("the coordinator serves HTTPS; flatctl trusts the CA of --ca-file or FLATTEN_CA_FILE and refuses the certificate without it")
    func servesHTTPS() async throws {
        let ca = try TestCertificateAuthority(name: "Fleet CA")
        defer { ca.remove() }
        let other = try TestCertificateAuthority(name: "Other CA", directory: ca.directory)
        let server = try ca.issueServerCertificate(name: "coordinator")
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(
                databaseURL: url, arguments: ["--tls-cert", server.certificatePath, "--tls-key", server.keyPath])
            do {
                let https = "https://localhost:\(coordinator.port)"
                let flag = try await Self.agents(https, ["--ca-file", ca.certificatePath])
                #expect(flag.status == 0, "\(flag)")
                #expect(try JSONDecoder.flattenProtocol.decode(AgentList.self, from: Data(flag.standardOutput.utf8)).agents.isEmpty)
                #expect(!flag.standardError.contains("warning"), "\(flag)")

                let variable = try await Self.agents(https, environment: ["FLATTEN_CA_FILE": ca.certificatePath])
                #expect(variable.status == 0, "\(variable)")

                // The certificate names 127.0.0.1 too.
                let byAddress = try await Self.agents("https://127.0.0.1:\(coordinator.port)", ["--ca-file", ca.certificatePath])
                #expect(byAddress.status == 0, "\(byAddress)")

                let untrusted = try await Self.agents(https)
                #expect(untrusted.status == 2, "\(untrusted)")
                #expect(untrusted.standardError.contains("TLS certificate is not trusted"), "\(untrusted)")
                #expect(untrusted.standardError.contains("--ca-file"), "\(untrusted)")

                let wrongCA = try await Self.agents(https, ["--ca-file", other.certificatePath])
                #expect(wrongCA.status == 2, "\(wrongCA)")
                #expect(wrongCA.standardError.contains("TLS certificate is not trusted"), "\(wrongCA)")

                // Plain HTTP to the HTTPS port gets no answer.
                let plain = try await Self.agents("http://127.0.0.1:\(coordinator.port)")
                #expect(plain.status == 2, "\(plain)")

                let absent = ca.directory.appendingPathComponent("absent.pem").path
                let missing = try await Self.agents(https, ["--ca-file", absent])
                #expect(missing.status == 2, "\(missing)")
                #expect(missing.standardError == "flatctl: error: --ca-file \(absent): cannot read it (No such file or directory)\n", "\(missing)")

                let missingVariable = try await Self.agents(https, environment: ["FLATTEN_CA_FILE": absent])
                #expect(missingVariable.standardError.contains("FLATTEN_CA_FILE \(absent): cannot read it"), "\(missingVariable)")

                let notPEM = try await Self.agents(https, ["--ca-file", server.keyPath])
                #expect(notPEM.status == 2, "\(notPEM)")
                #expect(notPEM.standardError.hasPrefix("flatctl: error: --ca-file \(server.keyPath): "), "\(notPEM)")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(3000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    /// Sends SIGHUP until the log holds `text` at least `count` times (a SIGHUP that comes
    /// before the reload service traps it is ignored, so one may not be enough).
    static func reload(_ coordinator: CoordinatorProcess, until text: String, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while coordinator.log.components(separatedBy: text).count - 1 < count {
            guard coordinator.process.isRunning, ContinuousClock.now < deadline else {
                throw ProcessTestError("no \(count)× \(String(reflecting: text)) in the coordinator's log after SIGHUP (running: \(coordinator.process.isRunning))")
            }
            kill(coordinator.process.processIdentifier, SIGHUP)
            let settle = ContinuousClock.now + .seconds(3)
            while coordinator.log.components(separatedBy: text).count - 1 < count, ContinuousClock.now < settle {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("SIGHUP after the files are replaced serves the new certificate to new connections; a bad reload keeps the old one")
    func reloadOnHangup() async throws {
        let first = try TestCertificateAuthority(name: "First CA")
        defer { first.remove() }
        let second = try TestCertificateAuthority(name: "Second CA", directory: first.directory)
        let old = try first.issueServerCertificate(name: "old")
        let new = try second.issueServerCertificate(name: "new")
        let stray = try second.issueServerCertificate(name: "stray")
        let certificate = first.directory.appendingPathComponent("served.pem").path
        let key = first.directory.appendingPathComponent("served.key").path
        func serve(_ issued: TestCertificateAuthority.Issued) throws {
            try? FileManager.default.removeItem(atPath: certificate)
            try? FileManager.default.removeItem(atPath: key)
            try FileManager.default.copyItem(atPath: issued.certificatePath, toPath: certificate)
            try FileManager.default.copyItem(atPath: issued.keyPath, toPath: key)
        }
        try serve(old)
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(
                databaseURL: url, arguments: ["--tls-cert", certificate, "--tls-key", key])
            do {
                let https = "https://localhost:\(coordinator.port)"
                #expect(try await Self.agents(https, ["--ca-file", first.certificatePath]).status == 0)
                #expect(try await Self.agents(https, ["--ca-file", second.certificatePath]).status == 2)

                try serve(new)
                try await Self.reload(coordinator, until: "TLS certificate reloaded", count: 1)
                let renewed = try await Self.agents(https, ["--ca-file", second.certificatePath])
                #expect(renewed.status == 0, "\(renewed)\n\(coordinator.log.suffix(2000))")
                let stale = try await Self.agents(https, ["--ca-file", first.certificatePath])
                #expect(stale.status == 2, "\(stale)")

                // A key that belongs to another certificate: refused, the current identity stays.
                try FileManager.default.removeItem(atPath: key)
                try FileManager.default.copyItem(atPath: stray.keyPath, toPath: key)
                try await Self.reload(coordinator, until: "TLS certificate reload failed", count: 1)
                #expect(coordinator.log.contains("--tls-key \(key) does not belong to the certificate in --tls-cert \(certificate)"), "\(coordinator.log.suffix(2000))")
                #expect(try await Self.agents(https, ["--ca-file", second.certificatePath]).status == 0)

                // A certificate file gone missing mid-renewal: refused the same way.
                try FileManager.default.removeItem(atPath: certificate)
                try await Self.reload(coordinator, until: "TLS certificate reload failed", count: 2)
                #expect(coordinator.log.contains("--tls-cert \(certificate): cannot read it (No such file or directory)"), "\(coordinator.log.suffix(2000))")
                let kept = try await Self.agents(https, ["--ca-file", second.certificatePath])
                #expect(kept.status == 0, "\(kept)")
                #expect(coordinator.process.isRunning)

                // The reload service does not hold up a graceful stop.
                coordinator.terminate()
                #expect(try await coordinator.waitForExit(timeout: .seconds(20)) == 0, "\(coordinator.log.suffix(2000))")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(3000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }

    @Test("bad certificate or key files at start stop the coordinator with one line naming the file")
    func badFilesAtStart() async throws {
        let ca = try TestCertificateAuthority(name: "Start CA")
        defer { ca.remove() }
        let server = try ca.issueServerCertificate(name: "server")
        let other = try ca.issueServerCertificate(name: "other")
        let absent = ca.directory.appendingPathComponent("absent.pem").path
        let garbage = ca.directory.appendingPathComponent("garbage.pem").path
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let coordinator = try CoordinatorProcess.executableURL()
        // TLS files are read before the database is opened: no database is needed.
        func serve(_ arguments: [String]) async throws -> ProgramRun {
            try await ProgramRun.run(coordinator, [
                "serve", "--listen", "127.0.0.1:0", "--database-url", "postgresql://nobody@127.0.0.1:1/none",
                "--admin-token", TestTokens.admin,
            ] + arguments, timeout: .seconds(30))
        }
        let cases: [([String], String)] = [
            (["--tls-cert", absent, "--tls-key", server.keyPath], "--tls-cert \(absent): cannot read it (No such file or directory)"),
            (["--tls-cert", server.certificatePath, "--tls-key", absent], "--tls-key \(absent): cannot read it (No such file or directory)"),
            (["--tls-cert", garbage, "--tls-key", server.keyPath], "--tls-cert \(garbage): "),
            (["--tls-cert", server.certificatePath, "--tls-key", garbage], "--tls-key \(garbage): not an unencrypted PEM private key"),
            (["--tls-cert", server.certificatePath, "--tls-key", other.keyPath],
             "--tls-key \(other.keyPath) does not belong to the certificate in --tls-cert \(server.certificatePath)"),
            (["--tls-cert", server.certificatePath], "--tls-cert needs --tls-key"),
        ]
        for (arguments, expected) in cases {
            let run = try await serve(arguments)
            #expect(run.status != 0 && run.status != 9, "\(arguments): \(run)")
            let lines = run.standardError.split(separator: "\n").filter { $0.contains(expected) }
            #expect(lines.count == 1, "\(arguments): \(run)")
            #expect(!run.standardOutput.contains("listening on"), "\(run)")
        }
    }

    @Test("the agent registers with an HTTPS coordinator whose CA FLATTEN_CA_FILE names, with its token from --enroll-token-file")
    func agentOverHTTPS() async throws {
        let ca = try TestCertificateAuthority(name: "Agent CA")
        defer { ca.remove() }
        let server = try ca.issueServerCertificate(name: "coordinator")
        let tokenFile = ca.directory.appendingPathComponent("enroll-token").path
        try Data((TestTokens.enrollment + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        let state = ca.directory.appendingPathComponent("state").path
        let engine = try TestEnvironment.require(TestEnvironment.dockerHostVariable)
        let name = "tls-agent-\(UUID().uuidString.prefix(8).lowercased())"
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(
                databaseURL: url, arguments: ["--tls-cert", server.certificatePath, "--tls-key", server.keyPath])
            let https = "https://localhost:\(coordinator.port)"
            let agent: AgentProcess
            do {
                agent = try AgentProcess.start(
                    ["--coordinator", https, "--enroll-token-file", tokenFile, "--state-dir", state,
                     "--docker-host", engine, "--name", name],
                    environment: ["FLATTEN_CA_FILE": ca.certificatePath])
            } catch {
                await coordinator.stop()
                throw error
            }
            do {
                #expect(try await agent.waitForLog("registered"), "\(agent.log)")
                let list = try await Self.agents(https, ["--ca-file", ca.certificatePath])
                #expect(list.status == 0, "\(list)")
                let agents = try JSONDecoder.flattenProtocol.decode(AgentList.self, from: Data(list.standardOutput.utf8)).agents
                #expect(agents.map(\.name) == [name])
                #expect(!agent.log.contains("clear text"), "\(agent.log)")
            } catch {
                Issue.record("agent log:\n\(agent.log.suffix(3000))\ncoordinator log:\n\(coordinator.log.suffix(3000))")
                await agent.stop()
                await coordinator.stop()
                throw error
            }
            await agent.stop()
            await coordinator.stop()
        }
    }

    @Test("the agent does not register with an HTTPS coordinator whose CA it was not given, and says why")
    func agentUntrusted() async throws {
        let ca = try TestCertificateAuthority(name: "Unknown CA")
        defer { ca.remove() }
        let server = try ca.issueServerCertificate(name: "coordinator")
        let state = ca.directory.appendingPathComponent("state").path
        let engine = try TestEnvironment.require(TestEnvironment.dockerHostVariable)
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(
                databaseURL: url, arguments: ["--tls-cert", server.certificatePath, "--tls-key", server.keyPath])
            let agent: AgentProcess
            do {
                agent = try AgentProcess.start([
                    "--coordinator", "https://localhost:\(coordinator.port)", "--enroll-token", TestTokens.enrollment,
                    "--state-dir", state, "--docker-host", engine,
                ])
            } catch {
                await coordinator.stop()
                throw error
            }
            do {
                #expect(try await agent.waitForLog("TLS certificate is not trusted"), "\(agent.log)")
                #expect(agent.log.contains("--ca-file"), "\(agent.log)")
                #expect(!FileManager.default.fileExists(atPath: state + "/identity.json"))
            } catch {
                await agent.stop()
                await coordinator.stop()
                throw error
            }
            await agent.stop()
            await coordinator.stop()
        }
    }
}
