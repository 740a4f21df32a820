import Foundation
#if canImport(Glibc)
import Glibc
private let systemSend = Glibc.send
private let systemClose = Glibc.close
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let systemSend = Darwin.send
private let systemClose = Darwin.close
private let sendFlags: Int32 = 0
#endif

/// A plain TCP connection to a coordinator, for what an HTTP client cannot do: stay idle, send
/// half a request, hold a long poll on a socket the test closes, or come from another local
/// address (127.0.0.2 is loopback too on Linux).
///
/// Non-blocking, polled with short sleeps, so waiting never blocks a concurrency thread.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var isClosed = false
    /// Bytes read and not yet handed out by ``readResponse(timeout:)``.
    private var pending = Data()

    /// Connects to 127.0.0.1:`port`, from `localAddress` when given.
    init(port: Int, from localAddress: String? = nil) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ProcessTestError("socket(): errno \(errno)") }
        descriptor = fd
        if let localAddress {
            var local = Self.address(localAddress, port: 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { _ = systemClose(fd); throw ProcessTestError("bind(\(localAddress)): errno \(errno)") }
        }
        var remote = Self.address("127.0.0.1", port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { _ = systemClose(fd); throw ProcessTestError("connect(127.0.0.1:\(port)): errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close() }

    private static func address(_ text: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, text, &address.sin_addr)
        return address
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { systemSend(descriptor, $0.baseAddress, $0.count, sendFlags) }
            if sent < 0 {
                guard errno == EAGAIN || errno == EWOULDBLOCK else { throw ProcessTestError("send(): errno \(errno)") }
                usleep(1000)
                continue
            }
            bytes = bytes.dropFirst(sent)
        }
    }

    /// Whatever arrives within `timeout`, and whether the server closed the connection.
    func read(timeout: Duration, untilClosed: Bool = true) async throws -> (data: Data, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                pending.append(contentsOf: buffer[0..<count])
                if !untilClosed { return (pending, false) }
                continue
            }
            if count == 0 { return (pending, true) }
            if errno == ECONNRESET { return (pending, true) }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw ProcessTestError("recv(): errno \(errno)") }
            guard ContinuousClock.now < deadline else { return (pending, false) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits up to `timeout` for the server to close the connection; whether it did.
    func waitForClose(timeout: Duration) async throws -> Bool {
        try await read(timeout: timeout).closed
    }

    /// The next whole HTTP response (status line, headers and a `Content-Length` body), or nil
    /// when none came within `timeout`.
    func readResponse(timeout: Duration) async throws -> RawResponse? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let response = RawResponse.parse(&pending) { return response }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            let (_, closed) = try await read(timeout: min(remaining, .milliseconds(100)), untilClosed: false)
            if closed { return RawResponse.parse(&pending) }
        }
    }

    /// Sends one request and reads its response.
    func request(_ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:],
                 body: String? = nil, timeout: Duration = .seconds(60)) async throws -> RawResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            text += "Content-Length: 0\r\n\r\n"
        }
        try send(text)
        guard let response = try await readResponse(timeout: timeout) else {
            throw ProcessTestError("no response to \(method) \(path) within \(timeout)")
        }
        return response
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = systemClose(descriptor)
    }
}

/// An HTTP/1.1 response read by ``RawConnection``.
struct RawResponse: Sendable {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: Data

    /// Takes one whole response off the front of `buffer`; nil when it is not all there yet.
    static func parse(_ buffer: inout Data) -> RawResponse? {
        guard let end = buffer.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard buffer.distance(from: end.upperBound, to: buffer.endIndex) >= length else { return nil }
        let bodyEnd = buffer.index(end.upperBound, offsetBy: length)
        let body = Data(buffer[end.upperBound..<bodyEnd])
        buffer = Data(buffer[bodyEnd...])
        return RawResponse(status: status, headers: headers, body: body)
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}
