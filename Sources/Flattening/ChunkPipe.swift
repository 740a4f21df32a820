import NIOCore

/// A bounded hand-off of byte chunks from one producing task to one consuming task: the
/// merge writes the flattened layer into it while the engine's upload reads from it. Flattens
/// use it through ``handOff(capacity:into:from:)``, which runs both sides.
///
/// `send` suspends while `capacity` chunks wait, so a slow engine holds the merge back and
/// memory stays at a few chunks. The producer ends the stream with ``finish(throwing:)``; a
/// consumer that stops early (the upload failed) should ``close(_:)`` it so that a blocked
/// producer wakes with that error. Cancelling either waiting task also wakes it.
struct ChunkPipe: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private let state: State

    init(capacity: Int = 4) {
        precondition(capacity >= 1)
        state = State(capacity: capacity)
    }

    /// Hands `chunk` to the consumer, waiting while the pipe is full.
    func send(_ chunk: ByteBuffer) async throws {
        try await state.send(chunk)
    }

    /// Ends the stream: the consumer sees the end (or `error`) after the buffered chunks.
    func finish(throwing error: (any Error)? = nil) async {
        await state.finish(error)
    }

    /// Stops the stream from the consumer's side: pending and later `send`s fail with `error`.
    func close(_ error: any Error) async {
        await state.close(error)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let state: State

        mutating func next() async throws -> ByteBuffer? {
            try await state.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(state: state)
    }

    /// The pipe's shared state; an actor so that both sides may wait on it.
    actor State {
        private let capacity: Int
        private var buffer: [ByteBuffer] = []
        private var bufferStart = 0
        private var waitingConsumer: CheckedContinuation<ByteBuffer?, any Error>?
        private var waitingProducer: CheckedContinuation<Void, any Error>?
        private var end: Result<Void, any Error>?
        private var closedError: (any Error)?

        init(capacity: Int) {
            self.capacity = capacity
        }

        private var bufferedCount: Int { buffer.count - bufferStart }

        func send(_ chunk: ByteBuffer) async throws {
            if let closedError { throw closedError }
            if let consumer = waitingConsumer {
                waitingConsumer = nil
                consumer.resume(returning: chunk)
                return
            }
            buffer.append(chunk)
            guard bufferedCount >= capacity else { return }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    if let closedError {
                        continuation.resume(throwing: closedError)
                    } else if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waitingProducer = continuation
                    }
                }
            } onCancel: {
                Task { await self.wakeProducer(throwing: CancellationError()) }
            }
        }

        func next() async throws -> ByteBuffer? {
            if bufferedCount > 0 {
                let chunk = buffer[bufferStart]
                bufferStart += 1
                if bufferStart == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    bufferStart = 0
                }
                if let producer = waitingProducer {
                    waitingProducer = nil
                    producer.resume()
                }
                return chunk
            }
            if let end {
                switch end {
                case .success: return nil
                case .failure(let error): throw error
                }
            }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waitingConsumer = continuation
                    }
                }
            } onCancel: {
                Task { await self.wakeConsumer(throwing: CancellationError()) }
            }
        }

        func finish(_ error: (any Error)?) {
            guard end == nil else { return }
            end = error.map { .failure($0) } ?? .success(())
            if let consumer = waitingConsumer {
                waitingConsumer = nil
                if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
            }
        }

        func close(_ error: any Error) {
            closedError = closedError ?? error
            buffer.removeAll()
            bufferStart = 0
            wakeProducer(throwing: error)
        }

        private func wakeProducer(throwing error: any Error) {
            if let producer = waitingProducer {
                waitingProducer = nil
                producer.resume(throwing: error)
            }
        }

        private func wakeConsumer(throwing error: any Error) {
            if let consumer = waitingConsumer {
                waitingConsumer = nil
                consumer.resume(throwing: error)
            }
        }
    }
}
