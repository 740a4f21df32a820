import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One call to the engine API, before it is addressed to a host.
struct DockerRequest: Sendable {
    var method: HTTPMethod
    /// The unversioned path, for example `/images/alpine/json`.
    var path: String
    var query: [(name: String, value: String)]
    var headers: HTTPHeaders
    var body: DockerRequestBody?
    /// Streaming calls get no deadline: they last as long as the image takes.
    var isStreaming: Bool

    init(
        _ method: HTTPMethod, _ path: String, query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = [:], body: DockerRequestBody? = nil, isStreaming: Bool = false
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.isStreaming = isStreaming
    }
}

/// Sends ``DockerRequest``s to one engine and turns its answers into values or errors.
struct RequestExecutor: Sendable {
    let host: DockerHost
    let httpClient: HTTPClient
    /// `nil` for the unversioned calls made before negotiation.
    let apiVersion: APIVersion?
    let requestTimeout: TimeAmount
    let logger: Logger

    /// The largest JSON answer read into memory (image lists of big engines stay far below).
    static let maximumJSONBytes = 64 * 1024 * 1024

    func url(for request: DockerRequest) -> String {
        Self.formatURL(host: host, apiVersion: apiVersion, request: request)
    }

    /// `http+unix://<socket path, percent-encoded>/v1.41/path?query` or `http://host:port/…`.
    static func formatURL(host: DockerHost, apiVersion: APIVersion?, request: DockerRequest) -> String {
        var pathAndQuery = (apiVersion?.pathPrefix ?? "") + request.path
        if !request.query.isEmpty {
            pathAndQuery += "?" + request.query
                .map { PercentEncoding.queryComponent($0.name) + "=" + PercentEncoding.queryComponent($0.value) }
                .joined(separator: "&")
        }
        switch host.endpoint {
        case .unixSocket(let path):
            let encodedSocket = PercentEncoding.queryComponent(path)
            return "http+unix://\(encodedSocket)\(pathAndQuery)"
        case .tcp(let hostName, let port):
            let shownHost = hostName.contains(":") ? "[\(hostName)]" : hostName
            return "http://\(shownHost):\(port)\(pathAndQuery)"
        }
    }

