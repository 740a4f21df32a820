import DockerEngine
import Foundation

/// Whether the engine answers now.
public enum EngineStatus: Sendable, Hashable {
    case available
    /// It did not; the engine client's words.
    case unavailable(String)
}

/// The agent's look at its engine before each claim: a `GET /_ping` through the agent's
/// ``DockerClient``, given up after ``timeout`` (an engine that hangs is as useless as one
/// that is gone).
struct EngineHealth: Sendable {
    let engine: DockerClient
    let timeout: Duration

    init(engine: DockerClient, timeout: Duration = .seconds(10)) {
        self.engine = engine
        self.timeout = timeout
    }

    func check() async -> EngineStatus {
        let timeout = self.timeout
        return await withTaskGroup(of: EngineStatus?.self) { group in
            group.addTask {
                do {
                    try await engine.ping()
                    return .available
                } catch is CancellationError {
                    return nil
                } catch {
                    return .unavailable("\(error)")
                }
            }
            group.addTask {
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                return .unavailable("the Docker engine at \(engine.host) did not answer /_ping within \(timeout.roundedDescription)")
            }
            var status: EngineStatus?
            while status == nil, let next = await group.next() {
                status = next
            }
            group.cancelAll()
            // Only cancellation leaves no answer; the caller stops then anyway.
            return status ?? .available
        }
    }
}
