import CoordinatorHTTPClient
import DockerEngine
import FlattenProtocol
import FlattenSecurity
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The agent daemon: registers with the coordinator, long-polls for jobs bound to it, runs up
/// to ``AgentConfiguration/concurrency`` flattens at once with heartbeats, and delivers every
/// result until the coordinator acknowledges it.
///
/// As a `Service` in a `ServiceGroup` with SIGTERM/SIGINT as graceful shutdown signals:
/// the first signal stops claiming while running jobs finish, keep heartbeating and get their
/// results delivered, then ``run()`` returns. A second signal cancels the running flattens
/// (each removes what it made and is reported as a retryable failure) and ``run()`` returns
/// after one last attempt to deliver each report; undelivered reports stay in the state
/// directory for the next start.
public final class Agent: Service {
    public let configuration: AgentConfiguration
    let logger: Logger
    /// The coordinator, with an HTTP client of the agent's own, shut down when ``run()`` ends.
    let endpoint: CoordinatorEndpoint

    /// - Parameters:
    ///   - logger: the agent's log (jobs log with a `job` metadata key).
    public init(configuration: AgentConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.endpoint = CoordinatorEndpoint(
            baseURL: configuration.coordinatorURL, certificateAuthority: configuration.certificateAuthority,
            userAgent: "flatten-agent/\(FlattenProtocolVersion.current)", requestTimeout: configuration.requestTimeout)
    }

    public func run() async throws {
        do {
            try await runAgent()
        } catch {
            await endpoint.shutdown()
            throw error
        }
        await endpoint.shutdown()
    }

    private func runAgent() async throws {
        try configuration.validate()
        if let warning = PlaintextTokenWarning(url: configuration.coordinatorURL) {
            logger.warning("\(warning.message)")
        }
        let state = try StateDirectory(path: configuration.stateDirectory, logger: logger)
        let workDirectory = try prepareWorkDirectory(state)
        guard let engine = try await connectEngine() else {
            logger.info("stopped before the engine was reachable")
            return
        }
        do {
            if let identity = try await establishIdentity(state: state, engine: engine) {
                let client = CoordinatorClient(endpoint: endpoint, agentToken: identity.agentToken)
                let flattener = AgentFlattener(engine: engine, workDirectory: workDirectory, mergeMemoryBudget: configuration.mergeMemoryBudget, logger: logger)
                let monitor = EngineMonitor(
                    health: EngineHealth(engine: engine), client: client, backoff: configuration.backoff, logger: logger)
                let context = RunContext(
                    client: client, state: state, flattener: flattener, name: identity.name,
                    slots: JobSlots(count: configuration.concurrency), engine: monitor)
                await runUntilStopped(context)
            } else {
                logger.info("stopped before registering")
            }
        } catch {
            try? await engine.shutdown()
            throw error
        }
        try? await engine.shutdown()
        logger.info("stopped")
    }

    /// What the loops of one run share.
    struct RunContext: Sendable {
        let client: CoordinatorClient
        let state: StateDirectory
        let flattener: AgentFlattener
        let name: String
        let slots: JobSlots
        /// Checked before every claim: no claims while the engine does not answer.
        let engine: EngineMonitor
    }

    // MARK: Setup

