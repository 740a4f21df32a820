import AsyncHTTPClient
import FlattenProtocol
import Foundation
import NIOCore

/// What an operator does and sees, over the coordinator's HTTP API with an admin token,
/// straight to the coordinator (never through the agent's forwarder).
struct OperatorAPI: Sendable {
    let baseURL: String
    let token: String
    let http: HTTPClient

    /// Submits `submission`.
    func submit(_ submission: JobSubmission) async throws -> SubmissionResponse {
        try await call(.post, APIPath.jobs, body: try JSONEncoder.flattenProtocol.encode(submission), expecting: 201)
    }

    func job(_ id: UUID) async throws -> Job {
        try await call(.get, APIPath.job(id), expecting: 200)
    }

    /// Asks to cancel job `id`; answers the job as the coordinator left it.
    func cancel(_ id: UUID) async throws -> Job {
        try await call(.post, APIPath.jobCancel(id), expecting: 200)
    }

    func agents() async throws -> AgentList {
        try await call(.get, APIPath.agents, expecting: 200)
    }

    private enum Method: String {
        case get = "GET", post = "POST"
    }

    private func call<Answer: Decodable>(
        _ method: Method, _ path: String, body: Data? = nil, expecting status: UInt
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method == .get ? .GET : .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code == status else {
            throw OperatorAPIError(
                description: "\(method.rawValue) \(path) answered \(response.status.code), not \(status): \(String(buffer: bytes))")
        }
        return try JSONDecoder.flattenProtocol.decode(Answer.self, from: Data(bytes.readableBytesView))
    }
}

struct OperatorAPIError: Error, CustomStringConvertible {
    let description: String
}
