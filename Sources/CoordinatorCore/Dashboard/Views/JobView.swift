import FlattenProtocol
import FleetFormatting
import Foundation

/// One job: what it is, its timeline, its result or the error to act on, and its actions.
struct JobView {
    var job: Job
    var events: [JobEvent]
    var now: Date

    func render(session: DashboardSession) -> HTML {
        var actions: [HTML] = []
        if session.role.mayAct && !job.state.isTerminal && !job.cancelRequested {
            actions.append(DashboardLayout.actionButton(
                "Cancel job", action: DashboardPath.cancelJob(job.id),
                question: "Cancel the flatten of \(Formatting.image(job.image)) on \(job.agentName)?", session: session, danger: true))
        }
        if session.role.mayAct && (job.state == .failed || job.state == .canceled) {
            actions.append(DashboardLayout.actionButton(
                "Retry", action: DashboardPath.retryJob(job.id),
                question: "Flatten \(Formatting.image(job.image)) on \(job.agentName) again, as a new job?", session: session))
        }
        let progress: HTML = job.state == .running
            ? "<dt>Progress</dt><dd id=\"job-progress\">\(job.progress.map(Formatting.progress) ?? "starting")\(job.cancelRequested ? " (cancel requested)" : "")</dd><dt>Last heartbeat</dt><dd>\(Formatting.ago(job.updatedAt, now: now))</dd>"
            : .empty
        return DashboardLayout.page(title: "Job \(Formatting.shortID(job.id))", section: .jobs, session: session, live: !job.state.isTerminal, """
            <p class="headline">\(DashboardLayout.badge(job.state.rawValue)) <span id="job-state">\(job.state.rawValue)</span></p>
            <div class="actions">\(HTML.joined(actions))</div>
            <dl class="facts">
            <dt>Image</dt><dd>\(Formatting.image(job.image))</dd>
            <dt>Host</dt><dd><a href="\(DashboardPath.with(DashboardPath.jobs, query: [("agent", job.agentName)]))">\(job.agentName)</a></dd>
            <dt>Batch</dt><dd><a href="\(DashboardPath.batch(job.batchId))">\(job.batchId.lowercased)</a></dd>
            <dt>Attempt</dt><dd>\(job.attempt) of \(job.maxAttempts)</dd>
            <dt>Created</dt><dd>\(Formatting.timestamp(job.createdAt))</dd>
            \(progress)
            </dl>
            \(errorSection)
            \(resultSection)
            <h2>Timeline</h2>
            \(timeline)
            """)
    }

    private var errorSection: HTML {
        if job.state == .skipped, let reason = job.skipReason {
            return "<section class=\"notice\"><h2>Skipped</h2><p>\(reason)</p></section>"
        }
        guard let error = job.error else { return .empty }
        let heading = job.state == .queued ? "Last attempt failed; it will be retried" : "Error"
        return "<section class=\"error\" role=\"alert\"><h2>\(heading)</h2><p id=\"job-error\">\(error.message)</p></section>"
    }

    private var resultSection: HTML {
        guard let result = job.result else { return .empty }
        let warnings: HTML = result.warnings.isEmpty ? .empty
            : "<dt>Warnings</dt><dd><ul>\(HTML.joined(result.warnings.map { "<li>\($0)</li>" }))</ul></dd>"
        let verified = result.verified.map { $0 ? "yes: the flattened image's files match the original's" : "no" } ?? "not asked"
        return """
            <h2>Result</h2>
            <dl class="facts" id="job-result">
            <dt>Layers</dt><dd>\(result.originalLayerCount) → \(result.newLayerCount)</dd>
            <dt>Size</dt><dd>\(Formatting.bytes(result.originalSize)) → \(Formatting.bytes(result.newSize))</dd>
            <dt>Saved</dt><dd>\(Formatting.bytes(result.bytesSaved))</dd>
            <dt>New image</dt><dd><code>\(result.newImageId)</code>\(HTML.joined(result.tags.map { " <code>\($0)</code>" }))</dd>
            <dt>Verified</dt><dd>\(verified)</dd>
            \(warnings)
            </dl>
            """
    }

    /// The job's events, with each attempt's phases (from its result) after its claim.
    private var timeline: HTML {
        var rows: [HTML] = []
        for (index, event) in events.enumerated() {
            let next = index + 1 < events.count ? events[index + 1].at : (job.state.isTerminal ? nil : now)
            let lasted = next.map { Formatting.duration($0.timeIntervalSince(event.at)) } ?? ""
            rows.append("""
                <tr class="event-\(event.kind)"><td>\(Formatting.timestamp(event.at))</td><td>\(DashboardLayout.badge(event.kind))</td>\
                <td class="number">\(event.attempt)</td><td>\(lasted)</td><td class="detail">\(event.detail ?? "")</td></tr>
                """)
        }
        if let result = job.result {
            let phases = FlattenPhase.allCases.compactMap { phase in result.phaseDurations[phase].map { (phase, $0) } }
            rows.append(contentsOf: phases.map { phase, seconds in
                "<tr class=\"phase\"><td></td><td>\(phase.rawValue)</td><td></td><td>\(Formatting.duration(seconds))</td><td></td></tr>"
            })
        }
        return """
            <table class="timeline">
            <thead><tr><th>At</th><th>Event</th><th>Attempt</th><th>Lasted</th><th>Detail</th></tr></thead>
            <tbody>\(HTML.joined(rows))</tbody>
            </table>
            """
    }
}
