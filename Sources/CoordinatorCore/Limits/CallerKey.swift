import Foundation
import NIOCore

/// Whom a request is counted against in ``CallerLimiter``: the client's IPv4 address, or the
/// /64 network of its IPv6 address (one host commonly holds a whole /64, so counting single
/// IPv6 addresses would let it pick a fresh address for every attempt).
public struct CallerKey: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The key of a client at `address`; nil when it has no IP address (a Unix socket, or a
    /// request that did not come over the network, as in router tests): those are not limited.
    public init?(address: SocketAddress?) {
        switch address {
        case .v4(let address)?:
            self.init(Self.dotted(withUnsafeBytes(of: address.address.sin_addr) { Array($0) }))
        case .v6(let address)?:
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                self.init(Self.dotted(Array(bytes[12..<16])))
            } else {
                let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                self.init(groups.joined(separator: ":") + "::/64")
            }
        default:
            return nil
        }
    }

    /// The client address a request stands for: the peer's, or, when the peer is one of
    /// `trustedProxies` (normalized with ``ipAddress(of:)``), the last address of its
    /// `X-Forwarded-For` header, the one that proxy appended (earlier ones are the client's
    /// own say and could be forged).
    public static func clientAddress(
        peer: SocketAddress?, forwardedFor: String?, trustedProxies: Set<String>
    ) -> SocketAddress? {
        guard let peer, !trustedProxies.isEmpty, let ip = ipAddress(of: peer), trustedProxies.contains(ip),
              let last = forwardedFor?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
              let forwarded = try? SocketAddress(ipAddress: last, port: 0)
        else { return peer }
        return forwarded
    }

    /// An IP address in one spelling: dotted IPv4 (also for IPv4-mapped IPv6), else NIO's IPv6
    /// text; nil for non-IP addresses.
    public static func ipAddress(of address: SocketAddress) -> String? {
        switch address {
        case .v4(let v4):
            return dotted(withUnsafeBytes(of: v4.address.sin_addr) { Array($0) })
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return dotted(Array(bytes[12..<16]))
            }
            return address.ipAddress
        default:
            return nil
        }
    }

    private static func dotted(_ bytes: [UInt8]) -> String {
        bytes.map(String.init).joined(separator: ".")
    }
}
