@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import NIOConcurrencyHelpers
import Testing

@Suite("Statement batching: when requests leave, pure")
struct StatementBatchQueueTests {
    @Test("a free slot sends the first request at once; later ones wait and leave together")
    func oneSlot() {
        var queue = StatementBatchQueue<Int>(maxBatch: 10, maxInFlight: 1)
        #expect(queue.enqueue(1) == .startFlusher)
        #expect(queue.nextBatch() == [1])
        #expect(queue.enqueue(2) == .queued)
        #expect(queue.enqueue(3) == .queued)
        #expect(queue.nextBatch() == [2, 3])
        #expect(queue.nextBatch() == nil)
        #expect(queue.inFlight == 0)
        // The slot is free again: the next request goes at once.
        #expect(queue.enqueue(4) == .startFlusher)
    }

    @Test("batches keep to maxBatch, oldest first")
    func batchLimit() {
        var queue = StatementBatchQueue<Int>(maxBatch: 2, maxInFlight: 1)
        #expect(queue.enqueue(1) == .startFlusher)
        for value in 2...5 { #expect(queue.enqueue(value) == .queued) }
        #expect(queue.nextBatch() == [1, 2])
        #expect(queue.nextBatch() == [3, 4])
        #expect(queue.nextBatch() == [5])
        #expect(queue.nextBatch() == nil)
    }

    @Test("up to maxInFlight flushers run; each ends when nothing waits")
    func severalSlots() {
        var queue = StatementBatchQueue<Int>(maxBatch: 10, maxInFlight: 2)
        #expect(queue.enqueue(1) == .startFlusher)
        #expect(queue.enqueue(2) == .startFlusher)
        #expect(queue.enqueue(3) == .queued)
        #expect(queue.inFlight == 2)
        #expect(queue.nextBatch() == [1, 2, 3])
        #expect(queue.nextBatch() == nil)
        #expect(queue.inFlight == 1)
        #expect(queue.nextBatch() == nil)
        #expect(queue.inFlight == 0)
    }
}

@Suite("Statement batching: the batcher")
struct StatementBatcherTests {
    /// A run that holds its first batch until released, recording every batch it was given.
    final class GatedRun: Sendable {
        let batches = NIOLockedValueBox<[[Int]]>([])
        let firstStarted = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()

        func run(_ requests: [Int]) async throws -> [String] {
            let isFirst = batches.withLockedValue { batches in
                batches.append(requests)
                return batches.count == 1
            }
            if isFirst {
                firstStarted.continuation.yield()
                for await _ in release.stream { break }
            }
            if requests.contains(-1) { throw BatchTestError() }
            return requests.map { "answer \($0)" }
        }
    }

    struct BatchTestError: Error {}

    @Test("requests that arrive while a statement runs share the next one, and each gets its own answer")
    func requestsShareTheNextStatement() async throws {
        let gated = GatedRun()
        let batcher = StatementBatcher<Int, String>(maxBatch: 10, maxInFlight: 1) { try await gated.run($0) }
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            group.addTask { (1, try await batcher.submit(1)) }
            for await _ in gated.firstStarted.stream { break }
            for value in 2...4 { group.addTask { (value, try await batcher.submit(value)) } }
            // Let the three queue up behind the running statement before releasing it.
            try await waitUntil { batcher.waitingCount == 3 }
            gated.release.continuation.yield()
            var answers: [Int: String] = [:]
            for try await (value, answer) in group { answers[value] = answer }
            #expect(answers == [1: "answer 1", 2: "answer 2", 3: "answer 3", 4: "answer 4"])
        }
        let batches = gated.batches.withLockedValue { $0 }
        #expect(batches.count == 2)
        #expect(batches.first == [1])
        #expect(batches.last.map { Set($0) } == [2, 3, 4])
    }

    @Test("a failed statement fails every request of its batch, and only those")
    func failureReachesTheWholeBatch() async throws {
        let gated = GatedRun()
        let batcher = StatementBatcher<Int, String>(maxBatch: 10, maxInFlight: 1) { try await gated.run($0) }
        async let first = batcher.submit(1)
        for await _ in gated.firstStarted.stream { break }
        async let poisoned = outcome { try await batcher.submit(-1) }
        async let neighbour = outcome { try await batcher.submit(2) }
        try await waitUntil { batcher.waitingCount == 2 }
        gated.release.continuation.yield()
        #expect(try await first == "answer 1")
        let poisonedResult = await poisoned
        let neighbourResult = await neighbour
        #expect(throws: BatchTestError.self) { try poisonedResult.get() }
        #expect(throws: BatchTestError.self) { try neighbourResult.get() }
        // The batcher still works afterwards.
        #expect(try await batcher.submit(3) == "answer 3")
    }

    @Test("a statement that answers for the wrong number of requests fails them instead of pairing wrongly")
    func countMismatchIsAnError() async throws {
        let batcher = StatementBatcher<Int, String>(maxBatch: 10, maxInFlight: 1) { _ in ["one", "two"] }
        await #expect(throws: BatchMismatch.self) { try await batcher.submit(1) }
    }
}

private func outcome(_ body: () async throws -> String) async -> Result<String, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

