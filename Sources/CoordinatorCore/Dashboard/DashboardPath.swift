import Foundation

/// The dashboard's URLs, all under `/ui/`, in one place for routes and views.
enum DashboardPath {
    static let root = "/ui/"
    static let fleet = "/ui/"
    static let signIn = "/ui/sign-in"
    static let signOut = "/ui/sign-out"
    static let batches = "/ui/batches"
    static let jobs = "/ui/jobs"
    static let savings = "/ui/savings"
    static let submit = "/ui/submit"
    static let events = "/ui/events"
    static let stylesheet = "/ui/assets/dashboard.css"
    static let script = "/ui/assets/dashboard.js"

    static func batch(_ id: UUID) -> String { "/ui/batches/\(id.lowercased)" }
    static func cancelBatch(_ id: UUID) -> String { "/ui/batches/\(id.lowercased)/cancel" }
    static func job(_ id: UUID) -> String { "/ui/jobs/\(id.lowercased)" }
    static func cancelJob(_ id: UUID) -> String { "/ui/jobs/\(id.lowercased)/cancel" }
    static func retryJob(_ id: UUID) -> String { "/ui/jobs/\(id.lowercased)/retry" }

    /// `path?name=value&…` with the non-nil values percent-encoded.
    static func with(_ path: String, query: [(String, String?)]) -> String {
        var components = URLComponents()
        components.path = path
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        components.queryItems = items.isEmpty ? nil : items
        // URLComponents leaves `+` as is, which a form decoder reads as a space.
        return (components.string ?? path).replacingOccurrences(of: "+", with: "%2B")
    }
}
