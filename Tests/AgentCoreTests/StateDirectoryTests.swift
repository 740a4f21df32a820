import FlattenProtocol
import Foundation
import Testing

@testable import AgentCore

@Suite("The agent's state directory")
struct StateDirectoryTests {
    static func scratch() -> String {
        NSTemporaryDirectory() + "agentcore-state-\(UUID().uuidString)"
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("the identity survives a reopen, in a 0600 file inside a 0700 directory")
    func identityPersists() throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let identity = AgentIdentity(
            agentId: UUID(), agentToken: "secret-token", name: "host-a",
            coordinatorURL: "http://127.0.0.1:8080", registeredAt: Date(timeIntervalSince1970: 1_700_000_000))
        do {
            let state = try StateDirectory(path: path)
            #expect(try state.loadIdentity() == nil)
            try state.saveIdentity(identity)
            #expect(try Self.mode(state.identityPath) == 0o600)
            #expect(try Self.mode(path) == 0o700)
        }
        let reopened = try StateDirectory(path: path)
        #expect(try reopened.loadIdentity() == identity)
    }

    @Test("a second agent on the same directory is refused while the first holds it")
    func lockIsExclusive() throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try StateDirectory(path: path)
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(path: path) }
        #expect(error?.description.contains("another flatten-agent") == true)
        withExtendedLifetime(first) {}
    }

    @Test("pending reports are stored, listed oldest first, and removed")
    func pendingReports() throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try StateDirectory(path: path)
        let image = try ImageReference("app:1")
        let older = PendingReport(
            jobId: UUID(), image: image,
            report: .fail(JobFailure(leaseToken: "l1", message: "boom", retryable: true)),
            lastProgress: JobProgress(phase: .merging, bytesDone: 5, bytesTotal: 10),
            finishedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let newer = PendingReport(
            jobId: UUID(), image: image,
            report: .complete(JobCompletion(leaseToken: "l2", outcome: .skipped(reason: "absent"))),
            lastProgress: JobProgress(phase: .inspecting),
            finishedAt: Date(timeIntervalSince1970: 1_700_000_100))
        try state.savePending(newer)
        try state.savePending(older)
        #expect(try Self.mode(state.pendingReportPath(for: older.jobId)) == 0o600)
        let loaded = state.loadPending()
        #expect(loaded.reports == [older, newer])
        #expect(loaded.problems.isEmpty)
        state.removePending(jobId: older.jobId)
        #expect(state.loadPending().reports == [newer])
    }

    @Test("an unreadable pending file is named as a problem and the others still load")
    func corruptPending() throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try StateDirectory(path: path)
        let good = PendingReport(
            jobId: UUID(), image: try ImageReference("app:1"),
            report: .fail(JobFailure(leaseToken: "l", message: "m", retryable: false)),
            lastProgress: JobProgress(phase: .saving), finishedAt: Date(timeIntervalSince1970: 1_700_000_000))
        try state.savePending(good)
        let broken = state.pendingPath + "/\(UUID().uuidString.lowercased()).json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: broken))
        let loaded = state.loadPending()
        #expect(loaded.reports == [good])
        #expect(loaded.problems.count == 1)
        #expect(loaded.problems.first?.path == broken)
    }

    @Test("a state path that is a file is refused with its name")
    func pathIsFile() throws {
        let path = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data().write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(path: path) }
        #expect(error?.description.contains("not a directory") == true)
    }
}
