#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Why the coordinator could not listen where it was asked to: the address, what is wrong with
/// it and what to do, instead of the socket call's errno text.
public struct ListenError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Problem: Hashable {
        /// EADDRINUSE: another process listens there.
        case inUse
        /// EADDRNOTAVAIL: the address is not one of this machine's.
        case foreign
        /// EACCES: a port below the unprivileged floor, without the right to bind it.
        case reserved
        /// The host name does not resolve.
        case unknownHost
    }

    /// The address asked for (`--listen` or `FLATTEN_LISTEN`).
    public let address: ListenAddress
    private let problem: Problem

    private init(address: ListenAddress, problem: Problem) {
        self.address = address
        self.problem = problem
    }

    /// The listen error `error` is, for a failure to listen on `address`; nil when `error` is
    /// something else.
    public init?(_ error: any Error, address: ListenAddress) {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: self.init(address: address, problem: .inUse)
            case EADDRNOTAVAIL: self.init(address: address, problem: .foreign)
            case EACCES, EPERM: self.init(address: address, problem: .reserved)
            default: return nil
            }
        } else if error is SocketAddressError.UnknownHost {
            self.init(address: address, problem: .unknownHost)
        } else {
            return nil
        }
    }

    /// `--listen` (or `FLATTEN_LISTEN`) with this address's host and any free port.
    private var anyPort: String { ListenAddress(host: address.host, port: 0).description }

    public var description: String {
        let start = "cannot listen on \(address)"
        switch problem {
        case .inUse:
            return "\(start): the address is already in use (another coordinator or program listens there); stop that one, or pass --listen (or FLATTEN_LISTEN) another port, \(anyPort) for any free one"
        case .foreign:
            return "\(start): \(address.host) is not an address of this machine; pass --listen (or FLATTEN_LISTEN) one of its addresses, 127.0.0.1:\(address.port) for this machine alone or 0.0.0.0:\(address.port) for every interface"
        case .reserved:
            return "\(start): port \(address.port) is reserved for privileged programs (below /proc/sys/net/ipv4/ip_unprivileged_port_start, usually 1024); pass --listen (or FLATTEN_LISTEN) a port from 1024 up, or run with CAP_NET_BIND_SERVICE"
        case .unknownHost:
            return "\(start): the host name \(address.host) does not resolve; pass --listen (or FLATTEN_LISTEN) an IP address of this machine, or a name that resolves to one"
        }
    }
}
