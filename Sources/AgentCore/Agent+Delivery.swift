import CoordinatorHTTPClient
import FlattenProtocol
import Foundation
import Logging

extension Agent {
    /// Delivers a report left by an earlier run, heartbeating its job meanwhile so the lease
    /// (if it is still alive) does not run out before the report lands.
    func deliverWithLease(_ pending: PendingReport, context: RunContext) async {
        let logger = jobLogger(pending.jobId)
        logger.info("delivering a report left by an earlier run", metadata: [
            "image": "\(pending.image.familiarDescription)", "report": "\(pending.report.summary)",
        ])
        let control = JobControl(progress: pending.lastProgress)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.keepLease(
                    job: pending.jobId, leaseToken: pending.report.leaseToken, control: control,
                    client: context.client, logger: logger)
            }
            await deliver(pending, context: context, logger: logger, alreadyStored: true)
            group.cancelAll()
        }
    }

    /// Stores `pending` in the state directory, then delivers it until the coordinator
    /// acknowledges it or says it never will (``DeliveryRule``), and forgets it.
    ///
    /// When the agent is stopping hard (the task is cancelled), makes one more attempt and
    /// leaves an undelivered report stored for the next start.
    func deliver(_ pending: PendingReport, context: RunContext, logger: Logger, alreadyStored: Bool = false) async {
        if !alreadyStored {
            do {
                try context.state.savePending(pending)
            } catch {
                // Still deliver: only a crash before the acknowledgement would lose it now.
                logger.error("cannot store the report before delivering it", metadata: ["error": "\(error)"])
            }
        }
        var rule = DeliveryRule(backoff: configuration.backoff)
        while true {
            let answer = await attemptDelivery(pending, client: context.client)
            switch rule.decide(answer, unit: Double.random(in: 0...1)) {
            case .acknowledged:
                context.state.removePending(jobId: pending.jobId)
                let state = (try? answer.get())?.state.rawValue ?? "?"
                logger.info("reported", metadata: ["report": "\(pending.report.summary)", "jobState": "\(state)"])
                return
            case .dropped(let reason):
                context.state.removePending(jobId: pending.jobId)
                logger.warning("report dropped", metadata: ["report": "\(pending.report.summary)", "reason": "\(reason)"])
                return
            case .retry(let after):
                if case .failure(let error) = answer, rule.failedAttempts == 1 || rule.failedAttempts % 10 == 0 {
                    logger.warning("report not delivered; retrying", metadata: [
                        "error": "\(error)", "attempts": "\(rule.failedAttempts)", "retryIn": "\(after.roundedDescription)",
                    ])
                }
                if Task.isCancelled {
                    logger.notice("stopping with the report undelivered; it is delivered at the next start",
                                  metadata: ["path": "\(context.state.pendingReportPath(for: pending.jobId))"])
                    return
                }
                do {
                    try await Task.sleep(for: after)
                } catch {
                    logger.notice("stopping with the report undelivered; it is delivered at the next start",
                                  metadata: ["path": "\(context.state.pendingReportPath(for: pending.jobId))"])
                    return
                }
            }
        }
    }

    /// The agent's logger with the job ID in its metadata.
    func jobLogger(_ id: UUID) -> Logger {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(id.uuidString.lowercased())"
        return logger
    }

    /// One delivery, in a task of its own so that a hard stop does not cut the call short.
    private func attemptDelivery(_ pending: PendingReport, client: CoordinatorClient) async -> Result<Job, CoordinatorError> {
        await Task.detached {
            do {
                return .success(try await client.deliver(job: pending.jobId, pending.report))
            } catch let error as CoordinatorError {
                return .failure(error)
            } catch {
                return .failure(.unreachable(url: client.baseURL, detail: "\(error)"))
            }
        }.value
    }
}
