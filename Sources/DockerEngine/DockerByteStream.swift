import AsyncHTTPClient
import NIOCore

/// A response body streamed from the engine, chunk by chunk: a `docker save` archive or a
/// container export. The bytes are never held in full; the engine is read only as fast as the
/// consumer iterates (backpressure). Iterate it once.
///
/// A broken connection surfaces from `next()` as a ``DockerEngineError`` naming the operation.
public struct DockerByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let body: HTTPClientResponse.Body
    let host: DockerHost
    /// The operation that produced the stream, for error messages.
    public let operation: String
    /// The body's size from `Content-Length` when the engine sent one (it streams these bodies
    /// chunked, so usually `nil`).
    public let contentLength: Int64?

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let host: DockerHost
        let operation: String

        public mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw DockerEngineError.fromTransport(error, host: host, operation: operation)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator(), host: host, operation: operation)
    }

    /// Reads the whole body into memory, failing when it exceeds `maxBytes`. For small bodies
    /// only (tests, diagnostics); stream images instead.
    public func collect(upTo maxBytes: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in self {
            guard collected.readableBytes + chunk.readableBytes <= maxBytes else {
                throw DockerEngineError.invalidArgument(
                    operation: operation,
                    detail: "the body is larger than the \(maxBytes) bytes allowed for collecting it"
                )
            }
            collected.writeBuffer(&chunk)
        }
        return collected
    }
}
