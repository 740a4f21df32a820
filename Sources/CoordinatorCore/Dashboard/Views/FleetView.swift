import FlattenProtocol
import FleetFormatting
import Foundation

/// The fleet page: every agent with its state, labels, engine and load; offline agents stand out.
struct FleetView {
    var agents: [AgentInfo]
    /// The label filter as typed (`zone=a,gpu=yes`), empty for none.
    var selectorText: String
    var nextPage: String?
    var now: Date

    func render(session: DashboardSession) -> HTML {
        let online = agents.filter { $0.state == .online }.count
        let rows = HTML.joined(agents.map(row))
        let table: HTML = agents.isEmpty
            ? "<p class=\"empty\">No agent\(selectorText.isEmpty ? " has registered yet" : " has the labels \(selectorText)").</p>"
            : """
            <table class="fleet">
            <thead><tr><th>Agent</th><th>State</th><th>Labels</th><th>Engine</th><th>Image store</th><th>Platform</th><th>Jobs</th><th>Last seen</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        return DashboardLayout.page(title: "Fleet", section: .fleet, session: session, live: true, """
            <form class="filters" method="get" action="\(DashboardPath.fleet)">
            <label>Labels <input name="labels" value="\(selectorText)" placeholder="zone=a,gpu=yes"></label>
            <button type="submit">Filter</button>
            </form>
            <p class="summary"><span id="agent-count">\(agents.count)</span> agents on this page: \(online) online, \(agents.count - online) not</p>
            \(table)
            \(DashboardLayout.nextPageLink(nextPage))
            """)
    }

    private func row(_ agent: AgentInfo) -> HTML {
        let labels = HTML.joined(agent.labels.sorted { $0.key < $1.key }.map { key, value in
            "<a class=\"label\" href=\"\(DashboardPath.with(DashboardPath.fleet, query: [("labels", "\(key)=\(value)")]))\">\(key)=\(value)</a>"
        }, separator: " ")
        let attention = agent.state == .online ? "" : " class=\"attention\""
        let engineError: HTML = agent.engineError.map { "<div class=\"detail\">\($0)</div>" } ?? .empty
        return """
            <tr data-agent="\(agent.name)"\(HTML(unescaped: attention))>
            <td><a href="\(DashboardPath.with(DashboardPath.jobs, query: [("agent", agent.name)]))">\(agent.name)</a></td>
            <td>\(DashboardLayout.badge(agent.state.rawValue))\(engineError)</td>
            <td>\(labels)</td>
            <td>\(Formatting.engine(agent))</td>
            <td>\(Formatting.reported(agent.imageStore))</td>
            <td>\(Formatting.reported(agent.platform))</td>
            <td>\(agent.runningJobs)/\(agent.capacity)</td>
            <td><time datetime="\(Formatting.timestamp(agent.lastSeenAt))">\(Formatting.ago(agent.lastSeenAt, now: now))</time></td>
            </tr>
            """
    }
}
