// The temporary directory every generated archive goes in: removed at the end, after a failure,
// and on SIGINT/SIGTERM (which also stop the running child).

import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class Workspace: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var removed = false
    private var child: pid_t = 0
    private var interrupted = false
    private var signalSources: [DispatchSourceSignal] = []

    init(parent: String) throws {
        var template = Array((parent + "/merge-benchmark.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw GeneratorError(description: "cannot create a temporary directory in \(parent): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.withLock {
                    interrupted = true
                    if child > 0 { kill(child, SIGTERM) }
                }
                usleep(200_000)
                remove()
                FileHandle.standardError.write(Data("merge-benchmark: interrupted; removed \(path)\n".utf8))
                exit(130)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// The child process running now (0: none), stopped on an interrupt.
    func setChild(_ pid: pid_t) {
        lock.withLock {
            child = pid
            if interrupted, pid > 0 { kill(pid, SIGTERM) }
        }
    }

    /// After an interrupt, waits for the signal handler to clean up and exit: no new child, no
    /// report of the one it stopped.
    func stopIfInterrupted() {
        guard lock.withLock({ interrupted }) else { return }
        while true { pause() }
    }

    func remove() {
        let first = lock.withLock { () -> Bool in
            defer { removed = true }
            return !removed
        }
        if first { try? FileManager.default.removeItem(atPath: path) }
    }

    func file(_ name: String) -> String { path + "/" + name }
}
