import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A browser's view of the dashboard over HummingbirdTesting's client: a session cookie, and
/// pages as HTML text.
struct TestDashboard: Sendable {
    let client: any TestClientProtocol
    /// The session cookie's value; nil before signing in.
    var session: String?

    init(_ api: TestAPI) {
        client = api.client
    }

    /// A page: its status, body, and the `Location` of a redirect.
    struct Page: Sendable {
        let status: HTTPResponse.Status
        let body: String
        let headers: HTTPFields

        var location: String? { headers[.location] }

        /// The value the page's forms post as `csrf`.
        var formToken: String? {
            guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    func get(_ path: String) async throws -> Page {
        try await send(.get, path, body: nil, headers: [:])
    }

    /// Posts a URL-encoded form, from the page's own origin unless `origin` says otherwise.
    func post(_ path: String, form: [(String, String)], origin: String? = nil) async throws -> Page {
        let encoded = form.map { name, value in
            "\(Self.encode(name))=\(Self.encode(value))"
        }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let origin { headers[.origin] = origin }
        return try await send(.post, path, body: ByteBuffer(string: encoded), headers: headers)
    }

    /// Signs in with `token`; the session is kept when the sign-in succeeds.
    @discardableResult
    mutating func signIn(_ token: String) async throws -> Page {
        let page = try await post("/ui/sign-in", form: [("token", token)])
        if let cookie = page.headers[.setCookie], cookie.hasPrefix("flatten_session=") {
            session = String(cookie.dropFirst("flatten_session=".count).prefix { $0 != ";" })
        }
        return page
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: ByteBuffer?, headers: HTTPFields) async throws -> Page {
        var fields = headers
        if let session { fields[.cookie] = "flatten_session=\(session)" }
        let response = try await client.executeRequest(uri: path, method: method, headers: fields, body: body)
        return Page(status: response.status, body: String(buffer: response.body), headers: response.headers)
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
