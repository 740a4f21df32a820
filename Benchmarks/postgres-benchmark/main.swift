// postgres-benchmark: parameterized queries per second through PostgresClient's pool, next to
// pgbench's select-only run against the same server in the same run.
//
// Run (release build; the first build takes several minutes):
//
//     eval "$(scripts/services env)"          # or set DATABASE_URL
//     swift build -c release --product postgres-benchmark
//     .build/release/postgres-benchmark [--seconds 10] [--url postgresql://…] [--pgbench PATH]
//
// It creates a scratch database next to the one in the URL (FLATTEN_TEST_DATABASE_URL, else
// DATABASE_URL), fills it with `pgbench -i -s 1` (100 000 accounts), then for 2 and 16
// concurrent callers runs, for the same duration each:
//   - ours:    `SELECT abalance FROM pgbench_accounts WHERE aid = $1` with a random aid, through
//              a pool of as many connections as callers (extended protocol, PQexecParams);
//   - pgbench: `pgbench -S -c N -j N -T D`, the same statement, in simple protocol (its
//              default) and in extended protocol (`-M extended`, what we use).
// It prints queries/s for each and our ratio to pgbench, and drops the scratch database.
// pgbench defaults to /usr/lib/postgresql/15/bin/pgbench (or $PGBENCH).

import Foundation
import PostgresClient

struct Options {
    var seconds = 10
    var url = ProcessInfo.processInfo.environment["FLATTEN_TEST_DATABASE_URL"] ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
    var pgbench = ProcessInfo.processInfo.environment["PGBENCH"] ?? "/usr/lib/postgresql/15/bin/pgbench"

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw Failure("\(flag) needs a value") }
            switch flag {
            case "--seconds":
                guard let seconds = Int(value), seconds > 0 else { throw Failure("--seconds needs a positive integer, got \(value)") }
                self.seconds = seconds
            case "--url": url = value
            case "--pgbench": pgbench = value
            default: throw Failure("unknown option \(flag) (options: --seconds N, --url URL, --pgbench PATH)")
            }
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The URL with its database replaced (URL or key/value connection string).
func connectionString(_ url: String, database: String) throws -> String {
    if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
        guard var components = URLComponents(string: url) else { throw Failure("cannot parse URL \(url)") }
        components.path = "/" + database
        return components.string!
    }
    return url + " dbname=\(database)"
}

/// Runs pgbench; returns its tps (excluding connection time).
func runPgbench(_ path: String, _ arguments: [String]) throws -> Double {
    let (status, text) = try run(path, arguments)
    guard status == 0 else { throw Failure("pgbench \(arguments.joined(separator: " ")) failed:\n\(text)") }
    for line in text.split(separator: "\n") where line.hasPrefix("tps = ") {
        let number = line.dropFirst("tps = ".count).prefix { $0.isNumber || $0 == "." }
        if let tps = Double(number) { return tps }
    }
    throw Failure("no tps in pgbench's output:\n\(text)")
}

/// Runs a program (posix_spawn + waitpid; Foundation's Process was seen to miss exits) and
/// returns its status and its standard output and error together.
func run(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { throw Failure("pipe failed: errno \(errno)") }
    for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, descriptors[1], 1)
    posix_spawn_file_actions_adddup2(&actions, descriptors[1], 2)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    // The child must not inherit this process's blocked signals (dispatch's threads block
    // them): pgbench -T ends on SIGALRM, for one.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    close(descriptors[1])
    guard spawned == 0 else {
        close(descriptors[0])
        throw Failure("could not run \(path): errno \(spawned)")
    }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(descriptors[0], &buffer, buffer.count)
        if count > 0 { output.append(contentsOf: buffer[0..<count]) } else if count == 0 || errno != EINTR { break }
    }
    close(descriptors[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: output, as: UTF8.self))
}

