import ServiceLifecycle

/// Runs `tick` every `interval` until graceful shutdown or cancellation; errors are handed to
/// `onError` and the loop goes on (a database outage must not stop the reaper for good).
func runPeriodically(
    every interval: Duration,
    onError: @escaping @Sendable (any Error) -> Void,
    _ tick: @escaping @Sendable () async throws -> Void
) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch let error where !Task.isCancelled {
                onError(error)
            } catch {
                return
            }
            try? await Task.sleep(for: interval)
        }
    }
}
