import FlattenProtocol
import FleetFormatting
import Foundation

/// The batches page: newest first, each with a bar of its jobs by state.
struct BatchesView {
    var batches: [BatchListing]
    var nextPage: String?
    var now: Date

    func render(session: DashboardSession) -> HTML {
        let rows = HTML.joined(batches.map { listing in
            let batch = listing.summary
            return """
                <tr data-batch="\(batch.id.lowercased)">
                <td><a href="\(DashboardPath.batch(batch.id))">\(Formatting.shortID(batch.id))</a></td>
                <td>\(Formatting.image(batch.image))</td>
                <td>\(DashboardLayout.target(listing.target))</td>
                <td><time datetime="\(Formatting.timestamp(batch.createdAt))">\(Formatting.ago(batch.createdAt, now: now))</time></td>
                <td>\(DashboardLayout.progressBar(batch))<div class="detail">\(DashboardLayout.countsText(batch))</div></td>
                <td class="number">\(Formatting.bytes(batch.bytesSaved))</td>
                </tr>
                """
        })
        let table: HTML = batches.isEmpty
            ? "<p class=\"empty\">No batch yet.\(HTML(unescaped: session.role.mayAct ? " <a href=\"\(DashboardPath.submit)\">Submit a flatten</a>." : ""))</p>"
            : """
            <table class="batches">
            <thead><tr><th>Batch</th><th>Image</th><th>Target</th><th>Submitted</th><th>Jobs</th><th>Saved</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        return DashboardLayout.page(title: "Batches", section: .batches, session: session, live: true, """
            \(table)
            \(DashboardLayout.nextPageLink(nextPage))
            """)
    }
}
