import FlattenProtocol
import Foundation
import Hummingbird

// The pages: each reads what it shows in one or two indexed statements and renders it.
extension DashboardRoutes {
    /// `GET /ui/?labels=k=v,…&after=NAME`: the fleet, a page of agents by name.
    func fleet(_ request: Request, _ session: DashboardSession) async throws -> HTML {
        let query = request.uri.queryParameters
        let selectorText = query["labels"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let selector = selectorText.isEmpty ? [:] : try Self.selector(parsing: selectorText, field: "labels")
        let cursor = try query["after"].map { text -> AgentCursor in
            guard let cursor = AgentCursor(encoded: String(text)) else { throw Self.badCursor }
            return cursor
        }
        let page = try await agents.agents(onlineWithin: configuration.leaseDuration, matching: selector, after: cursor, limit: Self.pageSize)
        let next = page.next.map { DashboardPath.with(DashboardPath.fleet, query: [("labels", selectorText.isEmpty ? nil : selectorText), ("after", $0.encoded)]) }
        return FleetView(agents: page.agents, selectorText: selectorText, nextPage: next, now: Date()).render(session: session)
    }

    /// `GET /ui/batches?after=`: newest first.
    func batches(_ request: Request, _ session: DashboardSession) async throws -> HTML {
        let cursor = try Self.newestFirstCursor(request)
        let page = try await jobs.batches(after: cursor, limit: Self.pageSize)
        let next = page.next.map { DashboardPath.with(DashboardPath.batches, query: [("after", $0.encoded)]) }
        return BatchesView(batches: page.batches, nextPage: next, now: Date()).render(session: session)
    }

    /// `GET /ui/batches/{id}`.
    func batch(_ context: Context, _ session: DashboardSession) async throws -> HTML {
        let id = try context.parameters.requireUUID(what: "batch")
        guard let batch = try await jobs.batch(id) else { throw APIError.notFound("no batch \(id.lowercased): it may have been pruned after its retention") }
        let target = try await jobs.target(ofBatch: id)
        return BatchView(batch: batch, target: target, now: Date()).render(session: session)
    }

    /// `GET /ui/jobs?state=&agent=&image=&batch=&after=`: newest first.
    func jobList(_ request: Request, _ session: DashboardSession) async throws -> HTML {
        let query = request.uri.queryParameters
        func field(_ name: String) -> String? {
            guard let value = query[Substring(name)].map(String.init)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        var filter = JobFilter()
        if let text = field("state") {
            guard let state = JobState(rawValue: text) else {
                throw APIError.invalidRequest("unknown state \(String(reflecting: text)); pick one of: \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.state = state
        }
        filter.agentName = field("agent")
        if let text = field("image") {
            do {
                filter.image = try ImageReference(text)
            } catch {
                throw APIError.invalidRequest("the image filter is not an image reference: \(error)")
            }
        }
        if let text = field("batch") {
            guard let id = UUID(uuidString: text) else { throw APIError.invalidRequest("the batch filter \(String(reflecting: text)) is not a batch ID (a UUID)") }
            filter.batchID = id
        }
        let page = try await jobs.jobs(matching: filter, after: try Self.newestFirstCursor(request), limit: Self.pageSize)
        let next = page.nextCursor.map { cursor in
            DashboardPath.with(DashboardPath.jobs, query: ["state", "agent", "image", "batch"].map { ($0, field($0)) } + [("after", cursor)])
        }
        return JobsView(jobs: page.jobs, filter: filter, nextPage: next, now: Date()).render(session: session)
    }

    /// `GET /ui/jobs/{id}`.
    func job(_ context: Context, _ session: DashboardSession) async throws -> HTML {
        let id = try context.parameters.requireUUID(what: "job")
        guard let job = try await jobs.job(id) else { throw APIError.notFound("no job \(id.lowercased): it may have been pruned after its retention") }
        let events = try await jobs.events(ofJob: id)
        return JobView(job: job, events: events, now: Date()).render(session: session)
    }

    /// `GET /ui/savings`.
    func savings(_ session: DashboardSession) async throws -> HTML {
        SavingsView(report: try await jobs.savings(), now: Date()).render(session: session)
    }

    // MARK: Query parameters

    static var badCursor: APIError {
        APIError.invalidRequest("the page link is not valid (its `after` parameter was changed); start again from the first page")
    }

    static func newestFirstCursor(_ request: Request) throws -> NewestFirstCursor? {
        try request.uri.queryParameters["after"].map { text in
            guard let cursor = NewestFirstCursor(encoded: String(text)) else { throw badCursor }
            return cursor
        }
    }

    /// `zone=a,gpu=yes` as labels (``LabelSelectorText``); a 400 naming `field` and the pair at fault.
    static func selector(parsing text: String, field: String) throws -> [String: String] {
        do {
            return try LabelSelectorText.parse(text)
        } catch {
            throw APIError.invalidRequest("\(field): \(error)")
        }
    }
}
