import FlattenProtocol
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

    /// 0 when every job succeeded or was skipped, 1 otherwise.
    static func exitCode(_ batch: SubmissionResponse) -> Int32 {
        batch.jobs.allSatisfy { $0.state == .succeeded || $0.state == .skipped } ? 0 : 1
    }
}
