import Testing

@testable import AgentCore

@Suite("Job slots (how many jobs run at once)")
struct JobSlotsTests {
    @Test("a slot is taken at once while free, and a waiter gets the next one released")
    func handOver() async throws {
        let slots = JobSlots(count: 2)
        #expect(await slots.acquire())
        #expect(await slots.acquire())
        let waiter = Task { await slots.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        await slots.release()
        #expect(await waiter.value)
    }

    @Test("a waiting claim loop gives up when cancelled, and the slot count stays right")
    func cancelledWaiter() async throws {
        let slots = JobSlots(count: 1)
        #expect(await slots.acquire())
        let waiter = Task { await slots.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await waiter.value == false)
        await slots.release()
        // The cancelled waiter did not swallow the released slot.
        #expect(await slots.acquire())
    }
}
