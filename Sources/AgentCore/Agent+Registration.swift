import CoordinatorHTTPClient
import DockerEngine
import FlattenProtocol
import Foundation
import Logging
import ServiceLifecycle

extension Agent {
    /// The agent's identity: registered once and kept in the state directory.
    ///
    /// - With no stored identity, registers with the enrollment token and stores the answer.
    /// - With a stored identity and an enrollment token, re-registers under the stored token,
    ///   which keeps the agent's ID and token and updates its labels, engine and capacity.
    /// - With a stored identity and no enrollment token, uses the identity as it is.
    ///
    /// Registering reports the engine as ``DockerClient/describe()`` reads it (product, image
    /// store, platform), which operators see in `flatctl agents`.
    ///
    /// Retries while the coordinator is unreachable; nil when a graceful shutdown came first.
    ///
    /// - Throws: ``AgentRegistrationError`` when the coordinator refuses (bad enrollment token,
    ///   name taken, protocol version not supported) or no token is available at all; the
    ///   engine's error when it answers but cannot describe itself.
    func establishIdentity(state: StateDirectory, engine: DockerClient) async throws -> AgentIdentity? {
        let stored = try state.loadIdentity()
        guard let enrollmentToken = configuration.enrollmentToken else {
            guard let stored else {
                throw AgentRegistrationError(
                    "this agent has not registered yet (no \(state.identityPath)): pass --enroll-token-file (or --enroll-token), or set FLATTEN_ENROLL_TOKEN_FILE (or FLATTEN_ENROLL_TOKEN), with the coordinator's enrollment token for the first start")
            }
            if stored.name != configuration.name {
                logger.warning("--name differs from the registered name; keeping the registered one (re-register with --enroll-token to change it)",
                               metadata: ["registered": "\(stored.name)", "asked": "\(configuration.name)"])
            }
            logger.info("using the stored identity", metadata: ["agent": "\(stored.name)", "agentId": "\(stored.agentId)"])
            return stored
        }
        guard let description = try await describeEngine(engine) else { return nil }
        let registration = Self.registration(
            name: configuration.name, labels: configuration.labels, capacity: configuration.concurrency,
            engine: description)
        let client = CoordinatorClient(endpoint: endpoint)
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
                    "engine": "\(description.product) \(registration.engineVersion)", "api": "\(registration.engineAPIVersion)",
                    "store": "\(description.imageStore)", "platform": "\(description.platform)",
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

    /// The engine's description, read once for the registration.
    ///
    /// Treated like connecting: an engine that stopped answering since it was connected is
    /// waited for with backoff (nil when a graceful shutdown came first); any other failure of
    /// `GET /info` means an engine the agent should not take jobs for, and is thrown.
    func describeEngine(_ engine: DockerClient) async throws -> EngineDescription? {
        var attempt = 0
        while !Task.isShuttingDownGracefully {
            do {
                return try await cancelWhenGracefulShutdown { try await engine.describe() }
            } catch let error as DockerEngineError where error.isUnreachable && !error.isPermissionDenied {
                let delay = configuration.backoff.delay(forAttempt: attempt)
                attempt += 1
                logger.warning("engine unreachable while reading its description; retrying", metadata: [
                    "engine": "\(configuration.dockerHost)", "error": "\(error)", "retryIn": "\(delay.roundedDescription)",
                ])
                guard await sleepUnlessShuttingDown(delay) else { return nil }
            } catch is CancellationError {
                return nil
            }
        }
        return nil
    }

    /// The registration an agent sends for its engine.
    static func registration(
        name: String, labels: [String: String], capacity: Int, engine: EngineDescription
    ) -> AgentRegistration {
        AgentRegistration(
            name: name,
            labels: labels,
            engineVersion: engine.version,
            engineAPIVersion: engine.apiVersion.description,
            capacity: capacity,
            engineProduct: engine.product.rawValue,
            imageStore: engine.imageStore.description,
            platform: engine.platform)
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
            return AgentRegistrationError("the coordinator at \(coordinator) rejected the enrollment token (401); check --enroll-token-file, --enroll-token, FLATTEN_ENROLL_TOKEN_FILE or FLATTEN_ENROLL_TOKEN")
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
