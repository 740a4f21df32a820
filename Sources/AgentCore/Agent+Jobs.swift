import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import Logging

extension Agent {
    /// Runs one claimed job: removes leftovers of a killed earlier attempt, flattens with
    /// heartbeats, frees the slot, then reports the outcome (persisted first) while the lease
    /// is kept alive.
    func runJob(_ claim: ClaimResponse, context: RunContext) async {
        let job = claim.job
        let logger = jobLogger(job.id)
        logger.info("claimed", metadata: [
            "image": "\(job.image.familiarDescription)", "attempt": "\(job.attempt)/\(job.maxAttempts)",
            "strategy": "\(job.options.strategy.rawValue)", "leaseExpiresAt": "\(claim.leaseExpiresAt)",
        ])
        let control = JobControl(progress: JobProgress(phase: .inspecting))
        let clock = ContinuousClock()
        let start = clock.now

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.keepLease(job: job.id, leaseToken: claim.leaseToken, control: control, client: context.client, logger: logger)
            }
            if job.attempt > 1 {
                await context.flattener.removeLeftovers(of: job.id)
            }
            var ending = await flatten(job, control: control, flattener: context.flattener, logger: logger)
            await context.slots.release()
            let stop = control.stopReason ?? (Task.isCancelled ? .agentStopping : nil)
            if stop == nil, case .failed(var failure) = ending, !failure.isImageNotFound,
               await context.engine.isUnavailableNow() {
                // The engine is gone: the job was not at fault, and the coordinator gives the
                // attempt back. Not only lost connections: an engine stopped mid-save can end the
                // stream cleanly (Docker's containerd store), leaving a truncated archive.
                failure.isEngineUnavailable = true
                ending = .failed(failure)
            }
            log(ending, stop: stop, elapsed: start.duration(to: clock.now), logger: logger)

            if let report = ReportRule.report(
                for: ending, stop: stop, leaseToken: claim.leaseToken, image: job.image, agentName: context.name)
            {
                let pending = PendingReport(
                    jobId: job.id, image: job.image, report: report, lastProgress: control.lastReport, finishedAt: Date())
                await deliver(pending, context: context, logger: logger)
            } else {
                logger.warning("abandoned: the job is no longer this agent's, nothing is reported", metadata: [
                    "reason": "\(stop.map { "\($0)" } ?? "unknown")",
                ])
            }
            group.cancelAll()
        }
    }

    /// Runs the flatten until it ends, or until a stop is asked for (then cancels it and
    /// waits for its cleanup).
    private func flatten(_ job: Job, control: JobControl, flattener: AgentFlattener, logger: Logger) async -> FlattenEnding {
        await withTaskGroup(of: FlattenEnding?.self) { group in
            group.addTask {
                await flattener.run(job) { progress in
                    if let phase = control.update(progress) {
                        logger.info("phase", metadata: ["phase": "\(phase.rawValue)"])
                    }
                }
            }
            group.addTask {
                await control.waitForStop()
                return nil
            }
            var ending: FlattenEnding?
            while let next = await group.next() {
                if let next {
                    ending = next
                    group.cancelAll()
                } else if ending == nil, let reason = control.stopReason {
                    logger.notice("stopping the flatten", metadata: ["reason": "\(reason)"])
                    group.cancelAll()
                }
            }
            // The flatten child always answers, so `ending` is set once the group is drained.
            return ending ?? .failed(FlattenFailure(message: "the flatten was cancelled", isRetryable: true, isCanceled: true))
        }
    }

    private func log(_ ending: FlattenEnding, stop: StopReason?, elapsed: Duration, logger: Logger) {
        switch ending {
        case .flattened(let result):
            logger.info("succeeded", metadata: [
                "layers": "\(result.originalLayerCount) -> \(result.newLayerCount)",
                "size": "\(result.originalSize) -> \(result.newSize)",
                "saved": "\(result.bytesSaved)",
                "tags": "\(result.tags.joined(separator: ","))",
                "seconds": "\(elapsed.roundedDescription)",
            ])
        case .skipped(let reason):
            logger.info("skipped", metadata: ["reason": "\(reason)", "seconds": "\(elapsed.roundedDescription)"])
        case .failed(let failure) where failure.isImageNotFound && stop == nil:
            logger.info("skipped: image not on this host", metadata: ["reason": "\(failure.message)"])
        case .failed(let failure):
            if let stop {
                logger.notice("stopped", metadata: ["reason": "\(stop)", "seconds": "\(elapsed.roundedDescription)"])
            } else {
                logger.error("failed", metadata: [
                    "error": "\(failure.message)", "retryable": "\(failure.isRetryable)",
                    "seconds": "\(elapsed.roundedDescription)",
                ])
            }
        }
    }

    /// Heartbeats until cancelled (the job's report is delivered) or the lease is lost,
    /// following ``HeartbeatRule``. A new phase is reported at once (at most one early beat a
    /// second), so operators watching a batch see phases that last less than an interval.
    func keepLease(job id: UUID, leaseToken: String, control: JobControl, client: CoordinatorClient, logger: Logger) async {
        var rule = HeartbeatRule(schedule: configuration.heartbeat)
        var delay = configuration.heartbeat.nextDelay()
        let minimumGap = min(Duration.seconds(1), configuration.heartbeat.interval)
        while true {
            let start = ContinuousClock.now
            let wait = delay
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: wait) }
                group.addTask { await control.waitForPhaseChange() }
                await group.next()
                group.cancelAll()
            }
            let elapsed = start.duration(to: .now)
            if elapsed < minimumGap {
                do { try await Task.sleep(for: minimumGap - elapsed) } catch { return }
            }
            if Task.isCancelled { return }
            let answer: Result<HeartbeatResponse, CoordinatorError>
            do {
                answer = .success(try await client.heartbeat(job: id, Heartbeat(leaseToken: leaseToken, progress: control.progress)))
            } catch let error as CoordinatorError {
                answer = .failure(error)
            } catch {
                return
            }
            switch rule.decide(answer, unit: Double.random(in: 0...1)) {
            case .beatAgain(let after):
                if case .failure(let error) = answer, rule.consecutiveFailures == 1 || rule.consecutiveFailures % 10 == 0 {
                    logger.warning("heartbeat failed; retrying", metadata: [
                        "error": "\(error)", "failures": "\(rule.consecutiveFailures)", "retryIn": "\(after.roundedDescription)",
                    ])
                }
                delay = after
            case .cancelRequested(let after):
                if control.stop(.canceledByOperator) {
                    logger.notice("an operator canceled the job")
                }
                delay = after
            case .abandon(let reason):
                control.stop(.leaseLost(reason))
                logger.warning("lease lost", metadata: ["reason": "\(reason)"])
                return
            }
        }
    }
}
