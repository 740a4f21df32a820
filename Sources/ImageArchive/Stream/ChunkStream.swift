/// A push-style writer (one that calls a sink with each chunk, such as
/// ``FlattenedImage/writeLoadArchive(chunkSize:to:)``) read as a pull-style `AsyncSequence`.
///
/// Made for request bodies that iterate a sequence (an HTTP client uploading the load archive):
/// the producer runs in a task of its own, started by the first `next()`, and at most one chunk
/// is in flight — a chunk handed over, and the producer working on the next one, which it hands
/// over only when the consumer asks. So the consumer's pace holds the producer back, and memory
/// stays at two chunks.
///
/// Iterate it once. When the iteration ends, ``outcome()`` gives what the producer returned (or
/// throws what it threw). If the consumer stops early (its iterator is released, or its task is
/// cancelled), the producer is cancelled: its pending `send` throws `CancellationError`.
public final class ChunkStream<Outcome: Sendable>: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// Sends one chunk; returns once the consumer has taken it.
    public typealias Send = @Sendable ([UInt8]) async throws -> Void

    private let channel: ChunkChannel<Outcome>

    /// A stream of what `produce` sends.
    public init(_ produce: @escaping @Sendable (_ send: Send) async throws -> Outcome) {
        channel = ChunkChannel(produce: produce)
    }

    /// What the producer returned, once it has finished; throws its error, or
    /// `CancellationError` if the stream was abandoned.
    public func outcome() async throws -> Outcome {
        try await channel.outcome()
    }

    /// Stops the producer (the consumer's next `next()` throws `CancellationError`).
    public func cancel() async {
        await channel.cancel()
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: IteratorHandle(channel: channel))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: IteratorHandle

        public mutating func next() async throws -> [UInt8]? {
            try await handle.channel.next()
        }
    }

    /// Cancels the producer when the last copy of the iterator goes away before the end.
    final class IteratorHandle: Sendable {
        let channel: ChunkChannel<Outcome>
        init(channel: ChunkChannel<Outcome>) { self.channel = channel }
        deinit {
            let channel = self.channel
            Task { await channel.cancelIfUnfinished() }
        }
    }
}

/// The hand-over between one producer task and one consumer.
actor ChunkChannel<Outcome: Sendable> {
    private let produce: @Sendable (ChunkStream<Outcome>.Send) async throws -> Outcome
    private var producer: Task<Void, Never>?
    private var pending: [UInt8]?
    private var producerWaiting: CheckedContinuation<Void, any Error>?
    private var consumerWaiting: CheckedContinuation<[UInt8]?, any Error>?
    private var ended: Result<Outcome, any Error>?
    private var outcomeWaiting: [CheckedContinuation<Outcome, any Error>] = []
    private var cancelled = false

    init(produce: @escaping @Sendable (ChunkStream<Outcome>.Send) async throws -> Outcome) {
        self.produce = produce
    }

    private func startIfNeeded() {
        guard producer == nil, ended == nil, !cancelled else { return }
        let produce = self.produce
        producer = Task {
            let result: Result<Outcome, any Error>
            do {
                result = .success(try await produce { chunk in try await self.send(chunk) })
            } catch {
                result = .failure(error)
            }
            self.finish(result)
        }
    }

    func send(_ chunk: [UInt8]) async throws {
        if cancelled { throw CancellationError() }
        if let consumer = consumerWaiting {
            consumerWaiting = nil
            consumer.resume(returning: chunk)
            return
        }
        pending = chunk
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    producerWaiting = continuation
                }
            }
        } onCancel: {
            Task { await self.cancel() }
        }
    }

    func next() async throws -> [UInt8]? {
        startIfNeeded()
        if let chunk = pending {
            pending = nil
            producerWaiting?.resume()
            producerWaiting = nil
            return chunk
        }
        if let ended {
            _ = try ended.get()
            return nil
        }
        if cancelled { throw CancellationError() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    consumerWaiting = continuation
                }
            }
        } onCancel: {
            Task { await self.cancel() }
        }
    }

    private func finish(_ result: Result<Outcome, any Error>) {
        guard ended == nil else { return }
        ended = result
        if let consumer = consumerWaiting {
            consumerWaiting = nil
            switch result {
            case .success: consumer.resume(returning: nil)
            case .failure(let error): consumer.resume(throwing: error)
            }
        }
        for waiter in outcomeWaiting { waiter.resume(with: result) }
        outcomeWaiting = []
    }

    func outcome() async throws -> Outcome {
        if let ended { return try ended.get() }
        return try await withCheckedThrowingContinuation { outcomeWaiting.append($0) }
    }

    func cancel() {
        guard ended == nil else { return }
        cancelled = true
        producerWaiting?.resume(throwing: CancellationError())
        producerWaiting = nil
        consumerWaiting?.resume(throwing: CancellationError())
        consumerWaiting = nil
        pending = nil
        if let producer {
            producer.cancel()
        } else {
            // Never started: nothing will call finish.
            finish(.failure(CancellationError()))
        }
    }

    func cancelIfUnfinished() {
        if ended == nil { cancel() }
    }
}
