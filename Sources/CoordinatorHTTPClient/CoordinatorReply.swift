import FlattenProtocol
import Foundation
import NIOCore

/// What the coordinator answered to one call: the status and the body, read as the value the
/// call expects or as the API's JSON error.
public struct CoordinatorReply: Sendable {
    public let status: Int
    public let body: ByteBuffer
    /// The call, as `POST /v1/jobs`, for messages.
    public let request: String
    /// The coordinator the call went to.
    public let baseURL: String

    public init(status: Int, body: ByteBuffer, request: String, baseURL: String) {
        self.status = status
        self.body = body
        self.request = request
        self.baseURL = baseURL
    }

    /// A 2xx status.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The API's error body, when the answer is one.
    public var errorBody: ErrorBody? {
        try? JSONDecoder.flattenProtocol.decode(ErrorBody.self, from: Data(body.readableBytesView))
    }

    /// This reply when its status is 2xx.
    ///
    /// - Throws: ``CoordinatorError`` refused, with the coordinator's code and message.
    public func succeeded() throws(CoordinatorError) -> CoordinatorReply {
        guard isSuccess else {
            throw CoordinatorError(.refused(
                status: status, body: errorBody, text: String(decoding: body.readableBytesView.prefix(200), as: UTF8.self),
                request: request, baseURL: baseURL))
        }
        return self
    }

    /// The body decoded as `Value`.
    ///
    /// - Throws: ``CoordinatorError`` malformed answer, naming what was expected.
    public func decode<Value: Decodable>(_ type: Value.Type) throws(CoordinatorError) -> Value {
        do {
            return try JSONDecoder.flattenProtocol.decode(Value.self, from: Data(body.readableBytesView))
        } catch {
            throw CoordinatorError.malformedResponse(url: baseURL, detail: "\(request): expected \(Value.self): \(error)")
        }
    }
}
