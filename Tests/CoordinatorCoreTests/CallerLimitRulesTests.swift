@testable import CoordinatorCore
import Foundation
import NIOCore
import Testing

@Suite("Caller limits: token buckets, caller keys, the limiter and the poll counter")
struct CallerLimitRulesTests {
    struct Thrown: Error {}

    /// `trySpend` outside `#expect`, which cannot call a mutating method.
    private func spend(_ bucket: inout TokenBucket, at now: ContinuousClock.Instant) -> Bool {
        bucket.trySpend(at: now)
    }

    let start = ContinuousClock.now

    @Test("a full bucket gives its burst, then refuses until a token refills")
    func bucketBurst() {
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 0.5, now: start)
        #expect(spend(&bucket, at: start))
        #expect(spend(&bucket, at: start))
        #expect(spend(&bucket, at: start))
        #expect(!spend(&bucket, at: start))
        #expect(!bucket.canSpend(at: start))
        // At 0.5 tokens per second the next whole token is 2 s away.
        #expect(bucket.timeUntilNextToken(at: start) == .seconds(2))
        #expect(bucket.timeUntilNextToken(at: start + .seconds(1.5)) == .seconds(0.5))
        #expect(!spend(&bucket, at: start + .seconds(1.9)))
        #expect(spend(&bucket, at: start + .seconds(2)))
        #expect(!spend(&bucket, at: start + .seconds(2)))
    }

    @Test("refills never go past the capacity; a full bucket reports itself full")
    func bucketCapacity() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 1, now: start)
        #expect(bucket.isFull(at: start))
        bucket.spend(at: start)
        #expect(!bucket.isFull(at: start))
        #expect(bucket.available(at: start + .seconds(100)) == 2)
        #expect(bucket.isFull(at: start + .seconds(1)))
        #expect(bucket.timeUntilNextToken(at: start) == .zero)
    }

    @Test("spend records a cost even when less than a token is left, and never goes below zero")
    func bucketSpendFloors() {
        var bucket = TokenBucket(capacity: 1, refillPerSecond: 1, now: start)
        bucket.spend(at: start)
        bucket.spend(at: start)
        #expect(bucket.tokens == 0)
        bucket.spend(at: start + .seconds(0.5))
        #expect(bucket.tokens == 0)
        #expect(bucket.timeUntilNextToken(at: start + .seconds(0.5)) == .seconds(1))
    }

    @Test("a time before the last update does not refill or move the bucket back")
    func bucketClockBackwards() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 1, now: start + .seconds(10))
        bucket.spend(at: start + .seconds(10))
        #expect(bucket.available(at: start) == 1)
        bucket.spend(at: start)
        #expect(bucket.updatedAt == start + .seconds(10))
        #expect(bucket.tokens == 0)
    }

    @Test("callers are keyed by IPv4 address, by IPv6 /64, and IPv4-mapped IPv6 as IPv4")
    func callerKeys() throws {
        #expect(CallerKey(address: try SocketAddress(ipAddress: "192.0.2.7", port: 40000))?.description == "192.0.2.7")
        let a = CallerKey(address: try SocketAddress(ipAddress: "2001:db8:aa:bb:1::1", port: 1))
        let b = CallerKey(address: try SocketAddress(ipAddress: "2001:db8:aa:bb:ffff::2", port: 2))
        let c = CallerKey(address: try SocketAddress(ipAddress: "2001:db8:aa:bc::1", port: 1))
        #expect(a?.description == "2001:db8:aa:bb::/64")
        #expect(a == b)
        #expect(a != c)
        #expect(CallerKey(address: try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1))?.description == "192.0.2.7")
        #expect(CallerKey(address: nil) == nil)
        #expect(CallerKey(address: try SocketAddress(unixDomainSocketPath: "/tmp/x.sock")) == nil)
    }

    @Test("behind a trusted proxy the caller is the last X-Forwarded-For address; otherwise the peer")
    func forwardedFor() throws {
        let proxy = try SocketAddress(ipAddress: "127.0.0.1", port: 50000)
        let stranger = try SocketAddress(ipAddress: "198.51.100.9", port: 50000)
        let trusted: Set<String> = ["127.0.0.1"]
        func client(_ peer: SocketAddress, _ header: String?, _ proxies: Set<String> = trusted) -> String? {
            CallerKey.clientAddress(peer: peer, forwardedFor: header, trustedProxies: proxies).flatMap(CallerKey.ipAddress(of:))
        }
        // The proxy appends the address it saw; what the client sent before it is not trusted.
        #expect(client(proxy, "10.9.9.9, 192.0.2.44") == "192.0.2.44")
        #expect(client(proxy, "2001:db8::5") == "2001:db8::5")
        #expect(client(proxy, nil) == "127.0.0.1")
        #expect(client(proxy, "not an address") == "127.0.0.1")
        #expect(client(stranger, "192.0.2.44") == "198.51.100.9")
        #expect(client(proxy, "192.0.2.44", []) == "127.0.0.1")
        #expect(CallerKey.ipAddress(of: try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 1)) == "127.0.0.1")
    }

    @Test("the limiter refuses a caller after its burst of failures, only that caller, and admits it again after a refill")
    func limiterFailures() {
        let limiter = CallerLimiter(burst: 3, refillPerSecond: 0.1)
        let guesser = CallerKey("10.0.0.1")
        let neighbour = CallerKey("10.0.0.2")
        for _ in 0..<3 {
            #expect(limiter.admit(guesser, now: start) == .admitted)
            limiter.recordFailure(guesser, now: start)
        }
        #expect(limiter.admit(guesser, now: start) == .refused(retryAfter: .seconds(10)))
        #expect(limiter.admit(neighbour, now: start) == .admitted)
        #expect(limiter.admit(guesser, now: start + .seconds(10)) == .admitted)
    }

    @Test("admitting never spends: valid callers are never tracked or slowed")
    func limiterAdmitsValidCallers() {
        let limiter = CallerLimiter(burst: 1, refillPerSecond: 0.001)
        let caller = CallerKey("10.0.0.1")
        for _ in 0..<1000 {
            #expect(limiter.admit(caller, now: start) == .admitted)
        }
        #expect(limiter.trackedCallers == 0)
    }

    @Test("each enrollment spends; past the burst enrollments are refused")
    func limiterEnrollments() {
        let limiter = CallerLimiter(burst: 2, refillPerSecond: 1)
        let caller = CallerKey("10.0.0.1")
        #expect(limiter.admitEnrollment(caller, now: start) == .admitted)
        #expect(limiter.admitEnrollment(caller, now: start) == .admitted)
        #expect(limiter.admitEnrollment(caller, now: start) == .refused(retryAfter: .seconds(1)))
        #expect(limiter.admit(caller, now: start) == .refused(retryAfter: .seconds(1)))
        #expect(limiter.admitEnrollment(caller, now: start + .seconds(1)) == .admitted)
    }

    @Test("the limiter keeps at most maxTrackedCallers buckets, forgetting full ones first")
    func limiterBounded() {
        let limiter = CallerLimiter(burst: 2, refillPerSecond: 1, maxTrackedCallers: 100)
        for index in 0..<1000 {
            limiter.recordFailure(CallerKey("10.0.\(index / 256).\(index % 256)"), now: start)
        }
        #expect(limiter.trackedCallers <= 100)
        // Later, those have refilled: a caller that spent its whole burst is kept while the
        // full buckets are forgotten to make room.
        let later = start + .seconds(10)
        let guesser = CallerKey("192.0.2.1")
        limiter.recordFailure(guesser, now: later)
        limiter.recordFailure(guesser, now: later)
        for index in 0..<99 {
            limiter.recordFailure(CallerKey("172.16.0.\(index)"), now: later)
        }
        #expect(limiter.trackedCallers <= 100)
        #expect(limiter.admit(guesser, now: later) == .refused(retryAfter: .seconds(1)))
    }

    @Test("the poll counter admits maxPerAgent polls per agent at once and frees them when they end")
    func pollCounter() async throws {
        let polls = LongPollLimiter(maxPerAgent: 2)
        let agent = UUID()
        let other = UUID()
        let inner = try await polls.withPoll(for: agent) {
            try await polls.withPoll(for: agent) {
                #expect(polls.openPolls(of: agent) == 2)
                #expect(await polls.withPoll(for: agent) { 3 } == nil)
                #expect(await polls.withPoll(for: other) { "other" } == "other")
                await #expect(throws: Thrown.self) { _ = try await polls.withPoll(for: other) { () throws -> Int in throw Thrown() } }
                #expect(polls.openPolls(of: other) == 0)
                return 2
            }
        }
        #expect(inner == 2)
        #expect(polls.openPolls(of: agent) == 0)
    }
}
