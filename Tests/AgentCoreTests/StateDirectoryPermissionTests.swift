import Foundation
import Testing

@testable import AgentCore

@Suite("The state directory's permissions")
struct StateDirectoryPermissionTests {
    @Test("an existing directory open to everyone (0777) is restricted to 0700, with a notice naming it", arguments: [0o777, 0o755, 0o750])
    func loosened(mode: Int) throws {
        let path = StateDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(chmod(path, mode_t(mode)) == 0)
        #expect(try StateDirectoryTests.mode(path) == mode)

        let log = AgentLog()
        let state = try StateDirectory(path: path, logger: log.logger())
        #expect(try StateDirectoryTests.mode(path) == 0o700)
        let notices = log.entries.filter { $0.level == .notice }
        #expect(notices.count == 1, "\(log.entries)")
        #expect(notices.first?.description.contains("restricted it to mode 0700") == true)
        #expect(notices.first?.description.contains(path) == true)
        #expect(notices.first?.description.contains("0" + String(mode, radix: 8)) == true)
        withExtendedLifetime(state) {}
    }

    @Test("a directory already 0700 is left alone, without a notice")
    func alreadyPrivate() throws {
        let path = StateDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try StateDirectory(path: path)
        let log = AgentLog()
        _ = try StateDirectory(path: path, logger: log.logger())
        #expect(try StateDirectoryTests.mode(path) == 0o700)
        #expect(log.entries.isEmpty, "\(log.entries)")
    }

    @Test("a directory open to others that belongs to another user is refused, its mode untouched")
    func othersDirectory() throws {
        let path: String
        let owner: uid_t
        if geteuid() == 0 {
            // Root can give a scratch directory away.
            path = StateDirectoryTests.scratch()
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            owner = 4_000_123
            #expect(chown(path, owner, 4_000_123) == 0)
            #expect(chmod(path, 0o777) == 0)
        } else {
            // Anyone else finds one: the temporary directory is root's and open to all.
            path = "/tmp"
            owner = 0
        }
        defer { if path != "/tmp" { try? FileManager.default.removeItem(atPath: path) } }
        let modeBefore = try StateDirectoryTests.mode(path)
        let error = #expect(throws: StateDirectoryError.self) { try StateDirectory(path: path) }
        #expect(error?.path == path)
        #expect(error?.description.contains("belongs to uid \(owner), not to the agent's user (uid \(geteuid()))") == true, "\(String(describing: error))")
        #expect(try StateDirectoryTests.mode(path) == modeBefore)
    }
}
