import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the coordinator that sends exactly the bytes a test gives it: a
/// request cut off in its header or body, then nothing (a stalled or malicious client).
final class RawConnection {
    private var descriptor: Int32
    private var received: [UInt8] = []

    /// Connects to `127.0.0.1:port`.
    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FleetTestError("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw FleetTestError("connect to 127.0.0.1:\(port): \(message)")
        }
    }

    deinit { close() }

    /// Sends `text` as it is.
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw FleetTestError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads what the server sent so far without waiting; whether the server closed the connection.
    @discardableResult
    func readAvailable() -> (bytes: [UInt8], closed: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while descriptor >= 0 {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 {
                return (received, true)
            } else {
                // EAGAIN: nothing more for now; ECONNRESET and the like: the server dropped it.
                return (received, errno != EAGAIN && errno != EWOULDBLOCK)
            }
        }
        return (received, true)
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// The TCP connections the coordinator on `port` holds open, counted from the kernel's tables
/// (`/proc/net/tcp` and `tcp6`): sockets whose local port is `port` that are ESTABLISHED or in
/// CLOSE_WAIT (the client left, the server has not closed its end: a leak shows here). The
/// states of a connection the server already closed (FIN_WAIT, LAST_ACK, TIME_WAIT) are the
/// kernel's to finish, and the listening socket is not a connection.
enum OpenConnections {
    static func count(localPort port: Int) -> Int {
        states(localPort: port).filter { $0.key == "01" || $0.key == "08" }.values.reduce(0, +)
    }

    /// Every socket on local port `port` by TCP state (hex, as the kernel writes it), for messages.
    static func states(localPort port: Int) -> [String: Int] {
        var states: [String: Int] = [:]
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readWhole(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 3, let localPort = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { continue }
                if localPort == port { states[String(fields[3]), default: 0] += 1 }
            }
        }
        return states
    }

    /// The whole of a /proc file, read to its end (its size reads as 0, and the kernel hands
    /// it out a page at a time).
    static func readWhole(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
