@testable import CoordinatorCore
import Testing

/// The dashboard's rules that need no server: escaping, same-origin, forms, form tokens.
@Suite("Dashboard rules")
struct DashboardRulesTests {
    @Test("text interpolated into HTML is escaped; HTML is inserted as markup")
    func escaping() {
        let name = #"<img src=x onerror="alert('1')">&"#
        let cell: HTML = "<td>\(name)</td>"
        #expect(cell.rendered == "<td>&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</td>")
        let row: HTML = "<tr>\(cell)</tr>"
        #expect(row.rendered == "<tr>" + cell.rendered + "</tr>")
        #expect(HTML.joined([cell, cell], separator: "<br>").rendered == cell.rendered + "<br>" + cell.rendered)
    }

    @Test("an Origin matches only the same scheme, host and port", arguments: [
        ("http://127.0.0.1:8080", "127.0.0.1:8080", false, true),
        ("http://LOCALHOST:8080", "localhost:8080", false, true),
        ("http://127.0.0.1", "127.0.0.1:80", false, true),
        ("https://fleet.example", "fleet.example", true, true),
        ("http://[::1]:8080", "[::1]:8080", false, true),
        ("http://127.0.0.1:8081", "127.0.0.1:8080", false, false),
        ("https://127.0.0.1:8080", "127.0.0.1:8080", false, false),
        ("http://fleet.example", "fleet.example", true, false),
        ("http://evil.example:8080", "127.0.0.1:8080", false, false),
        ("null", "127.0.0.1:8080", false, false),
    ])
    func origin(origin: String, host: String, tls: Bool, same: Bool) {
        #expect(DashboardOrigin.matches(origin: origin, host: host, tls: tls) == same)
    }

    @Test("a URL-encoded form decodes + and %XX; the first of a repeated field wins")
    func form() {
        let form = DashboardForm(encoded: "image=registry.example%2Fapp%3A1&note=a+b&target=host&target=all&empty=&flag")
        #expect(form["image"] == "registry.example/app:1")
        #expect(form["note"] == "a b")
        #expect(form["target"] == "host")
        #expect(form["empty"] == "")
        #expect(form.text("empty") == nil)
        #expect(form["flag"] == "")
        #expect(form["missing"] == nil)
    }

    @Test("labels are KEY=VALUE pairs separated by commas; anything else names the pair")
    func selector() throws {
        #expect(try DashboardRoutes.selector(parsing: "zone=a, gpu=yes", field: "labels") == ["zone": "a", "gpu": "yes"])
        #expect(throws: APIError.self) { try DashboardRoutes.selector(parsing: "", field: "labels") }
        #expect(throws: APIError.self) { try DashboardRoutes.selector(parsing: "zone=a,", field: "labels") }
        #expect(throws: APIError.self) { try DashboardRoutes.selector(parsing: "zone", field: "labels") }
        #expect(throws: APIError.self) { try DashboardRoutes.selector(parsing: "=a", field: "labels") }
    }

    @Test("a session accepts its own form token only")
    func formToken() {
        let session = DashboardSession(id: SecretToken.generate(), role: .operator)
        let other = DashboardSession(id: SecretToken.generate(), role: .operator)
        #expect(session.acceptsFormToken(session.formToken))
        #expect(!session.acceptsFormToken(other.formToken))
        #expect(!session.acceptsFormToken(nil))
        #expect(!session.acceptsFormToken(session.id))
    }
}
