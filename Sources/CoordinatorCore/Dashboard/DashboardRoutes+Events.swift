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
        let feed = self.feed
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                // Subscribed only once the body is written, so a response never sent leaks nothing.
                let (id, stream) = feed.subscribe()
                defer { feed.unsubscribe(id) }
                let ends = ContinuousClock.now + Self.streamLifetime
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
