import DockerEngine
import NIOCore

/// What a streamed tar looked like, measured without holding it.
struct StreamMeasurement {
    var byteCount = 0
    var chunkCount = 0
    var largestChunk = 0
    /// Which of the searched-for byte strings appeared anywhere in the stream.
    var found: Set<String> = []
}

extension DockerByteStream {
    /// Counts bytes and looks for `needles` (also across chunk boundaries), keeping only a short
    /// overlap of the previous chunk in memory.
    func measure(lookingFor needles: [String] = []) async throws -> StreamMeasurement {
        var measurement = StreamMeasurement()
        let needleBytes = needles.map { ($0, Array($0.utf8)) }
        let overlap = (needleBytes.map(\.1.count).max() ?? 1) - 1
        var tail: [UInt8] = []
        for try await chunk in self {
            measurement.byteCount += chunk.readableBytes
            measurement.chunkCount += 1
            measurement.largestChunk = Swift.max(measurement.largestChunk, chunk.readableBytes)
            let window = tail + Array(chunk.readableBytesView)
            for (name, bytes) in needleBytes where !measurement.found.contains(name) {
                if window.firstRange(of: bytes) != nil {
                    measurement.found.insert(name)
                }
            }
            tail = Array(window.suffix(overlap))
        }
        return measurement
    }
}
