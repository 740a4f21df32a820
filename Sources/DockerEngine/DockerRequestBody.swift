import AsyncHTTPClient
import NIOCore

/// A request body sent to the engine as it is produced: a tar archive for `load`, `import` and
/// `build`. Nothing is buffered beyond the chunk being written; the upload waits for the engine
/// to take each chunk (backpressure).
public struct DockerRequestBody: Sendable {
    let body: HTTPClientRequest.Body
    /// The body's size in bytes when known up front (sent as `Content-Length`), else `nil`
    /// (sent chunked).
    public let length: Int64?

    /// A body read from `chunks`, sent with `Content-Length: length` when `length` is given and
    /// chunked otherwise. The sequence is iterated once; a `length` that disagrees with the bytes
    /// produced fails the request.
    public static func stream<Chunks: AsyncSequence & Sendable>(
        _ chunks: Chunks,
        length: Int64? = nil
    ) -> DockerRequestBody where Chunks.Element == ByteBuffer {
        DockerRequestBody(
            body: .stream(chunks, length: length.map { .known($0) } ?? .unknown),
            length: length
        )
    }

    /// A body whose bytes are already in memory (small build contexts, test archives).
    public static func bytes(_ buffer: ByteBuffer) -> DockerRequestBody {
        DockerRequestBody(body: .bytes(buffer), length: Int64(buffer.readableBytes))
    }

    /// A body whose bytes are already in memory.
    public static func bytes(_ bytes: [UInt8]) -> DockerRequestBody {
        .bytes(ByteBuffer(bytes: bytes))
    }
}