    /// Sends `request` and answers the response when its status is below 400; otherwise reads the
    /// engine's error message and throws it.
    func send(_ request: DockerRequest, operation: String) async throws -> HTTPClientResponse {
        var httpRequest = HTTPClientRequest(url: url(for: request))
        httpRequest.method = request.method
        httpRequest.headers = request.headers
        if case .unixSocket = host.endpoint, !httpRequest.headers.contains(name: "Host") {
            httpRequest.headers.replaceOrAdd(name: "Host", value: DockerClient.unixSocketHostHeader)
        }
        httpRequest.headers.replaceOrAdd(name: "User-Agent", value: "flatten-fleet-DockerEngine")
        if let body = request.body {
            httpRequest.body = body.body
        }
        let deadline: NIODeadline = request.isStreaming ? .distantFuture : .now() + requestTimeout
        logger.trace("docker request", metadata: [
            "docker.method": "\(request.method.rawValue)", "docker.path": "\(request.path)",
        ])
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(httpRequest, deadline: deadline, logger: logger)
        } catch {
            throw DockerEngineError.fromTransport(error, host: host, operation: operation)
        }
        guard response.status.code < 400 else {
            throw await engineError(from: response, operation: operation)
        }
        return response
    }

    /// Sends `request` and decodes its JSON answer.
    func json<Value: Decodable>(_ request: DockerRequest, operation: String, as type: Value.Type = Value.self) async throws -> Value {
        let body = try await bytes(request, operation: operation)
        return try decode(Value.self, from: body, operation: operation)
    }

    func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer, operation: String) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body.readableBytesView))
        } catch {
            throw DockerEngineError.malformedResponse(
                operation: operation,
                detail: "cannot decode \(Value.self) (\(Self.describe(error))) from \(Self.excerpt(body))"
            )
        }
    }

    /// Sends `request` and reads its whole (small) answer.
    func bytes(_ request: DockerRequest, operation: String) async throws -> ByteBuffer {
        let response = try await send(request, operation: operation)
        return try await collect(response.body, operation: operation, limit: Self.maximumJSONBytes)
    }

    /// Sends `request`, checks its status and reads and drops its answer.
    func discardingBody(_ request: DockerRequest, operation: String) async throws {
        let response = try await send(request, operation: operation)
        do {
            for try await _ in response.body {}
        } catch {
            throw DockerEngineError.fromTransport(error, host: host, operation: operation)
        }
    }

    /// Sends `request` and answers its body as a stream.
    func byteStream(_ request: DockerRequest, operation: String) async throws -> DockerByteStream {
        let response = try await send(request, operation: operation)
        let length = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        return DockerByteStream(body: response.body, host: host, operation: operation, contentLength: length)
    }

    /// Sends `request`, whose answer is a JSON-message stream, and hands each message to
    /// `onMessage` as it arrives. A message carrying an error ends the call with that error.
    func messages(
        _ request: DockerRequest,
        operation: String,
        onMessage: (ProgressMessage) throws -> Void
    ) async throws {
        let response = try await send(request, operation: operation)
        var splitter = JSONLineSplitter()
        func handle(_ line: ByteBuffer) throws {
            let message = try decode(ProgressMessage.self, from: line, operation: operation)
            if let failure = message.failureMessage {
                throw DockerEngineError(.stream(message: failure, code: message.errorDetail?.code), operation: operation)
            }
            try onMessage(message)
        }
        do {
            for try await chunk in response.body {
                for line in try splitter.append(chunk) {
                    try handle(line)
                }
            }
        } catch let error as JSONLineSplitter.LineTooLong {
            throw DockerEngineError.malformedResponse(
                operation: operation,
                detail: "a JSON message is longer than \(error.limit) bytes"
            )
        } catch {
            throw DockerEngineError.fromTransport(error, host: host, operation: operation)
        }
        if let last = splitter.finish() {
            try handle(last)
        }
    }

    private func collect(_ body: HTTPClientResponse.Body, operation: String, limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        do {
            for try await var chunk in body {
                guard collected.readableBytes + chunk.readableBytes <= limit else {
                    throw DockerEngineError.malformedResponse(operation: operation, detail: "the answer exceeds \(limit) bytes")
                }
                collected.writeBuffer(&chunk)
            }
        } catch {
            throw DockerEngineError.fromTransport(error, host: host, operation: operation)
        }
        return collected
    }

    /// The engine's error answer: `{"message": "…"}`, or plain text from a proxy or an old engine.
    private func engineError(from response: HTTPClientResponse, operation: String) async -> DockerEngineError {
        var message = ""
        if let body = try? await collect(response.body, operation: operation, limit: 1024 * 1024) {
            struct ErrorBody: Decodable { var message: String }
            if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.readableBytesView)) {
                message = decoded.message
            } else {
                message = String(decoding: body.readableBytesView, as: UTF8.self).trimmingWhitespace()
            }
        }
        if message.isEmpty {
            message = "(no message)"
        }
        logger.debug("docker engine error", metadata: [
            "docker.operation": "\(operation)", "docker.status": "\(response.status.code)", "docker.message": "\(message)",
        ])
        return DockerEngineError(
            .status(code: Int(response.status.code), reason: response.status.reasonPhrase, message: message),
            operation: operation
        )
    }

    static func excerpt(_ body: ByteBuffer, limit: Int = 200) -> String {
        let view = body.readableBytesView
        let text = String(decoding: view.prefix(limit), as: UTF8.self)
        return "'" + text + (view.count > limit ? "…" : "") + "'"
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(context.debugDescription)\(path.isEmpty ? "" : " at '\(path)'")"
        default:
            return "\(error)"
        }
    }
}
