/// A counting semaphore for the jobs an agent runs at once.
///
/// ``acquire()`` waits for a free slot and gives up (returning false) when its task is
/// cancelled, so a claim loop waiting for a slot stops at once on shutdown.
actor JobSlots {
    private var free: Int
    private var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterID = 0

    init(count: Int) {
        precondition(count >= 1, "an agent runs at least one job at a time")
        free = count
    }

    /// Takes a slot, waiting for one; false when the task was cancelled first.
    func acquire() async -> Bool {
        if Task.isCancelled { return false }
        if free > 0 {
            free -= 1
            return true
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a slot back, handing it to the longest waiter if there is one.
    func release() {
        if waiters.isEmpty {
            free += 1
        } else {
            waiters.removeFirst().continuation.resume(returning: true)
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
