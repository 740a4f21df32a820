import ArgumentParser
import CoordinatorCore
import Foundation
import NIOCore

/// The options of slow, idle, failing and scraping callers (`--idle-timeout`,
/// `--max-connections`, `--max-polls-per-agent`, `--auth-limit-*`, `--trusted-proxy`,
/// `--metrics-token*`).
struct CallerLimitOptions: ParsableArguments {
    @Option(name: .customLong("idle-timeout"),
            help: "Seconds a connection may be idle, or take sending a request's head or body, before it is closed (0: never). Held long polls are not cut.")
    var idleTimeout: Double = 75

    @Option(name: .customLong("max-connections"),
            help: "Most connections open at once; further ones wait in the listen backlog (0: no cap).")
    var maxConnections: Int = 4096

    @Option(name: .customLong("max-polls-per-agent"),
            help: "Most claim requests one agent may have open at once; more are answered 429.")
    var maxPollsPerAgent: Int = 4

    @Option(name: .customLong("auth-limit-burst"),
            help: "Failed authentications and enrollments one client address may make at once before it is answered 429 (0: no limit).")
    var authLimitBurst: Int = 20

    @Option(name: .customLong("auth-limit-rate"),
            help: "Failed authentications and enrollments per second one client address may make in the long run.")
    var authLimitRate: Double = 1

    @Option(name: .customLong("trusted-proxy"),
            help: "IP address of a reverse proxy whose X-Forwarded-For names the client the limiter counts (repeatable).")
    var trustedProxies: [String] = []

    @Option(name: .customLong("metrics-token"),
            help: "Bearer token GET /metrics then needs (default: $FLATTEN_METRICS_TOKEN; none: metrics are open). Health stays open.")
    var metricsToken: String?

    @Option(name: .customLong("metrics-token-file"),
            help: "File holding the metrics token (default: $FLATTEN_METRICS_TOKEN_FILE).")
    var metricsTokenFile: String?

    /// The limits (``CallerLimits/validate()`` holds their invariants), or an error naming the
    /// option at fault.
    func callerLimits() throws(CoordinatorConfigurationError) -> CallerLimits {
        var proxies: Set<String> = []
        for proxy in trustedProxies {
            guard let address = try? SocketAddress(ipAddress: proxy, port: 0), let ip = CallerKey.ipAddress(of: address) else {
                throw .notAnIPAddress(proxy, flag: "--trusted-proxy")
            }
            proxies.insert(ip)
        }
        var idle: Duration?
        if idleTimeout != 0 {
            idle = try CoordinatorConfiguration.duration(idleTimeout, flag: "--idle-timeout", zeroMeans: "never")
        }
        let limits = CallerLimits(
            idleTimeout: idle,
            maxConnections: maxConnections == 0 ? nil : maxConnections,
            maxPollsPerAgent: maxPollsPerAgent,
            authFailureBurst: authLimitBurst,
            authFailureRate: authLimitRate,
            trustedProxies: proxies)
        try limits.validate()
        return limits
    }

    /// The metrics token from the options, else from the environment (a token or a file, never
    /// both); nil leaves metrics open.
    func resolvedMetricsToken(environment: [String: String]) throws -> String? {
        if metricsToken != nil || metricsTokenFile != nil {
            return try Self.metricsToken(
                token: metricsToken.map { ($0, "--metrics-token") }, file: metricsTokenFile.map { ($0, "--metrics-token-file") })
        }
        return try Self.metricsToken(
            token: environment["FLATTEN_METRICS_TOKEN"].map { ($0, "FLATTEN_METRICS_TOKEN") },
            file: environment["FLATTEN_METRICS_TOKEN_FILE"].map { ($0, "FLATTEN_METRICS_TOKEN_FILE") })
    }

    private static func metricsToken(token: (String, String)?, file: (String, String)?) throws -> String? {
        switch (token, file) {
        case let ((_, tokenOption)?, (_, fileOption)?):
            throw ValidationError("\(tokenOption) and \(fileOption) are both given; give one")
        case let ((value, option)?, nil):
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw ValidationError("\(option) is empty; give a token or leave it unset") }
            return trimmed
        case let (nil, (path, option)?):
            return try readToken(file: path, option: option)
        case (nil, nil):
            return nil
        }
    }

    /// The token in `file` without its trailing newline; a message naming `option` and the
    /// file when it cannot be read or holds no token.
    static func readToken(file: String, option: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("\(option) \(file): cannot read the file (\((error as NSError).localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(option) \(file): the file is not UTF-8 text")
        }
        var token = Substring(text)
        while let last = token.last, last == "\n" || last == "\r" { token.removeLast() }
        guard !token.isEmpty, !token.allSatisfy(\.isWhitespace) else {
            throw ValidationError("\(option) \(file): the file is empty; it must hold the token")
        }
        guard !token.contains(where: \.isNewline) else {
            throw ValidationError("\(option) \(file): the file holds more than one line; it must hold only the token")
        }
        return String(token)
    }
}
