@testable import CoordinatorCore
import FlattenProtocol
import Hummingbird
import NIOHTTP1
import Testing

@Suite("Error mapping (pure)")
struct ErrorMiddlewareTests {
    private let request = Request(
        head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/jobs/x/heartbeat"),
        body: RequestBody(buffer: ByteBuffer()))

    @Test("a request body cut off by its client is a 400 naming the problem, not a 500")
    func cutOffBody() {
        let error = ErrorMiddleware<CoordinatorRequestContext>.apiError(
            for: HTTPParserError.invalidEOFState, request: request, maxBodySize: 1024)
        #expect(error.status == .badRequest)
        #expect(error.code == .invalidRequest)
        #expect(error.message.contains("could not be read"))
    }

    @Test("anything unexpected stays a 500 without internals")
    func unexpected() {
        struct Unexpected: Error {}
        let error = ErrorMiddleware<CoordinatorRequestContext>.apiError(for: Unexpected(), request: request, maxBodySize: 1024)
        #expect(error.status == .internalServerError)
        #expect(!error.message.contains("Unexpected"))
    }
}
