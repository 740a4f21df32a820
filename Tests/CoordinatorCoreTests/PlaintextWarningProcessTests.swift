import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// The warning flatctl and the agent print before a token goes over plain http:// to another
/// host, and its silence on loopback: the built binaries.
@Suite("Clear-text token warning", .serialized)
struct PlaintextWarningProcessTests {
    /// TEST-NET-1 (RFC 5737): never a real host, so nothing is ever delivered there.
    static let remote = "http://192.0.2.1:9"

    @Test("flatctl warns on standard error before sending a token over http:// to a non-loopback host")
    func flatctlWarns() async throws {
        let run = try await ProgramRun.run(
            try ProgramRun.executable("flatctl"), ["agents", "--coordinator", Self.remote, "--token", "t"])
        #expect(run.status == 2, "\(run)")  // nothing answers there
        let lines = run.standardError.split(separator: "\n")
        #expect(lines.first == "flatctl: warning: tokens are sent in clear text over http:// to 192.0.2.1, where anyone on the network path can read them; use an https:// coordinator URL (--ca-file to trust a private CA)", "\(run)")
        #expect(lines.dropFirst().first?.hasPrefix("flatctl: error: cannot reach the coordinator at \(Self.remote)") == true, "\(run)")
    }

    @Test("the agent warns at start for a non-loopback http:// coordinator and stays quiet for loopback")
    func agentWarns() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("flatten-agent-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        // No engine at this socket: the agent waits for it, after the warning, before any call.
        let engine = "unix://" + state.appendingPathComponent("absent.sock").path
        for (url, warns) in [(Self.remote, true), ("http://127.0.0.1:9", false), ("http://localhost:9", false)] {
            let agent = try AgentProcess.start([
                "--coordinator", url, "--enroll-token", "t", "--state-dir", state.path, "--docker-host", engine,
            ])
            do {
                #expect(try await agent.waitForLog("engine unreachable; retrying"), "\(agent.log)")
                #expect(agent.log.contains("tokens are sent in clear text over http://") == warns, "\(url): \(agent.log)")
                if warns {
                    let line = agent.log.split(separator: "\n").first { $0.contains("tokens are sent in clear text") } ?? ""
                    #expect(line.contains("warning"), "logged as a warning: \(line)")
                    #expect(line.contains("to 192.0.2.1,"), "\(line)")
                }
            } catch {
                await agent.stop()
                throw error
            }
            await agent.stop()
        }
    }
}
