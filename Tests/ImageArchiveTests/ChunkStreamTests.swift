import Foundation
import Testing
@testable import ImageArchive

/// Counts across tasks; the lock makes the counters safe to touch from the producer's task and
/// the test's.
final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var _sent = 0
    private var _maxAhead = 0
    private var _taken = 0
    func sent() { lock.withLock { _sent += 1; _maxAhead = max(_maxAhead, _sent - _taken) } }
    func taken() { lock.withLock { _taken += 1 } }
    var maxAhead: Int { lock.withLock { _maxAhead } }
    var sentCount: Int { lock.withLock { _sent } }
}

@Suite("Chunk stream")
struct ChunkStreamTests {
    @Test func deliversEveryChunkInOrderAndTheOutcome() async throws {
        let stream = ChunkStream<Int> { send in
            for i in 0..<50 { try await send([UInt8(i)]) }
            return 42
        }
        var received: [UInt8] = []
        for try await chunk in stream { received += chunk }
        #expect(received == (0..<50).map(UInt8.init))
        #expect(try await stream.outcome() == 42)
    }

    @Test func producerWaitsForTheConsumer() async throws {
        let counters = Counters()
        let stream = ChunkStream<Void> { send in
            for _ in 0..<20 {
                try await send([1, 2, 3])
                counters.sent()
            }
        }
        for try await _ in stream {
            counters.taken()
            try await Task.sleep(for: .milliseconds(2))
        }
        // A send returns once its chunk is taken: the producer is never more than one ahead.
        #expect(counters.maxAhead <= 1)
        #expect(counters.sentCount == 20)
    }

    @Test func producerErrorsReachTheConsumer() async throws {
        struct Boom: Error {}
        let stream = ChunkStream<Void> { send in
            try await send([1])
            throw Boom()
        }
        var chunks = 0
        await #expect(throws: Boom.self) {
            for try await _ in stream { chunks += 1 }
        }
        #expect(chunks == 1)
        await #expect(throws: Boom.self) { try await stream.outcome() }
    }

    @Test func abandoningTheStreamCancelsTheProducer() async throws {
        let stream = ChunkStream<Int> { send in
            var count = 0
            while true {  // endless unless cancelled
                try await send([0])
                count += 1
            }
            return count
        }
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        _ = try await iterator.next()
        await stream.cancel()
        await #expect(throws: CancellationError.self) { try await stream.outcome() }
        await #expect(throws: CancellationError.self) { _ = try await iterator.next() }
    }

    @Test func releasingTheIteratorCancelsTheProducer() async throws {
        let stream = ChunkStream<Int> { send in
            while true { try await send([0]) }
        }
        do {
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()
        }
        await #expect(throws: CancellationError.self) { try await stream.outcome() }
    }

    @Test func loadArchiveStreamMatchesThePushWriter() async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let bytes = try SaveArchiveBuilder(layers: ImageArchiveTests.layers).build(.legacy)
        let archive = try SavedImageArchive(path: try dir.write(bytes, to: "save.tar"))
        let flattened = try FlattenedImage(archive: archive, keepingLowest: 1, repoTags: ["a:b"], temporaryDirectory: dir.path)
        let pushed = Collector()
        let direct = try await flattened.writeLoadArchive(chunkSize: 600) { pushed.append($0) }
        let stream = flattened.loadArchiveStream(chunkSize: 600)
        var pulled: [UInt8] = []
        for try await chunk in stream { pulled += chunk }
        #expect(pulled == pushed.bytes)
        #expect(Int64(pulled.count) == (try flattened.loadArchiveSize()))
        #expect(try await stream.outcome() == direct)

        let layer = flattened.plan.layerStream(chunkSize: 512)
        var layerBytes: [UInt8] = []
        for try await chunk in layer { layerBytes += chunk }
        #expect(Int64(layerBytes.count) == flattened.plan.layerSize)
        #expect(try await layer.outcome().diffID == ImageConfig.digest(of: layerBytes))
    }
}
