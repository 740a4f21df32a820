import AsyncHTTPClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with a WebDriver client of a `chromedriver` started for it, and stops both
/// however `body` ends (returns, throws or is cancelled): the HTTP client is shut down,
/// chromedriver and every Chromium process it left are terminated, and the temporary
/// directory (log and browser profiles) is removed.
///
/// ```swift
/// try await withChromeDriver { driver in
///     try await driver.withSession { session in
///         try await session.navigate(to: "http://127.0.0.1:8080/")
///     }
/// }
/// ```
///
/// - Throws: ``WebDriverError`` when `chromedriver` or `chromium` is not installed or
///   chromedriver does not become ready (naming its log), and whatever `body` throws.
public func withChromeDriver<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WebDriver) async throws -> T
) async throws -> T {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    let chromeDriver: ChromeDriver
    do {
        chromeDriver = try await ChromeDriver.start(http: http)
    } catch {
        await uncancelled { try? await http.shutdown() }
        throw error
    }
    let driver = WebDriver(chromeDriver: chromeDriver, http: http)
    let result: Result<T, any Error>
    do {
        result = .success(try await body(driver))
    } catch {
        result = .failure(error)
    }
    await uncancelled {
        try? await http.shutdown()
        await chromeDriver.stop()
    }
    return try result.get()
}

/// A `chromedriver` child process on a free loopback port, with its log and the browser
/// profiles in a temporary directory of its own.
///
/// Foundation's `Process` starts the child as the leader of a new process group, and Chromium's
/// processes stay in that group: stopping signals the whole group, and also every process found
/// below chromedriver in `/proc`, so that no browser outlives a test.
// @unchecked: `Process` is not marked Sendable; after launch only its thread-safe queries
// (isRunning, terminationStatus, processIdentifier) are used.
public final class ChromeDriver: @unchecked Sendable {
    /// How long chromedriver may take to answer `GET /status` with `ready`.
    static let readyTimeout: Duration = .seconds(30)
    /// How long the processes get to end after SIGTERM before SIGKILL.
    static let terminationGrace: Duration = .seconds(5)

    /// `http://127.0.0.1:PORT`, the base of every WebDriver command.
    public let baseURL: String
    /// chromedriver's standard output and error.
    public let logPath: String
    /// The `chromium` that sessions run (found on PATH).
    public let chromiumPath: String
    /// Holds the log and one browser profile per session; removed by ``stop()``.
    let directory: URL
    private let process: Process

    private init(baseURL: String, logPath: String, chromiumPath: String, directory: URL, process: Process) {
        self.baseURL = baseURL
        self.logPath = logPath
        self.chromiumPath = chromiumPath
        self.directory = directory
        self.process = process
    }

    /// chromedriver's PID.
    public var processID: Int32 { process.processIdentifier }

    /// chromedriver and every process below it now: Chromium's browser, zygote, renderer and
    /// GPU processes while a session is open.
    public func processes() -> [ChromeDriverProcess] {
        ChromeDriverProcess.tree(root: processID)
    }

