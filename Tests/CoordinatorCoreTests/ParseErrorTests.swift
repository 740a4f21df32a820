import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// Requests NIO's HTTP parser refuses, sent over a raw socket to the real coordinator binary.
@Suite("Unparsable requests get a JSON error body", .serialized)
struct ParseErrorTests {
    /// The status line and the JSON body of a raw HTTP response.
    func parse(_ response: String) -> (status: String, body: ErrorBody?) {
        let status = response.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let body = response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
        return (status, try? JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: Data(body.utf8)))
    }

    @Test("a malformed request, an oversized URL and a malformed request after a good one on the same connection")
    func unparsable() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let garbage = try await RawHTTPConnection.exchange(
                    port: coordinator.port, request: Array("GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n".utf8))
                let malformed = parse(garbage)
                #expect(malformed.status == "HTTP/1.1 400 Bad Request", "\(garbage)")
                #expect(malformed.body?.error.code == .invalidRequest, "\(garbage)")
                #expect(malformed.body?.error.message.contains("malformed HTTP request") == true, "\(garbage)")

                let longURL = "GET /v1/jobs?agent=" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
                let long = try await RawHTTPConnection.exchange(port: coordinator.port, request: Array(longURL.utf8))
                let tooLong = parse(long)
                #expect(tooLong.status == "HTTP/1.1 414 URI Too Long", "\(long.prefix(500))")
                #expect(tooLong.body?.error.code == .uriTooLong, "\(long.prefix(500))")

                // A good request first: its answer, then the JSON error for the bad one.
                let both = try await RawHTTPConnection.exchange(
                    port: coordinator.port, request: Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nBAD\u{1}REQUEST\r\n\r\n".utf8))
                #expect(both.hasPrefix("HTTP/1.1 200 OK"), "\(both)")
                #expect(both.contains(#"{"status":"ok"}"#), "\(both)")
                #expect(both.contains("HTTP/1.1 400 Bad Request"), "\(both)")
                #expect(both.contains(#""code":"invalid_request""#), "\(both)")
            } catch {
                Issue.record("coordinator log:\n\(coordinator.log.suffix(2000))")
                await coordinator.stop()
                throw error
            }
            await coordinator.stop()
        }
    }
}
