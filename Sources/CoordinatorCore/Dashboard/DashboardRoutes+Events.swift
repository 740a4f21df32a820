import Foundation
import Hummingbird
import NIOCore

// Live updates: a server-sent event stream per open page, fed by the process's one
// ``DashboardChangeFeed``.
extension DashboardRoutes {
    /// How long one stream lasts before the server ends it; the browser reconnects at once
    /// (after `retry`), which re-checks the session.
    static let streamLifetime: Duration = .seconds(300)

    /// `GET /ui/events`: `event: change` whenever the fleet changed, a comment line as a
    /// keep-alive otherwise. 401 without a session (EventSource then stops; the page still works).
    func events(_ request: Request) async throws -> Response {
        guard try await session(of: request) != nil else {
            return Self.problem(.unauthorized, "sign in to follow the fleet's changes", session: nil)
        }
        let (id, stream) = feed.subscribe()
        let feed = self.feed
        let ends = ContinuousClock.now + Self.streamLifetime
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                defer { feed.unsubscribe(id) }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                for await event in stream {
                    switch event {
                    case .change: try await writer.write(ByteBuffer(string: "event: change\ndata: \n\n"))
                    case .keepAlive: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                    if ContinuousClock.now >= ends { break }
                }
                try await writer.finish(nil)
            })
    }
}
