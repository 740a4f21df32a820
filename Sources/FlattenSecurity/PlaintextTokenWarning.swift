import Foundation

/// The warning a client prints before it sends a bearer token over plain `http://` to a host
/// that is not this one: anyone on the path can read the token and act as its owner.
///
/// Loopback (`localhost`, `127.0.0.0/8`, `::1`) stays quiet: the token never leaves the host,
/// which is how a coordinator behind a TLS proxy on the same machine is reached.
///
/// ```swift
/// if let warning = PlaintextTokenWarning(url: coordinatorURL) { print(warning.message) }
/// ```
public struct PlaintextTokenWarning: Sendable, Hashable, CustomStringConvertible {
    /// The host the token would be sent to.
    public let host: String

    /// A warning when `url` is `http://` to a host that is not loopback; nil for `https://`,
    /// loopback, and text that is not a URL (it is refused elsewhere).
    public init?(url: String) {
        guard let components = URLComponents(string: url),
              components.scheme?.lowercased() == "http",
              let host = components.host, !host.isEmpty,
              !Self.isLoopback(host: host)
        else { return nil }
        // Foundation keeps an IPv6 address's brackets on Linux and drops them on Darwin.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The warning, without a program or level prefix.
    public var message: String {
        "tokens are sent in clear text over http:// to \(host), where anyone on the network path can read them; use an https:// coordinator URL (--ca-file to trust a private CA)"
    }

    public var description: String { message }

    /// Whether `host` names this machine: `localhost` (and `*.localhost`), an address in
    /// `127.0.0.0/8`, or `::1` (bracketed or not).
    public static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }), octets[0] == "127" { return true }
        if name.contains(":") {
            // Every spelling of ::1 (0:0:0:0:0:0:0:1, ::0001, …), and ::ffff:127.x.x.x.
            var address = in6_addr()
            guard inet_pton(AF_INET6, name, &address) == 1 else { return false }
            let bytes = withUnsafeBytes(of: address) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127 { return true }
        }
        return false
    }
}