@Suite("Statement batching: batched claims and completions in PostgreSQL")
struct BatchedLeaseStatementTests {
    @Test("one statement claims for several agents; an agent asking twice gets its two best jobs in order")
    func batchedClaims() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let b = try await fleet.api.register("b")
            let c = try await fleet.api.register("c")
            let low = try await fleet.api.submit(.to(.host("a"), priority: 0)).jobs[0].id
            let high = try await fleet.api.submit(.to(.host("a"), priority: 5)).jobs[0].id
            _ = try await fleet.api.submit(.to(.host("a"), priority: 0))
            let forB = try await fleet.api.submit(.to(.host("b"))).jobs[0].id
            let requests = [
                ClaimRequest(agent: a.id, leaseTokenHash: "lease-a1"),
                ClaimRequest(agent: b.id, leaseTokenHash: "lease-b1"),
                ClaimRequest(agent: c.id, leaseTokenHash: "lease-c1"),
                ClaimRequest(agent: a.id, leaseTokenHash: "lease-a2"),
                ClaimRequest(agent: b.id, leaseTokenHash: "lease-b2"),
            ]
            let claimed = try await fleet.coordinator.jobs.claim(requests, leaseDuration: .seconds(60))
            #expect(claimed.map { $0?.job.id } == [high, forB, nil, low, nil])
            // Each job went to the request whose lease it now holds.
            let rows = try await fleet.coordinator.client.query("""
                SELECT id, lease_token_hash, state, attempt FROM jobs WHERE state = 'running' ORDER BY lease_token_hash
                """)
            let leases = try rows.map { (try $0.decode(UUID.self, column: "id"), try $0.decode(String.self, column: "lease_token_hash")) }
            #expect(leases.map(\.0) == [high, low, forB])
            #expect(leases.map(\.1) == ["lease-a1", "lease-a2", "lease-b1"])
            #expect(try rows.allSatisfy { try $0.decode(Int.self, column: "attempt") == 1 })
            // The rendered job is the stored one.
            let first = try #require(claimed[0])
            #expect(try JSONDecoder.flattenProtocol.decode(Job.self, from: Data(first.job.json.utf8)) == (try await fleet.api.job(high)))
        }
    }

    @Test("one statement completes several jobs; each request is judged on its own lease")
    func batchedCompletions() async throws {
        try await TestFleet.run { fleet in
            let a = try await fleet.api.register("a")
            let b = try await fleet.api.register("b")
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try await fleet.api.submit(.to(.host("b")))
            let first = try #require(try await fleet.api.claim(a))
            let second = try #require(try await fleet.api.claim(a))
            let other = try #require(try await fleet.api.claim(b))
            let result = FlattenResult.sample(saved: 4242)
            let requests = [
                CompletionRequest(job: first.job.id, agent: a.id, leaseTokenHash: SecretToken.hash(of: first.leaseToken), outcome: .succeeded(result)),
                // The same delivery twice in one batch: stored once, the repeat answered as such.
                CompletionRequest(job: first.job.id, agent: a.id, leaseTokenHash: SecretToken.hash(of: first.leaseToken), outcome: .succeeded(result)),
                CompletionRequest(job: second.job.id, agent: a.id, leaseTokenHash: SecretToken.hash(of: "not-the-lease"), outcome: .skipped(reason: "absent")),
                CompletionRequest(job: other.job.id, agent: a.id, leaseTokenHash: SecretToken.hash(of: other.leaseToken), outcome: .skipped(reason: "absent")),
                CompletionRequest(job: UUID(), agent: a.id, leaseTokenHash: "x", outcome: .skipped(reason: "absent")),
                CompletionRequest(job: other.job.id, agent: b.id, leaseTokenHash: SecretToken.hash(of: other.leaseToken), outcome: .skipped(reason: "image absent")),
            ]
            let outcomes = try await fleet.coordinator.jobs.complete(requests)
            #expect(outcomes.count == requests.count)
            let kinds = outcomes.map { outcome -> String in
                switch outcome {
                case .applied: "applied"
                case .repeated: "repeated"
                case .noSuchJob: "noSuchJob"
                case .notYourJob: "notYourJob"
                case .staleLease: "staleLease"
                }
            }
            #expect(kinds.filter { $0 == "applied" }.count == 2)
            #expect(Set([kinds[0], kinds[1]]) == ["applied", "repeated"])
            #expect(Array(kinds[2...]) == ["staleLease", "notYourJob", "noSuchJob", "applied"])
            let done = try await fleet.api.job(first.job.id)
            #expect(done.state == .succeeded)
            #expect(done.result == result)
            #expect(try await fleet.api.job(second.job.id).state == .running)
            let skipped = try await fleet.api.job(other.job.id)
            #expect(skipped.state == .skipped)
            #expect(skipped.skipReason == "image absent")
            if case .applied(let rendered) = outcomes[5] {
                #expect(try JSONDecoder.flattenProtocol.decode(Job.self, from: Data(rendered.json.utf8)) == skipped)
            }
            // One event per stored outcome, none for the refused ones.
            let events = try await fleet.coordinator.client.query(
                "SELECT count(*) AS n FROM job_events WHERE kind IN ('succeeded', 'skipped')")
            #expect(try events[0].decode(Int.self, column: "n") == 2)
        }
    }
}