    /// The work directory, created when it is the default one inside the state directory, and
    /// cleared of spool directories a killed run left there.
    func prepareWorkDirectory(_ state: StateDirectory) throws -> String {
        guard let explicit = configuration.workDirectory else {
            let path = state.defaultWorkPath
            try? FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The default directory is this agent's alone (the state directory is locked), so
            // anything in it is left over from a run that was killed.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasPrefix("flatten-") {
                logger.info("removing a work directory left by an earlier run", metadata: ["path": "\(path)/\(name)"])
                try? FileManager.default.removeItem(atPath: path + "/" + name)
            }
            return path
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: explicit, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AgentConfigurationError("the work directory \(explicit) does not exist or is not a directory (--work-dir)")
        }
        return explicit
    }

    /// Connects to the engine, retrying while it is unreachable; nil when a graceful shutdown
    /// came first.
    func connectEngine() async throws -> DockerClient? {
        var attempt = 0
        while !Task.isShuttingDownGracefully {
            do {
                let host = configuration.dockerHost
                // A shutdown must not wait for the connect timeout of an absent engine.
                let engine = try await cancelWhenGracefulShutdown { try await DockerClient.connect(to: host) }
                logger.info("engine connected", metadata: [
                    "engine": "\(configuration.dockerHost)", "version": "\(engine.engineVersion.version)",
                    "api": "\(engine.apiVersion)",
                ])
                return engine
            } catch let error as DockerEngineError where error.isUnreachable && !error.isPermissionDenied {
                let delay = configuration.backoff.delay(forAttempt: attempt)
                attempt += 1
                logger.warning("engine unreachable; retrying", metadata: [
                    "engine": "\(configuration.dockerHost)", "error": "\(error)", "retryIn": "\(delay.roundedDescription)",
                ])
                guard await sleepUnlessShuttingDown(delay) else { return nil }
            } catch is CancellationError {
                return nil
            }
        }
        return nil
    }

    // MARK: The loops

    private enum LoopEvent: Sendable {
        case claimed(ClaimResponse)
        case claimingStopped
        case finished
    }

    /// Runs until a graceful shutdown stopped claiming and every job and report is done, or
    /// until a second signal cut it short.
    func runUntilStopped(_ context: RunContext) async {
        let signals = await UnixSignalsSequence(trapping: configuration.hardStopSignals)
        let pending = context.state.loadPending()
        for problem in pending.problems {
            logger.error("a pending report cannot be read; it is left in place", metadata: ["error": "\(problem)"])
        }
        let reports = pending.reports

        // Unstructured so that the signal watcher can cancel it; cancellation of run() is
        // forwarded to it below, and it inherits the graceful shutdown task locals.
        let work = Task {
            await withTaskGroup(of: LoopEvent.self) { group in
                for report in reports {
                    group.addTask {
                        await self.deliverWithLease(report, context: context)
                        return .finished
                    }
                }
                group.addTask { await self.claimNext(context) }
                while let event = await group.next() {
                    switch event {
                    case .claimed(let claim):
                        group.addTask {
                            await self.runJob(claim, context: context)
                            return .finished
                        }
                        group.addTask { await self.claimNext(context) }
                    case .claimingStopped:
                        logger.info("no longer claiming jobs; waiting for running jobs and reports", metadata: ["agent": "\(context.name)"])
                    case .finished:
                        break
                    }
                }
            }
        }
        let watcher = Task {
            var count = 0
            for await signal in signals {
                count += 1
                if count == 1 {
                    logger.notice("\(signal) received: finishing running jobs, claiming no more; send it again to cancel them")
                } else {
                    logger.notice("\(signal) received again: canceling running jobs")
                    work.cancel()
                    return
                }
            }
        }
        await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        watcher.cancel()
    }

    /// Waits for a free slot, then long-polls until a job comes; `.claimingStopped` on a
    /// graceful shutdown. Before each claim the engine is checked: while it does not answer,
    /// nothing is claimed (a job would only fail) and the coordinator is told once.
    private func claimNext(_ context: RunContext) async -> LoopEvent {
        guard !Task.isShuttingDownGracefully else { return .claimingStopped }
        let claim = await cancelWhenGracefulShutdown { () async -> ClaimResponse? in
            guard await context.slots.acquire() else { return nil }
            var failures = 0
            while !Task.isCancelled {
                if let wait = await context.engine.beforeClaim() {
                    do { try await Task.sleep(for: wait) } catch { break }
                    continue
                }
                do {
                    let claim = try await context.client.claim(wait: self.configuration.claimWait)
                    await context.engine.claimAnswered()
                    if let claim {
                        return claim
                    }
                    failures = 0
                } catch let error as CoordinatorError {
                    let delay = self.configuration.backoff.delay(forAttempt: failures)
                    failures += 1
                    let metadata: Logger.Metadata = ["error": "\(error)", "retryIn": "\(delay.roundedDescription)"]
                    if error.isUnauthorized {
                        self.logger.error("the coordinator rejected this agent's token; check \(context.state.identityPath) or re-register with --enroll-token", metadata: metadata)
                    } else if failures == 1 || failures % 10 == 0 {
                        self.logger.warning("claim failed; retrying", metadata: metadata)
                    }
                    do { try await Task.sleep(for: delay) } catch { break }
                } catch {
                    break
                }
            }
            await context.slots.release()
            return nil
        }
        guard let claim else { return .claimingStopped }
        return .claimed(claim)
    }

    /// Sleeps for `duration`; false when a graceful shutdown or cancellation came first.
    func sleepUnlessShuttingDown(_ duration: Duration) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
            return true
        } catch {
            return false
        }
    }
}

extension Duration {
    /// `1.25s`, for logs.
    var roundedDescription: String {
        String(format: "%.2fs", seconds)
    }
}
