import FlattenProtocol
import FleetFormatting
import Foundation

/// `--wait`: follows a batch until every job finished, showing each host's progress: a bar
/// per host redrawn in place on a terminal, or a plain line per change otherwise.
struct BatchWatcher {
    let api: CoordinatorAPI
    /// Whether to draw (false with `--json`: nothing but the final JSON is printed).
    let showsProgress: Bool
    var pollInterval: Duration = .milliseconds(500)
    /// How long the coordinator may stay unreachable before giving up.
    var outageLimit: Duration = .seconds(120)

    /// Polls until the batch is finished; answers its last state.
    func wait(for id: UUID) async throws -> SubmissionResponse {
        let interactive = showsProgress && Terminal.isInteractive
        var drawnLines = 0
        var lastLines: [UUID: String] = [:]
        var outageStart: ContinuousClock.Instant?
        while true {
            let batch: SubmissionResponse
            do {
                batch = try await api.batch(id)
                if outageStart != nil, showsProgress, !interactive {
                    Terminal.write("coordinator reachable again\n")
                }
                outageStart = nil
            } catch let error as FlatctlError where error.exitCode == 2 && !error.message.contains("token") {
                // The coordinator restarting must not end the wait.
                let start = outageStart ?? .now
                if outageStart == nil, showsProgress {
                    if interactive { drawnLines = 0 }
                    Terminal.write("\(TerminalText.escaped(error.message)); still waiting\n")
                }
                outageStart = start
                guard start.duration(to: .now) < outageLimit else { throw error }
                try await Task.sleep(for: .seconds(1))
                continue
            }
            if showsProgress {
                let jobs = batch.jobs.sorted { $0.agentName < $1.agentName }
                let nameWidth = jobs.map(\.agentName.count).max() ?? 0
                if interactive {
                    var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)A" : ""
                    for job in jobs {
                        text += "\u{1B}[2K" + Self.barLine(job, nameWidth: nameWidth, width: Terminal.width ?? 80) + "\n"
                    }
                    Terminal.write(text)
                    drawnLines = jobs.count
                } else {
                    for job in jobs {
                        let line = Self.plainLine(job)
                        if lastLines[job.id] != line {
                            Terminal.write(line + "\n")
                            lastLines[job.id] = line
                        }
                    }
                }
            }
            if batch.batch.isFinished && batch.jobs.allSatisfy(\.state.isTerminal) {
                if showsProgress { Terminal.write("\n") }
                return batch
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// `host-a  [########............]  40%  merging 12.0MB/30.0MB 410MB/s, ETA 44s`
    static func barLine(_ job: Job, nameWidth: Int, width: Int) -> String {
        let name = job.agentName.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
        let status: String
        var fraction: Double?
        switch job.state {
        case .running:
            guard let progress = job.progress else {
                status = "claimed by \(job.agentName), starting"
                break
            }
            fraction = progress.fractionDone
            var text = progress.phase.rawValue
            if progress.bytesDone > 0 {
                text += " " + Formatting.bytes(progress.bytesDone)
                if let total = progress.bytesTotal { text += "/" + Formatting.bytes(total) }
            }
            if let rate = Formatting.rateAndETA(progress) { text += " " + rate }
            if job.cancelRequested { text += " (canceling)" }
            status = text
        case .queued:
            status = job.error.map { "queued for retry: \($0.message)" } ?? "queued"
        default:
            // The state alone: the report below the bars gives each reason, once.
            fraction = job.state == .succeeded ? 1 : nil
            status = job.state.rawValue
        }
        let barWidth = 20
        let filled = Int((fraction ?? 0) * Double(barWidth))
        let bar = fraction == nil && job.state != .running
            ? String(repeating: " ", count: barWidth + 2)
            : "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
        let percent = fraction.map { String(format: "%3d%%", Int($0 * 100)) } ?? "    "
        return Table.fit(TerminalText.escaped("\(name)  \(bar) \(percent)  \(status)"), to: max(width - 1, 20))
    }

    /// `host-a: running (merging)`, printed when it changes; a finished job's line is its
    /// state alone (`host-b: skipped`), its reason being the report's.
    static func plainLine(_ job: Job) -> String {
        TerminalText.escaped(plainText(job))
    }

    private static func plainText(_ job: Job) -> String {
        switch job.state {
        case .running:
            let phase = job.progress?.phase.rawValue ?? "starting"
            return "\(job.agentName): running (\(phase))\(job.cancelRequested ? ", cancel requested" : "")"
        case .queued:
            return "\(job.agentName): queued" + (job.error.map { " for retry: \($0.message)" } ?? "")
        default:
            return "\(job.agentName): \(job.state.rawValue)"
        }
    }
}