    /// Starts chromedriver and waits until it is ready for sessions. A port taken between
    /// choosing and binding it makes chromedriver exit; it is retried on another port.
    static func start(http: HTTPClient) async throws -> ChromeDriver {
        guard let binary = findOnPath("chromedriver") else {
            throw WebDriverError.missingProgram("chromedriver", package: "chromium-driver")
        }
        guard let chromium = findOnPath("chromium") else {
            throw WebDriverError.missingProgram("chromium", package: "chromium")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ff-chromedriver-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("chromedriver.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)

        var attempt = 1
        while true {
            let port: Int
            do {
                port = try freeLoopbackPort()
            } catch {
                throw WebDriverError.driverNotReady("found no free loopback port: \(error)", logPath: log.path, logTail: tail(of: log))
            }
            let process = Process()
            // A child inherits the signal mask of the thread that spawns it, and the threads of
            // Swift's concurrency pool block SIGTERM: started directly, chromedriver would ignore
            // a polite stop. GNU env's --default-signal unblocks and resets every signal, then
            // execs chromedriver under the same PID.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["--default-signal", binary, "--port=\(port)"]
            let output = try FileHandle(forWritingTo: log)
            output.seekToEndOfFile()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
                try? output.close()
            } catch {
                try? output.close()
                throw WebDriverError.driverNotReady(
                    "(\(binary)) could not be started: \(error)", logPath: log.path, logTail: tail(of: log))
            }
            let driver = ChromeDriver(
                baseURL: "http://127.0.0.1:\(port)", logPath: log.path, chromiumPath: chromium,
                directory: directory, process: process)
            // On failure the directory stays: it holds the log the error names.
            switch await driver.waitUntilReady(http: http) {
            case .ready:
                return driver
            case .exited where attempt < 3:
                attempt += 1
            case .exited(let status):
                throw WebDriverError.driverNotReady(
                    "(\(binary) --port=\(port)) exited with status \(status) before it was ready",
                    logPath: log.path, logTail: tail(of: log))
            case .timedOut:
                await uncancelled { await driver.terminate() }
                try Task.checkCancellation()
                throw WebDriverError.driverNotReady(
                    "(\(binary) --port=\(port)) did not answer GET /status with ready within \(readyTimeout)",
                    logPath: log.path, logTail: tail(of: log))
            }
        }
    }

    private enum Readiness { case ready, exited(Int32), timedOut }

    private func waitUntilReady(http: HTTPClient) async -> Readiness {
        let deadline = ContinuousClock.now + Self.readyTimeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return .exited(process.terminationStatus) }
            if await isReady(http: http) { return .ready }
            try? await Task.sleep(for: .milliseconds(100))
            if Task.isCancelled { break }
        }
        return .timedOut
    }

    private func isReady(http: HTTPClient) async -> Bool {
        guard let response = try? await http.execute(HTTPClientRequest(url: baseURL + "/status"), timeout: .milliseconds(500)),
              let body = try? await response.body.collect(upTo: 1 << 20),
              let reply = try? JSONDecoder().decode(WebDriverJSON.self, from: Data(body.readableBytesView))
        else { return false }
        return reply["value"]?["ready"]?.boolValue == true
    }

    /// Terminates chromedriver and every Chromium process, then removes the temporary directory.
    func stop() async {
        await terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM to the process group and to each process found below chromedriver, SIGKILL to
    /// what is left after the grace. The tree is read before any signal: once chromedriver
    /// dies, its orphans are no longer found below it.
    private func terminate() async {
        let group = getpgid(processID) == processID ? processID : nil
        var remaining = processes()
        for signal in [SIGTERM, SIGKILL] {
            if let group { kill(-group, signal) }
            for process in remaining where process.isRunning { kill(process.pid, signal) }
            let deadline = ContinuousClock.now + Self.terminationGrace
            while true {
                remaining = remaining.filter(\.isRunning)
                if remaining.isEmpty || ContinuousClock.now >= deadline { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            if remaining.isEmpty { return }
        }
    }

    /// The full path of `name` in a folder of PATH, if it is executable there.
    static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A loopback port nobody listens on now: the kernel's choice for a socket bound to port 0.
    static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXErrorText("socket", errno) }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socketFD, raw, length) == 0 ? getsockname(socketFD, raw, &length) : -1
            }
        }
        guard result == 0 else { throw POSIXErrorText("bind", errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func tail(of log: URL) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.isEmpty ? "(the log is empty)" : String(text.suffix(3000))
    }
}

/// An errno as words, for the few system calls made here.
struct POSIXErrorText: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    init(_ call: String, _ code: Int32) {
        self.call = call
        self.code = code
    }
    var description: String { "\(call)(): \(String(cString: strerror(code)))" }
}

/// Runs `work` in a task of its own, so that the caller's cancellation cannot cut a cleanup
/// short (a cancelled task's requests and sleeps end at once).
func uncancelled(_ work: @escaping @Sendable () async -> Void) async {
    await Task { await work() }.value
}
