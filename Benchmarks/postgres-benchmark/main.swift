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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else { throw Failure("pgbench \(arguments.joined(separator: " ")) failed:\n\(text)") }
    for line in text.split(separator: "\n") where line.hasPrefix("tps = ") {
        let number = line.dropFirst("tps = ".count).prefix { $0.isNumber || $0 == "." }
        if let tps = Double(number) { return tps }
    }
    return 0
}

/// Primary-key lookups from `callers` concurrent tasks through a pool of `callers`
/// connections for `seconds`; returns queries per second.
func runOurs(url: String, callers: Int, seconds: Int) async throws -> Double {
    let client = try PostgresClient(configuration: PostgresConfiguration(
        connectionString: url, applicationName: "postgres-benchmark", maxConnections: callers
    ))
    defer { Task { await client.close() } }
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
    await client.close()
    return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
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
        print("filling \(scratch) with pgbench -i -s 1 …")
        _ = try runPgbench(options.pgbench, ["-i", "-q", "-s", "1", scratchURL])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("server: \(url)  duration: \(options.seconds) s per run  cores: \(cores)")
        print("")
        print(row(["callers", "ours q/s", "pgbench -S q/s", "pgbench -S -M ext q/s", "ours/simple", "ours/ext"]))
        for callers in [2, 16] {
            let ours = try await runOurs(url: scratchURL, callers: callers, seconds: options.seconds)
            let common = ["-S", "-n", "-c", "\(callers)", "-j", "\(min(callers, max(cores, 1)))", "-T", "\(options.seconds)"]
            let simple = try runPgbench(options.pgbench, common + [scratchURL])
            let extended = try runPgbench(options.pgbench, common + ["-M", "extended", scratchURL])
            print(row(["\(callers)", String(format: "%.0f", ours), String(format: "%.0f", simple), String(format: "%.0f", extended),
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
