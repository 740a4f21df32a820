import Foundation

/// A process as `/proc/PID/stat` shows it: enough to find chromedriver's descendants (the
/// Chromium it starts) and to tell later whether that very process still runs.
///
/// The start time goes with the PID because a PID alone may be reused by an unrelated process
/// once the original is gone.
public struct ChromeDriverProcess: Sendable, Hashable, CustomStringConvertible {
    public let pid: Int32
    public let parentPID: Int32
    /// The kernel's short name (`comm`): `chromedriver`, `chromium`, …
    public let name: String
    /// Clock ticks after boot when it started.
    public let startTime: UInt64
    /// `R`, `S`, … or `Z` for a zombie: dead, only not yet reaped by its parent.
    let state: Character

    public var description: String { "\(name)[\(pid)]" }

    /// Whether this process (same PID, same start time) still exists and is no zombie. A zombie
    /// counts as gone: it runs nothing, and an orphan's zombie waits on a PID 1 that may never reap.
    public var isRunning: Bool {
        guard let now = Self.read(pid: pid) else { return false }
        return now.startTime == startTime && now.state != "Z"
    }

    /// `root` and every process below it, `root` first.
    static func tree(root: Int32) -> [ChromeDriverProcess] {
        let all = allProcesses()
        let children = Dictionary(grouping: all, by: \.parentPID)
        guard let top = all.first(where: { $0.pid == root }) else { return [] }
        var found = [top]
        var index = 0
        while index < found.count {
            found += children[found[index].pid] ?? []
            index += 1
        }
        return found
    }

    static func allProcesses() -> [ChromeDriverProcess] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.compactMap { read(pid: $0) }
    }

    /// Parses `/proc/PID/stat`: `pid (comm) state ppid …`, where `comm` may itself hold spaces and
    /// parentheses, so the fields are counted from the last `)`.
    static func read(pid: Int32) -> ChromeDriverProcess? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 of proc(5) (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
        guard fields.count > 19, let state = fields[0].first, let parent = Int32(fields[1]),
              let start = UInt64(fields[19])
        else { return nil }
        let name = String(stat[stat.index(after: open)..<close])
        return ChromeDriverProcess(pid: pid, parentPID: parent, name: name, startTime: start, state: state)
    }
}
