import NIOCore
import Testing
@testable import Flattening

@Suite("the chunk pipe between the merge and the upload")
struct ChunkPipeTests {
    @Test("chunks arrive in order and the end is seen")
    func order() async throws {
        let pipe = ChunkPipe(capacity: 2)
        async let received: [Int] = {
            var values: [Int] = []
            for try await chunk in pipe { values.append(Int(chunk.getInteger(at: chunk.readerIndex, as: UInt32.self)!)) }
            return values
        }()
        for value in 0..<50 {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt32(value))
            try await pipe.send(buffer)
        }
        await pipe.finish()
        #expect(try await received == Array(0..<50))
    }

    @Test("a full pipe holds the producer back until the consumer reads")
    func backpressure() async throws {
        let pipe = ChunkPipe(capacity: 2)
        let sent = Counter()
        let producer = Task {
            for _ in 0..<10 {
                try await pipe.send(ByteBuffer(bytes: [1]))
                await sent.increment()
            }
            await pipe.finish()
        }
        try await Task.sleep(for: .milliseconds(100))
        // Two chunks fit; the producer waits inside the second send's suspension point.
        #expect(await sent.value <= 2)
        var count = 0
        for try await _ in pipe { count += 1 }
        try await producer.value
        #expect(count == 10)
    }

    @Test("a consumer that stops wakes a blocked producer with its error")
    func closeWakesProducer() async throws {
        struct UploadFailed: Error {}
        let pipe = ChunkPipe(capacity: 1)
        let producer = Task {
            for _ in 0..<10 { try await pipe.send(ByteBuffer(bytes: [1])) }
        }
        try await Task.sleep(for: .milliseconds(50))
        await pipe.close(UploadFailed())
        await #expect(throws: UploadFailed.self) { try await producer.value }
    }

    @Test("a producer failure reaches the consumer")
    func producerFailure() async throws {
        struct MergeFailed: Error {}
        let pipe = ChunkPipe()
        try await pipe.send(ByteBuffer(bytes: [1]))
        await pipe.finish(throwing: MergeFailed())
        var iterator = pipe.makeAsyncIterator()
        #expect(try await iterator.next() != nil)
        await #expect(throws: MergeFailed.self) { _ = try await iterator.next() }
    }
}

@Suite("the one hand-off of a stream to an engine call")
struct HandOffTests {
    @Test("what the producer sent reaches the consumer in order; both results come back")
    func bothSides() async throws {
        let (answer, written) = try await ChunkPipe.handOff(capacity: 2, into: { pipe in
            var bytes: [UInt8] = []
            for try await chunk in pipe { bytes += chunk.readableBytesView }
            return bytes
        }, from: { send in
            for value in 0..<100 { try await send([UInt8(value)]) }
            return 100
        })
        #expect(answer == (0..<100).map { UInt8($0) })
        #expect(written == 100)
    }

    @Test("a consumer that fails stops the producer, and its error is thrown")
    func consumerFailure() async throws {
        struct UploadFailed: Error {}
        await #expect(throws: UploadFailed.self) {
            _ = try await ChunkPipe.handOff(capacity: 1, into: { pipe -> Int in
                var iterator = pipe.makeAsyncIterator()
                _ = try await iterator.next()
                throw UploadFailed()
            }, from: { send in
                // Endless: only the consumer's failure can end it.
                while true { try await send([1]) }
            })
        }
    }

    @Test("a producer that fails ends the stream with its error, which is thrown")
    func producerFailure() async throws {
        struct MergeFailed: Error {}
        await #expect(throws: MergeFailed.self) {
            _ = try await ChunkPipe.handOff(capacity: 2, into: { pipe -> Int in
                var count = 0
                for try await _ in pipe { count += 1 }
                return count
            }, from: { send -> Int in
                try await send([1])
                throw MergeFailed()
            })
        }
    }
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
