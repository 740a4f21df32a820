import FlattenProtocol
import FleetFormatting
import Foundation

/// One batch: the per-host table `flatctl submit --wait` prints, live while it runs.
struct BatchView {
    var batch: SubmissionResponse
    var target: JobTarget?
    var now: Date

    func render(session: DashboardSession) -> HTML {
        let summary = batch.batch
        let rows = HTML.joined(batch.jobs.sorted { $0.agentName < $1.agentName }.map(row))
        let notes = HTML.joined(batch.jobs.sorted { $0.agentName < $1.agentName }.compactMap { job -> HTML? in
            switch job.state {
            case .skipped, .failed, .canceled,
                 .queued where job.error != nil:
                let detail = Formatting.detail(job)
                return detail.isEmpty ? nil : "<li><strong>\(job.agentName)</strong>: \(job.state.rawValue): \(detail)</li>"
            default:
                return nil
            }
        })
        let cancel = session.role.mayAct && !summary.isFinished
            ? DashboardLayout.actionButton("Cancel batch", action: DashboardPath.cancelBatch(summary.id),
                                           question: "Cancel every unfinished job of this batch?", session: session, danger: true)
            : .empty
        return DashboardLayout.page(title: "Batch \(Formatting.shortID(summary.id))", section: .batches, session: session, live: true, """
            <dl class="facts">
            <dt>Image</dt><dd>\(Formatting.image(summary.image))</dd>
            <dt>Target</dt><dd>\(DashboardLayout.target(target))</dd>
            <dt>Submitted</dt><dd><time datetime="\(Formatting.timestamp(summary.createdAt))">\(Formatting.timestamp(summary.createdAt))</time></dd>
            <dt>Saved</dt><dd id="batch-saved">\(Formatting.bytes(summary.bytesSaved))</dd>
            </dl>
            \(DashboardLayout.progressBar(summary))
            <p class="summary" id="batch-summary" data-finished="\(summary.isFinished ? "true" : "false")">\(DashboardLayout.countsText(summary))</p>
            \(cancel)
            <table class="hosts">
            <thead><tr><th>Host</th><th>State</th><th>Layers</th><th>Size</th><th>Saved</th><th>Time</th><th>Job</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            \(notes == .empty ? .empty : "<ul class=\"notes\">\(notes)</ul>")
            """)
    }

    private func row(_ job: Job) -> HTML {
        var cells: HTML
        if let result = job.result, job.state == .succeeded {
            let percent = result.originalSize > 0 ? Double(result.bytesSaved) * 100 / Double(result.originalSize) : 0
            cells = """
                <td>\(result.originalLayerCount) → \(result.newLayerCount)</td>
                <td>\(Formatting.bytes(result.originalSize)) → \(Formatting.bytes(result.newSize))</td>
                <td>\(Formatting.bytes(result.bytesSaved)) (\(String(format: "%.0f", percent))%)</td>
                """
        } else if job.state == .running {
            cells = "<td colspan=\"3\">\(job.progress.map(Formatting.progress) ?? "starting")</td>"
        } else {
            cells = "<td>-</td><td>-</td><td>-</td>"
        }
        return """
            <tr data-job="\(job.id.lowercased)" data-host="\(job.agentName)" data-state="\(job.state.rawValue)">
            <td>\(job.agentName)</td><td>\(DashboardLayout.badge(job.state.rawValue))</td>\(cells)
            <td>\(Formatting.elapsed(job, now: now).map(Formatting.duration) ?? "-")</td>
            <td><a href="\(DashboardPath.job(job.id))">\(Formatting.shortID(job.id))</a></td>
            </tr>
            """
    }
}
