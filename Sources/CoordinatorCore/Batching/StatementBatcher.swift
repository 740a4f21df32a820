import NIOConcurrencyHelpers

/// Runs concurrent callers' requests of one kind as batches: one statement, one round trip and
/// one commit for many agents.
///
/// Claims and completions are the coordinator's hot path, and most of PostgreSQL's cost for
/// them is per statement rather than per row: pgbench measured five agents' claims and
/// completions in one statement each at half the database CPU per job of one statement per
/// agent. Batching also saves the coordinator a hop onto a libpq thread per request.
///
/// When requests are sent follows ``StatementBatchQueue``: never later than without batching
/// while a slot is free. The batch runs in a task of its own, so a caller whose task is
/// canceled does not cancel the statement its neighbours share.
final class StatementBatcher<Request: Sendable, Response: Sendable>: Sendable {
    /// Runs one batch; answers one response per request, in the requests' order.
    typealias Run = @Sendable ([Request]) async throws -> [Response]

    private typealias Waiter = (request: Request, continuation: CheckedContinuation<Response, any Error>)

    private let queue: NIOLockedValueBox<StatementBatchQueue<Waiter>>
    private let run: Run

    init(maxBatch: Int, maxInFlight: Int, run: @escaping Run) {
        self.queue = NIOLockedValueBox(StatementBatchQueue(maxBatch: maxBatch, maxInFlight: maxInFlight))
        self.run = run
    }

    /// How many requests wait for the next statement (for tests and diagnostics).
    var waitingCount: Int {
        queue.withLockedValue { $0.pending.count }
    }

    /// Sends `request` with the next batch and returns its response.
    func submit(_ request: Request) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let action = queue.withLockedValue { $0.enqueue((request, continuation)) }
            if action == .startFlusher {
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while let batch = queue.withLockedValue({ $0.nextBatch() }) {
            do {
                let responses = try await run(batch.map(\.request))
                guard responses.count == batch.count else {
                    throw BatchMismatch(requests: batch.count, responses: responses.count)
                }
                for (waiter, response) in zip(batch, responses) {
                    waiter.continuation.resume(returning: response)
                }
            } catch {
                for waiter in batch {
                    waiter.continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// A batch's statement answered for a different number of requests than it was given: a bug
/// in the statement, reported to every caller of the batch rather than pairing answers wrongly.
struct BatchMismatch: Error, CustomStringConvertible {
    var requests: Int
    var responses: Int

    var description: String {
        "internal error: a batch of \(requests) requests got \(responses) responses"
    }
}
