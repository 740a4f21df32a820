import NIOCore

extension ChunkPipe {
    /// The one hand-off of a stream between the task that writes it and the engine call that
    /// uploads it: `produce` sends chunks into a pipe of `capacity` chunks while `consume` reads
    /// the pipe as its body, so memory stays flat whatever the size and a slow engine holds the
    /// writer back.
    ///
    /// A failure on either side stops the other: the consumer's closes the pipe (a producer
    /// blocked in `send` wakes with that error), the producer's ends the stream with its error;
    /// the first failure is thrown and the other side is cancelled. The stream ends only when
    /// `produce` returns, so what it does after its last chunk (recording an image ID known
    /// before the engine answers) happens before the engine can see the end.
    ///
    /// - Returns: what the engine call answered and what the producer returned.
    static func handOff<Answer: Sendable, Written: Sendable>(
        capacity: Int,
        into consume: @escaping @Sendable (ChunkPipe) async throws -> Answer,
        from produce: @escaping @Sendable (_ send: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> Written
    ) async throws -> (answer: Answer, written: Written) {
        let pipe = ChunkPipe(capacity: capacity)
        return try await withThrowingTaskGroup(of: HandOffSide<Answer, Written>.self) { group in
            group.addTask {
                do {
                    return .answer(try await consume(pipe))
                } catch {
                    await pipe.close(error)
                    throw error
                }
            }
            group.addTask {
                do {
                    let written = try await produce { chunk in try await pipe.send(ByteBuffer(bytes: chunk)) }
                    await pipe.finish()
                    return .written(written)
                } catch {
                    await pipe.finish(throwing: error)
                    throw error
                }
            }
            var answer: Answer?
            var written: Written?
            for try await side in group {
                switch side {
                case .answer(let value): answer = value
                case .written(let value): written = value
                }
            }
            return (answer!, written!)
        }
    }
}

/// What one side of a ``ChunkPipe/handOff(capacity:into:from:)`` returned.
private enum HandOffSide<Answer: Sendable, Written: Sendable>: Sendable {
    case answer(Answer)
    case written(Written)
}
