import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension StateDirectory {
    /// Keeps other users out of an existing state directory: it holds the agent's token and
    /// lease tokens. A directory open to group or others (0755, 0777, …) that belongs to the
    /// agent's user is restricted to 0700 with a notice; one that belongs to another user is
    /// refused, since that user could read or replace the agent's identity whatever its mode.
    ///
    /// - Throws: ``StateDirectoryError`` naming the directory, its mode and its owner.
    static func restrictPermissions(_ path: String, logger: Logger) throws(StateDirectoryError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw StateDirectoryError(path: path, reason: "cannot inspect it: \(String(cString: strerror(errno)))")
        }
        let mode = status.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return }
        let shown = "0" + String(mode, radix: 8)
        let user = geteuid()
        guard status.st_uid == user else {
            throw StateDirectoryError(
                path: path,
                reason: "it is open to other users (mode \(shown)) and belongs to uid \(status.st_uid), not to the agent's user (uid \(user)); chown it to the agent's user and chmod 0700, or choose another --state-dir")
        }
        guard chmod(path, 0o700) == 0 else {
            throw StateDirectoryError(
                path: path,
                reason: "it is open to other users (mode \(shown)) and cannot be restricted to 0700: \(String(cString: strerror(errno)))")
        }
        logger.notice("the state directory was open to other users; restricted it to mode 0700", metadata: [
            "path": "\(path)", "previousMode": "\(shown)",
        ])
    }
}
