/// The bookkeeping of a ``StatementBatcher``, as a pure value: which requests wait, and how many
/// statements are running.
///
/// A request never waits for a batch to fill. While fewer than `maxInFlight` statements run, the
/// caller that enqueues starts a new one at once (alone, if nothing else waits); requests that
/// arrive while every slot is busy queue up and leave together, up to `maxBatch` at a time, with
/// the next statement a finishing one starts. A quiet coordinator thus answers as fast as one
/// without batching, and a busy one runs fewer, larger statements.
struct StatementBatchQueue<Element> {
    /// The most requests one statement carries.
    let maxBatch: Int
    /// The most statements running at once (each holds a database connection).
    let maxInFlight: Int
    private(set) var pending: [Element] = []
    private(set) var inFlight = 0

    init(maxBatch: Int, maxInFlight: Int) {
        precondition(maxBatch >= 1 && maxInFlight >= 1, "a batch queue needs room for one request and one statement")
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
    }

    /// What the caller that enqueued must do.
    enum EnqueueAction: Equatable {
        /// A slot was free and is now the caller's: it must start a flusher, which takes batches
        /// with ``nextBatch()`` until that returns nil.
        case startFlusher
        /// Every slot is busy; a running flusher takes the request with its next batch.
        case queued
    }

    mutating func enqueue(_ element: Element) -> EnqueueAction {
        pending.append(element)
        guard inFlight < maxInFlight else { return .queued }
        inFlight += 1
        return .startFlusher
    }

    /// For a flusher: the next batch to run, oldest requests first; nil when none wait, which
    /// ends that flusher and frees its slot.
    mutating func nextBatch() -> [Element]? {
        guard !pending.isEmpty else {
            inFlight -= 1
            return nil
        }
        let count = min(maxBatch, pending.count)
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        return batch
    }
}

extension StatementBatchQueue: Sendable where Element: Sendable {}
