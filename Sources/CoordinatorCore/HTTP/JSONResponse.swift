import FlattenProtocol
import Foundation
import Hummingbird
import NIOCore

/// Builds JSON responses with the API's encoder.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONEncoder.flattenProtocol.encode(value)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A 200 (or `status`) whose body is JSON text built elsewhere (by PostgreSQL).
    static func rendered(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    /// The longest `message` an error body carries: messages quote the value at fault, which
    /// may be as long as the body the client sent.
    static let maxErrorMessageCharacters = 2000

    static func error(_ error: APIError) -> Response {
        var body = error.body
        if body.error.message.count > maxErrorMessageCharacters {
            body.error.message = String(body.error.message.prefix(maxErrorMessageCharacters)) + "…"
        }
        // Encoding a struct of two strings cannot fail; fall back to a fixed body to be total.
        let data = (try? JSONEncoder.flattenProtocol.encode(body))
            ?? Data(#"{"error":{"code":"internal_error","message":"error body could not be encoded"}}"#.utf8)
        var fields = error.headers
        fields[.contentType] = "application/json"
        return Response(status: error.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}

extension Request {
    /// Reads the body (at most `limit` bytes) and decodes it as `T` with the API's decoder.
    ///
    /// - Throws: ``APIError`` 413 when the body is larger than `limit`, 400 naming the field
    ///   when it is not the JSON `T` expects (malformed, missing or unknown values).
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.payloadTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
        return try Self.decodeMessage(type, from: buffer)
    }

    /// Decodes a JSON message as the API reads a request body: strictly (duplicate keys,
    /// trailing commas and unreadable numbers refused and named), then validated when it is a
    /// ``ValidatedMessage``. The dashboard's forms go through here too, so a form and a JSON
    /// body are held to the same rules.
    ///
    /// - Throws: ``APIError`` 400 naming the field at fault.
    static func decodeMessage<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else {
            throw APIError.invalidRequest("the request body is empty; expected a JSON object")
        }
        // Foundation's decoder takes the first of duplicate keys, accepts trailing commas and
        // does not say which number it could not read; the strict pass refuses and names those.
        let document: JSONDocumentCheck
        do {
            document = try JSONDocumentCheck(buffer.readableBytesView)
        } catch {
            throw APIError.invalidRequest("invalid request body: \(error)")
        }
        let value: T
        do {
            value = try JSONDecoder.flattenProtocol.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let numbers = document.numberProblemDescription {
                throw APIError.invalidRequest("invalid request body: \(numbers)")
            }
            throw APIError.invalidRequest("invalid request body: \(error.readableDescription)")
        } catch {
            throw APIError.invalidRequest("invalid request body: \(error)")
        }
        if let message = value as? any ValidatedMessage {
            do {
                try message.validate()
            } catch {
                throw APIError.invalidRequest("invalid request body: \(error)")
            }
        }
        return value
    }
}

extension Parameters {
    /// The `{id}` capture as a UUID, or a 400 naming it.
    func requireUUID(_ name: String = "id", what: String) throws -> UUID {
        guard let text = get(name) else {
            throw APIError.invalidRequest("missing \(what) ID in the path")
        }
        guard let id = UUID(uuidString: text) else {
            throw APIError.invalidRequest("invalid \(what) ID \(String(reflecting: text)) in the path; expected a UUID")
        }
        return id
    }
}
