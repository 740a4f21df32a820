import DockerEngine
import FlattenProtocol
import Foundation
import Logging

extension Agent {
    /// The agent's identity: registered once and kept in the state directory.
    ///
    /// - With no stored identity, registers with the enrollment token and stores the answer.
    /// - With a stored identity and an enrollment token, re-registers under the stored token,
    ///   which keeps the agent's ID and token and updates its labels, engine and capacity.
    /// - With a stored identity and no enrollment token, uses the identity as it is.
    ///
    /// Retries while the coordinator is unreachable; nil when a graceful shutdown came first.
    ///
    /// - Throws: ``AgentRegistrationError`` when the coordinator refuses (bad enrollment token,
    ///   name taken, protocol version not supported) or no token is available at all.
    func establishIdentity(state: StateDirectory, engine: DockerClient) async throws -> AgentIdentity? {
        let stored = try state.loadIdentity()
        guard let enrollmentToken = configuration.enrollmentToken else {
            guard let stored else {
                throw AgentRegistrationError(
                    "this agent has not registered yet (no \(state.identityPath)): pass --enroll-token or set FLATTEN_ENROLL_TOKEN to the coordinator's enrollment token for the first start")
            }
            if stored.name != configuration.name {
                logger.warning("--name differs from the registered name; keeping the registered one (re-register with --enroll-token to change it)",
                               metadata: ["registered": "\(stored.name)", "asked": "\(configuration.name)"])
            }
            logger.info("using the stored identity", metadata: ["agent": "\(stored.name)", "agentId": "\(stored.agentId)"])
            return stored
        }
        let registration = AgentRegistration(
            name: configuration.name,
            labels: configuration.labels,
            engineVersion: engine.engineVersion.version,
            engineAPIVersion: engine.apiVersion.description,
            capacity: configuration.concurrency)
        let client = CoordinatorClient(
            baseURL: configuration.coordinatorURL, requestTimeout: configuration.requestTimeout, httpClient: httpClient)
        var attempt = 0
        while !Task.isShuttingDownGracefully {
            do {
                let presented = stored.flatMap { $0.name == configuration.name ? $0.agentToken : nil }
                let (response, created) = try await client.register(
                    registration, enrollmentToken: enrollmentToken, agentToken: presented)
                let identity = AgentIdentity(
                    agentId: response.agentId, agentToken: response.agentToken, name: configuration.name,
                    coordinatorURL: client.baseURL, registeredAt: Date())
                try state.saveIdentity(identity)
                logger.info(created ? "registered" : "registration updated", metadata: [
                    "agent": "\(identity.name)", "agentId": "\(identity.agentId)",
                    "labels": "\(configuration.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                    "engine": "\(registration.engineVersion)", "api": "\(registration.engineAPIVersion)",
                    "capacity": "\(registration.capacity)",
                ])
                return identity
            } catch let error as CoordinatorError where !error.isTransient {
                throw AgentRegistrationError.refused(error, coordinator: client.baseURL, name: configuration.name)
            } catch let error as CoordinatorError {
                let delay = configuration.backoff.delay(forAttempt: attempt)
                attempt += 1
                logger.warning("registration failed; retrying", metadata: [
                    "error": "\(error)", "retryIn": "\(delay.roundedDescription)",
                ])
                guard await sleepUnlessShuttingDown(delay) else { return nil }
            }
        }
        return nil
    }
}

/// Why the agent cannot register; the description says what to do.
public struct AgentRegistrationError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func refused(_ error: CoordinatorError, coordinator: String, name: String) -> AgentRegistrationError {
        let message = error.code.map { _ in error.description } ?? error.description
        switch error.httpStatus {
        case 401:
            return AgentRegistrationError("the coordinator at \(coordinator) rejected the enrollment token (401); check --enroll-token or FLATTEN_ENROLL_TOKEN")
        case 403:
            return AgentRegistrationError("the coordinator at \(coordinator) refused the registration (403): \(message)")
        case 409:
            return AgentRegistrationError("the name \(String(reflecting: name)) is registered to another agent at \(coordinator); choose another --name, or restore that agent's state directory")
        case 426:
            return AgentRegistrationError("the coordinator at \(coordinator) does not speak this agent's protocol version \(FlattenProtocolVersion.current); upgrade the coordinator or the agent so they match (\(message))")
        case 400 where error.code == .unsupportedProtocolVersion:
            return AgentRegistrationError("the coordinator at \(coordinator) does not speak this agent's protocol version \(FlattenProtocolVersion.current); upgrade the coordinator or the agent so they match (\(message))")
        default:
            return AgentRegistrationError("registration with the coordinator at \(coordinator) failed: \(message)")
        }
    }
}