/// Primary-key lookups from `callers` concurrent tasks through a pool of `callers`
/// connections for `seconds`; returns queries per second.
func runOurs(url: String, callers: Int, seconds: Int) async throws -> Double {
    let client = try PostgresClient(configuration: PostgresConfiguration(
        connectionString: url, applicationName: "postgres-benchmark", maxConnections: callers
    ))
    do {
        let queriesPerSecond = try await measure(client, callers: callers, seconds: seconds)
        await client.close()
        return queriesPerSecond
    } catch {
        await client.close()
        throw error
    }
}

func measure(_ client: PostgresClient, callers: Int, seconds: Int) async throws -> Double {
    // Warm up: open every connection.
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<callers { group.addTask { _ = try await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(1)") } }
        try await group.waitForAll()
    }
    let start = ContinuousClock.now
    let deadline = start + .seconds(seconds)
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<callers {
            group.addTask {
                var count = 0
                var checksum = 0
                while ContinuousClock.now < deadline {
                    let aid = Int.random(in: 1...100_000)
                    let rows = try await client.query("SELECT abalance FROM pgbench_accounts WHERE aid = \(aid)")
                    checksum &+= try rows[0].decode(Int.self, column: "abalance")
                    count += 1
                }
                return count + (checksum == .min ? 1 : 0)  // keeps the decode from being optimized away
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - start
    return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Prints a line unbuffered, so progress shows at once through a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// One table row: the first cell left-aligned, the others right-aligned.
func row(_ cells: [String]) -> String {
    let widths = [8, 10, 16, 23, 12, 10]
    return zip(cells, widths).enumerated().map { index, pair in
        let padding = String(repeating: " ", count: max(0, pair.1 - pair.0.count))
        return index == 0 ? pair.0 + padding : padding + pair.0
    }.joined(separator: "  ")
}

func main() async throws {
    let options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
    guard let url = options.url else {
        throw Failure("no database: set FLATTEN_TEST_DATABASE_URL (`eval \"$(scripts/services env)\"`) or DATABASE_URL, or pass --url")
    }
    let scratch = "pgbench_scratch_\(ProcessInfo.processInfo.processIdentifier)"
    let admin = try PostgresClient(configuration: PostgresConfiguration(connectionString: url, maxConnections: 1))
    try await admin.query("DROP DATABASE IF EXISTS \(identifier: scratch)")
    try await admin.query("CREATE DATABASE \(identifier: scratch)")
    let scratchURL = try connectionString(url, database: scratch)
    do {
        say("filling \(scratch) with pgbench -i -s 1 …")
        let (status, output) = try run(options.pgbench, ["-i", "-q", "-s", "1", scratchURL])
        guard status == 0 else { throw Failure("pgbench -i failed:\n\(output)") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        say("server: \(url)  duration: \(options.seconds) s per run  cores: \(cores)")
        say("")
        say(row(["callers", "ours q/s", "pgbench -S q/s", "pgbench -S -M ext q/s", "ours/simple", "ours/ext"]))
        for callers in [2, 16] {
            let ours = try await runOurs(url: scratchURL, callers: callers, seconds: options.seconds)
            let common = ["-S", "-n", "-c", "\(callers)", "-j", "\(min(callers, max(cores, 1)))", "-T", "\(options.seconds)"]
            let simple = try runPgbench(options.pgbench, common + [scratchURL])
            let extended = try runPgbench(options.pgbench, common + ["-M", "extended", scratchURL])
            say(row(["\(callers)", String(format: "%.0f", ours), String(format: "%.0f", simple), String(format: "%.0f", extended),
                       String(format: "%.2f", ours / simple), String(format: "%.2f", ours / extended)]))
        }
    } catch {
        _ = try? await admin.query("DROP DATABASE IF EXISTS \(identifier: scratch)")
        await admin.close()
        throw error
    }
    try await admin.query("DROP DATABASE IF EXISTS \(identifier: scratch) WITH (FORCE)")
    await admin.close()
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("postgres-benchmark: \(error)\n".utf8))
    exit(1)
}
