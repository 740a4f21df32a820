import FlattenProtocol
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The agent's state directory: its identity (`identity.json`), the reports not yet delivered
/// (`pending/<job id>.json`), a lock that keeps a second agent off the same directory, and
/// (by default) the flatten work directory (`work/`).
///
/// Files holding secrets are mode 0600 and the directory 0700 (an existing one open to other
/// users is restricted to 0700, or refused when it belongs to another user). Every file is written to a
/// temporary name, flushed to disk and renamed, so a crash leaves the old or the new content,
/// never half of it.
public final class StateDirectory: Sendable {
    /// The directory.
    public let path: String
    /// The open lock file; held (flock) for the life of this value.
    private let lockDescriptor: Int32

    /// `<path>/identity.json`
    public var identityPath: String { path + "/identity.json" }
    /// `<path>/pending`
    public var pendingPath: String { path + "/pending" }
    /// `<path>/work`, the default work directory for flattens.
    public var defaultWorkPath: String { path + "/work" }

    /// Creates the directory (mode 0700) if needed, restricts an existing one open to other
    /// users to 0700 (noted in `logger`), and takes its lock.
    ///
    /// - Throws: ``StateDirectoryError`` when it cannot be created, belongs to another user
    ///   while open to others, or another agent holds it.
    public init(
        path: String,
        logger: Logger = Logger(label: "flatten-agent", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(StateDirectoryError) {
        let path = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        self.path = path
        try Self.makeDirectory(path)
        try Self.restrictPermissions(path, logger: logger)
        try Self.makeDirectory(path + "/pending")
        let lockPath = path + "/lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateDirectoryError(path: lockPath, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw StateDirectoryError(
                path: path,
                reason: "another flatten-agent is using it\(holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? ""); give each agent its own --state-dir")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        lockDescriptor = descriptor
    }

    deinit {
        // Unlock before closing: a child process spawned meanwhile shares the lock's open file
        // description until it execs (O_CLOEXEC takes effect only then), and closing our
        // descriptor alone would leave the directory locked for that moment.
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    private static func makeDirectory(_ path: String) throws(StateDirectoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StateDirectoryError(path: path, reason: "it exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateDirectoryError(path: path, reason: "cannot create it: \(error.localizedDescription)")
        }
    }

    // MARK: Identity

    /// The stored identity, or nil when the agent has not registered yet.
    public func loadIdentity() throws(StateDirectoryError) -> AgentIdentity? {
        guard FileManager.default.fileExists(atPath: identityPath) else { return nil }
        return try decodeFile(AgentIdentity.self, at: identityPath)
    }

    /// Stores the identity (mode 0600).
    public func saveIdentity(_ identity: AgentIdentity) throws(StateDirectoryError) {
        try store(identity, to: identityPath)
    }

    // MARK: Pending reports

    /// The path of the pending report of `jobId`.
    public func pendingReportPath(for jobId: UUID) -> String {
        pendingPath + "/" + jobId.uuidString.lowercased() + ".json"
    }

    /// Stores a report before it is delivered (mode 0600: it holds a lease token).
    public func savePending(_ report: PendingReport) throws(StateDirectoryError) {
        try store(report, to: pendingReportPath(for: report.jobId))
    }

    /// Forgets a report the coordinator acknowledged (or will never take).
    public func removePending(jobId: UUID) {
        try? FileManager.default.removeItem(atPath: pendingReportPath(for: jobId))
    }

    /// Every stored report, oldest first. Unreadable files are skipped and named in `problems`.
    public func loadPending() -> (reports: [PendingReport], problems: [StateDirectoryError]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pendingPath)) ?? []
        var reports: [PendingReport] = []
        var problems: [StateDirectoryError] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            do {
                reports.append(try decodeFile(PendingReport.self, at: pendingPath + "/" + name))
            } catch {
                problems.append(error)
            }
        }
        return (reports.sorted { $0.finishedAt < $1.finishedAt }, problems)
    }

    // MARK: Files

    private func decodeFile<Value: Decodable>(_ type: Value.Type, at path: String) throws(StateDirectoryError) -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StateDirectoryError(path: path, reason: "cannot read it: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder.flattenProtocol.decode(Value.self, from: data)
        } catch {
            throw StateDirectoryError(path: path, reason: "it is not a valid \(Value.self) (\(error)); move it away to start afresh")
        }
    }

    private func store<Value: Encodable>(_ value: Value, to path: String) throws(StateDirectoryError) {
        let data: Data
        do {
            let encoder = JSONEncoder.flattenProtocol
            encoder.outputFormatting.insert(.prettyPrinted)
            data = try encoder.encode(value)
        } catch {
            throw StateDirectoryError(path: path, reason: "cannot encode \(Value.self): \(error)")
        }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateDirectoryError(path: temporary, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        let failure = written ? nil : String(cString: strerror(errno))
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written, synced else {
            unlink(temporary)
            throw StateDirectoryError(path: path, reason: "cannot write it: \(failure ?? String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StateDirectoryError(path: path, reason: "cannot replace it: \(reason)")
        }
        // The rename is durable only once the directory entry is.
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
