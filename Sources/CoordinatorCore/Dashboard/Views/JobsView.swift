import FlattenProtocol
import FleetFormatting
import Foundation

/// The jobs page: newest first, filtered by state, agent, image and batch.
struct JobsView {
    var jobs: [Job]
    var filter: JobFilter
    var nextPage: String?
    var now: Date

    func render(session: DashboardSession) -> HTML {
        let states = HTML.joined((["any"] + JobState.allCases.map(\.rawValue)).map { state in
            let selected = (filter.state?.rawValue ?? "any") == state ? " selected" : ""
            return "<option value=\"\(state == "any" ? "" : state)\"\(HTML(unescaped: selected))>\(state)</option>"
        })
        let rows = HTML.joined(jobs.map { job in
            """
            <tr data-job="\(job.id.lowercased)" data-state="\(job.state.rawValue)">
            <td><a href="\(DashboardPath.job(job.id))">\(Formatting.shortID(job.id))</a></td>
            <td>\(Formatting.image(job.image))</td>
            <td>\(job.agentName)</td>
            <td>\(DashboardLayout.badge(job.state.rawValue))</td>
            <td class="number">\(job.attempt)/\(job.maxAttempts)</td>
            <td><time datetime="\(Formatting.timestamp(job.createdAt))">\(Formatting.ago(job.createdAt, now: now))</time></td>
            <td class="detail">\(Formatting.detail(job))</td>
            <td><a href="\(DashboardPath.batch(job.batchId))">\(Formatting.shortID(job.batchId))</a></td>
            </tr>
            """
        })
        let table: HTML = jobs.isEmpty
            ? "<p class=\"empty\">No job matches.</p>"
            : """
            <table class="jobs">
            <thead><tr><th>Job</th><th>Image</th><th>Host</th><th>State</th><th>Attempt</th><th>Created</th><th>Detail</th><th>Batch</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        return DashboardLayout.page(title: "Jobs", section: .jobs, session: session, live: true, """
            <form class="filters" method="get" action="\(DashboardPath.jobs)">
            <label>State <select name="state">\(states)</select></label>
            <label>Host <input name="agent" value="\(filter.agentName ?? "")"></label>
            <label>Image <input name="image" value="\(filter.image.map(Formatting.image) ?? "")" placeholder="app:1.2"></label>
            <label>Batch <input name="batch" value="\(filter.batchID?.lowercased ?? "")" placeholder="batch ID"></label>
            <button type="submit">Filter</button>
            </form>
            \(table)
            \(DashboardLayout.nextPageLink(nextPage))
            """)
    }
}
