import Foundation
import HTTPTypes
import Hummingbird

/// Whether a state-changing request comes from the dashboard's own pages.
///
/// Browsers name the page a request comes from in `Origin` (every cross-origin POST, and
/// Chromium's same-origin ones too) or, failing that, in `Sec-Fetch-Site`. A request that
/// names another origin is refused whatever cookie it carries; one with neither header is not
/// a browser's, so no cookie rode along without its sender's knowledge, and the form token
/// (``DashboardSession/formToken``) still has to match.
enum DashboardOrigin {
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Whether the request may change anything; `tls` is whether the coordinator serves HTTPS
    /// (the port a browser leaves out of `Origin` is that scheme's default).
    static func isSameOrigin(_ request: Request, tls: Bool) -> Bool {
        if let origin = request.headers[.origin] {
            guard let host = request.head.authority else { return false }
            return matches(origin: origin, host: host, tls: tls)
        }
        if let site = request.headers[fetchSite] {
            return site == "same-origin" || site == "none"
        }
        return true
    }

    /// Whether `origin` (`http://127.0.0.1:8080`) names the server that `host`
    /// (`127.0.0.1:8080`, from the request's Host) is, scheme included.
    static func matches(origin: String, host: String, tls: Bool) -> Bool {
        let scheme = tls ? "https" : "http"
        guard let origin = URLComponents(string: origin), origin.scheme?.lowercased() == scheme,
              let server = URLComponents(string: "\(scheme)://\(host)"),
              let originHost = origin.host?.lowercased(), let serverHost = server.host?.lowercased()
        else { return false }
        let defaultPort = tls ? 443 : 80
        return originHost == serverHost && (origin.port ?? defaultPort) == (server.port ?? defaultPort)
    }
}
