import ArgumentParser
import FlattenProtocol
import FleetFormatting
import Foundation

/// The per-host table of a batch: layers before → after, size before → after, saved, time,
/// state; with the reason of every skipped, failed or canceled job below it.
enum BatchReport {
    static func render(_ batch: SubmissionResponse, width: Int?) -> String {
        var table = Table([
            .init("HOST", flexible: true, minimumWidth: 8), .init("STATE"), .init("LAYERS"), .init("SIZE"),
            .init("SAVED"), .init("TIME"), .init("JOB ID"),
        ])
        var notes: [String] = []
        for job in batch.jobs.sorted(by: { $0.agentName < $1.agentName }) {
            var row = [job.agentName, job.state.rawValue]
            if let result = job.result, job.state == .succeeded {
                let percent = result.originalSize > 0 ? Double(result.bytesSaved) * 100 / Double(result.originalSize) : 0
                row += [
                    "\(result.originalLayerCount) → \(result.newLayerCount)",
                    "\(Formatting.bytes(result.originalSize)) → \(Formatting.bytes(result.newSize))",
                    "\(Formatting.bytes(result.bytesSaved)) (\(String(format: "%.0f", percent))%)",
                ]
            } else if job.state == .running {
                row += [job.progress.map(Formatting.progress) ?? "starting", "", ""]
            } else {
                row += ["-", "-", "-"]
            }
            row.append(Formatting.elapsed(job).map(Formatting.duration) ?? "-")
            row.append(Formatting.shortID(job.id))
            table.add(row)
            switch job.state {
            case .skipped, .failed, .canceled:
                let detail = Formatting.detail(job)
                if !detail.isEmpty { notes.append("\(job.agentName): \(job.state.rawValue): \(detail)") }
            case .queued where job.error != nil:
                notes.append("\(job.agentName): \(Formatting.detail(job))")
            default:
                break
            }
        }
        var text = table.render(width: width)
        if !notes.isEmpty {
            text += "\n\n" + notes.map(TerminalText.escaped).map { note in width.map { Table.fit(note, to: max($0, 20)) } ?? note }.joined(separator: "\n")
        }
        return text + "\n\n" + summary(batch.batch) + "\n"
    }

    /// `batch 3f2a…: 1 succeeded, 1 skipped; saved 2.10MB`
    static func summary(_ batch: BatchSummary) -> String {
        let parts = JobState.allCases.compactMap { state -> String? in
            let count = batch.count(in: state)
            return count > 0 ? "\(count) \(state.rawValue)" : nil
        }
        return "batch \(batch.id.lowercased) (\(Formatting.image(batch.image))): \(parts.joined(separator: ", ")); saved \(Formatting.bytes(batch.bytesSaved))"
    }

    /// What `--wait` ends with: 0 when every job succeeded or was skipped and at least one
    /// flattened the image; 1 when any failed or was canceled, or when nothing was flattened
    /// (every host skipped: the image absent everywhere, or --min-savings reached nowhere).
    static func exitCode(_ batch: SubmissionResponse) -> Int32 {
        guard batch.jobs.allSatisfy({ $0.state == .succeeded || $0.state == .skipped }) else { return 1 }
        return nothingFlattened(batch) == nil ? 0 : 1
    }

    /// The line that says why a batch without failures still ends with 1: `nothing was
    /// flattened: all 2 hosts skipped …`; nil when some host flattened the image.
    static func nothingFlattened(_ batch: SubmissionResponse, json: Bool = false) -> String? {
        guard !batch.jobs.contains(where: { $0.state == .succeeded }),
              batch.jobs.allSatisfy({ $0.state == .skipped }) else { return nil }
        let count = batch.jobs.count
        let hosts = count == 0 ? "the batch has no jobs" : count == 1 ? "its one host skipped" : "all \(count) hosts skipped"
        let reasons = count == 0 ? "" : json ? " (each job's skipReason says why)" : " (the reasons are above)"
        return "nothing was flattened: \(hosts) \(Formatting.image(batch.batch.image))\(reasons)"
    }

    /// Ends `--wait`: says why on standard error when nothing was flattened, and exits with
    /// ``exitCode(_:)`` when it is not 0.
    static func endWait(_ batch: SubmissionResponse, json: Bool) throws {
        if let line = nothingFlattened(batch, json: json) {
            FileHandle.standardError.write(Data("flatctl: \(TerminalText.escaped(line))\n".utf8))
        }
        let code = exitCode(batch)
        if code != 0 { throw ExitCode(code) }
    }
}
