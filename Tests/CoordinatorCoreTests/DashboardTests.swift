@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard's pages and actions against a real coordinator and PostgreSQL, as a browser
/// without JavaScript sees them (the browser tests in FleetTests drive a real Chromium).
@Suite("Dashboard")
struct DashboardTests {
    @Test("pages need a session: / and every page redirect to the sign-in page; the assets are public")
    func signInRequired() async throws {
        try await TestFleet.run { fleet in
            let browser = TestDashboard(fleet.api)
            let root = try await browser.get("/")
            #expect(root.status == .found)
            #expect(root.location == "/ui/")
            for path in ["/ui/", "/ui/batches", "/ui/jobs", "/ui/savings", "/ui/submit", "/ui/jobs/\(UUID().lowercased)"] {
                let page = try await browser.get(path)
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.location == "/ui/sign-in", "\(path)")
            }
            #expect(try await browser.get("/ui/events").status == .unauthorized)
            let signIn = try await browser.get("/ui/sign-in")
            #expect(signIn.status == .ok)
            #expect(signIn.body.contains(#"type="password" name="token""#))
            let css = try await browser.get("/ui/assets/dashboard.css")
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    @Test("an admin token signs in as operator: an HttpOnly, SameSite=Strict cookie holding a random ID that is stored only hashed")
    func operatorSignIn() async throws {
        try await TestFleet.run { fleet in
            var browser = TestDashboard(fleet.api)
            let answer = try await browser.signIn(TestTokens.admin)
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/ui/")
            let cookie = try #require(answer.headers[.setCookie])
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/ui"))
            let session = try #require(browser.session)
            #expect(session.count == 43)
            #expect(!cookie.contains(TestTokens.admin))

            let rows = try await fleet.coordinator.client.query("SELECT id_hash, role FROM dashboard_sessions")
            #expect(rows.count == 1)
            #expect(try rows.first?.decode(String.self, column: "id_hash") == SecretToken.hash(of: session))
            #expect(try rows.first?.decode(String.self, column: "role") == "operator")

            let fleetPage = try await browser.get("/ui/")
            #expect(fleetPage.status == .ok)
            #expect(fleetPage.body.contains(#"<span class="role">operator</span>"#))
            #expect(fleetPage.body.contains(#"href="/ui/submit""#))
            #expect(fleetPage.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }

    @Test("agents' and enrollment tokens cannot sign in; a wrong token gets 401 and the form again")
    func tokensThatCannotSignIn() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            for token in [agent.token, TestTokens.enrollment, "not-a-token"] {
                var browser = TestDashboard(fleet.api)
                let answer = try await browser.signIn(token)
                #expect(answer.status == .unauthorized)
                #expect(answer.body.contains("that token does not sign in"))
                #expect(answer.headers[.setCookie] == nil)
                #expect(browser.session == nil)
            }
            let rows = try await fleet.coordinator.client.query("SELECT count(*) AS n FROM dashboard_sessions")
            #expect(try rows.first?.decode(Int.self, column: "n") == 0)
        }
    }

    @Test("sign-out ends the session: the old cookie opens nothing afterwards")
    func signOut() async throws {
        try await TestFleet.run { fleet in
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.admin)
            let token = try #require(try await browser.get("/ui/").formToken)
            let answer = try await browser.post("/ui/sign-out", form: [("csrf", token)])
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/ui/sign-in")
            #expect(answer.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The browser keeps the old cookie, as a copy of it would be kept.
            let after = try await browser.get("/ui/")
            #expect(after.status == .seeOther)
            #expect(after.location == "/ui/sign-in")
        }
    }

    @Test("a viewer sees every page but no action, and is refused when it posts one")
    func viewerCannotAct() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            let submitted = try await fleet.api.submit(.to(.host("a")))
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.viewer)
            let jobID = submitted.jobs[0].id
            let jobPage = try await browser.get("/ui/jobs/\(jobID.lowercased)")
            #expect(jobPage.status == .ok)
            #expect(jobPage.body.contains(#"<span class="role">viewer</span>"#))
            #expect(!jobPage.body.contains("Cancel job"))
            #expect(!(try await browser.get("/ui/")).body.contains(#"href="/ui/submit""#))

            let token = try #require(jobPage.formToken)
            let cancel = try await browser.post("/ui/jobs/\(jobID.lowercased)/cancel", form: [("csrf", token), ("confirmed", "yes")])
            #expect(cancel.status == .forbidden)
            #expect(cancel.body.contains("signed in as a viewer"))
            let submit = try await browser.post("/ui/submit", form: [("csrf", token), ("image", "app:2"), ("target", "all")])
            #expect(submit.status == .forbidden)
            #expect(try await fleet.api.job(jobID).state == .queued)
            let batches = try await fleet.coordinator.client.query("SELECT count(*) AS n FROM batches")
            #expect(try batches.first?.decode(Int.self, column: "n") == 1)
        }
    }

    @Test("an action from another origin, or without the session's form token, is refused and changes nothing")
    func crossSiteRefused() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            let submitted = try await fleet.api.submit(.to(.host("a")))
            let jobID = submitted.jobs[0].id
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.admin)
            let token = try #require(try await browser.get("/ui/jobs/\(jobID.lowercased)").formToken)
            let path = "/ui/jobs/\(jobID.lowercased)/cancel"

            let otherSite = try await browser.post(path, form: [("csrf", token), ("confirmed", "yes")], origin: "https://evil.example")
            #expect(otherSite.status == .forbidden)
            #expect(otherSite.body.contains("another site"))
            let noToken = try await browser.post(path, form: [("confirmed", "yes")])
            #expect(noToken.status == .forbidden)
            let otherSession = try await browser.post(path, form: [("csrf", String(repeating: "0", count: 64)), ("confirmed", "yes")])
            #expect(otherSession.status == .forbidden)
            let anonymous = try await TestDashboard(fleet.api).post(path, form: [("csrf", token), ("confirmed", "yes")])
            #expect(anonymous.status == .unauthorized)
            let signInFromElsewhere = try await TestDashboard(fleet.api).post("/ui/sign-in", form: [("token", TestTokens.admin)], origin: "https://evil.example")
            #expect(signInFromElsewhere.status == .forbidden)
            #expect(signInFromElsewhere.headers[.setCookie] == nil)
            #expect(try await fleet.api.job(jobID).state == .queued)
        }
    }

    @Test("the fleet page lists agents by name, filters by labels, and escapes what agents report")
    func fleetPage() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("web-a", labels: ["zone": "a", "note": "<script>alert(1)</script>"])
            _ = try await fleet.api.register("web-b", labels: ["zone": "b"])
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.viewer)
            let all = try await browser.get("/ui/")
            #expect(all.body.contains(#"data-agent="web-a""#))
            #expect(all.body.contains(#"data-agent="web-b""#))
            #expect(!all.body.contains("<script>alert"))
            #expect(all.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let zoneB = try await browser.get("/ui/?labels=zone%3Db")
            #expect(!zoneB.body.contains(#"data-agent="web-a""#))
            #expect(zoneB.body.contains(#"data-agent="web-b""#))
            let bad = try await browser.get("/ui/?labels=zone")
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("is not KEY=VALUE"))
        }
    }

    @Test("the submit form makes a batch and shows it; its errors are the API's, with the form kept")
    func submitForm() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("web-a", labels: ["zone": "a"])
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.admin)
            let token = try #require(try await browser.get("/ui/submit").formToken)

            let made = try await browser.post("/ui/submit", form: [("csrf", token), ("image", "app:1.2"), ("target", "host"), ("host", "web-a")])
            #expect(made.status == .seeOther)
            let location = try #require(made.location)
            #expect(location.hasPrefix("/ui/batches/"))
            let batchPage = try await browser.get(location)
            #expect(batchPage.body.contains(#"data-host="web-a" data-state="queued""#))
            #expect(batchPage.body.contains("app:1.2"))

            let badImage = try await browser.post("/ui/submit", form: [("csrf", token), ("image", "App Image"), ("target", "all")])
            #expect(badImage.status == .badRequest)
            #expect(badImage.body.contains("invalid image reference"))
            #expect(badImage.body.contains(#"value="App Image""#))
            let nobody = try await browser.post("/ui/submit", form: [("csrf", token), ("image", "app:1"), ("target", "selector"), ("selector", "zone=z")])
            #expect(nobody.status == .unprocessableContent)
            #expect(nobody.body.contains("zone=z") || nobody.body.contains("no agent"))
            let unknownHost = try await browser.post("/ui/submit", form: [("csrf", token), ("image", "app:1"), ("target", "host"), ("host", "ghost")])
            #expect(unknownHost.status == .unprocessableContent)
            #expect(unknownHost.body.contains("ghost"))
        }
    }

    @Test("a job page shows the error to act on; retry makes a new job for the same host; cancel asks first")
    func jobActions() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("web-a")
            _ = try await fleet.api.submit(.to(.host("web-a"), maxAttempts: 1))
            let claim = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.fail(agent, claim, message: "disk full on /var/lib/docker", retryable: false), .ok)
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.admin)
            let path = "/ui/jobs/\(claim.job.id.lowercased)"
            let failed = try await browser.get(path)
            #expect(failed.body.contains(#"<p id="job-error">disk full on /var/lib/docker</p>"#))
            #expect(failed.body.contains("event-claimed"))
            #expect(failed.body.contains("event-failed"))
            #expect(failed.body.contains(">Retry<"))
            let token = try #require(failed.formToken)

            let asked = try await browser.post(path + "/retry", form: [("csrf", token)])
            #expect(asked.status == .ok)
            #expect(asked.body.contains("Are you sure?"))
            let retried = try await browser.post(path + "/retry", form: [("csrf", token), ("confirmed", "yes")])
            #expect(retried.status == .seeOther)
            let second = try #require(try await fleet.api.claim(agent))
            #expect(second.job.id != claim.job.id)
            #expect(second.job.image == claim.job.image)
            #expect(retried.location == "/ui/batches/\(second.job.batchId.lowercased)")

            _ = try await fleet.api.submit(.to(.host("web-a"), image: "registry.example/app:2"))
            let queued = try #require(try await fleet.api.send(.get, APIPath.jobs + "?state=queued", token: TestTokens.admin))
            let queuedJob = try #require(try decode(JobList.self, from: queued).jobs.first)
            let cancelPath = "/ui/jobs/\(queuedJob.id.lowercased)/cancel"
            #expect(try await browser.post(cancelPath, form: [("csrf", token)]).body.contains("Are you sure?"))
            #expect(try await fleet.api.job(queuedJob.id).state == .queued)
            let canceled = try await browser.post(cancelPath, form: [("csrf", token), ("confirmed", "yes")])
            #expect(canceled.status == .seeOther)
            #expect(try await fleet.api.job(queuedJob.id).state == .canceled)
        }
    }

    @Test("cancel batch cancels every unfinished job of the batch and no other")
    func cancelBatch() async throws {
        try await TestFleet.run { fleet in
            _ = try await fleet.api.register("a")
            _ = try await fleet.api.register("b")
            let batch = try await fleet.api.submit(.to(.all))
            let other = try await fleet.api.submit(.to(.host("a"), image: "registry.example/other:1"))
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.admin)
            let path = "/ui/batches/\(batch.batch.id.lowercased)"
            let token = try #require(try await browser.get(path).formToken)
            let answer = try await browser.post(path + "/cancel", form: [("csrf", token), ("confirmed", "yes")])
            #expect(answer.status == .seeOther)
            for job in batch.jobs { #expect(try await fleet.api.job(job.id).state == .canceled) }
            #expect(try await fleet.api.job(other.jobs[0].id).state == .queued)
            let page = try await browser.get(path)
            #expect(page.body.contains("2 canceled"))
            #expect(!page.body.contains("Cancel batch"))
        }
    }

    @Test("the batches and savings pages count what the jobs saved")
    func savingsAndBatches() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            let batch = try await fleet.api.submit(.to(.host("a")))
            let claim = try #require(try await fleet.api.claim(agent))
            try expectStatus(try await fleet.api.complete(agent, claim, result: .sample(saved: 4321)), .ok)
            var browser = TestDashboard(fleet.api)
            try await browser.signIn(TestTokens.viewer)
            let batches = try await browser.get("/ui/batches")
            #expect(batches.body.contains(#"data-batch="\#(batch.batch.id.lowercased)""#))
            #expect(batches.body.contains("4.32kB"))
            #expect(batches.body.contains("1 succeeded"))
            let savings = try await browser.get("/ui/savings")
            #expect(savings.body.contains(#"<strong id="total-saved">4.32kB</strong> by 1 flattened images"#))
            #expect(savings.body.contains("registry.example/app:1: 4.32kB in 1 flattens"))
            #expect(savings.body.contains(#"<svg class="chart" id="savings-per-day""#))
        }
    }

    @Test("the savings totals count every image, also those past the listed ones")
    func savingsTotals() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            for (image, saved) in [("registry.example/app:1", Int64(1000)), ("registry.example/big:1", 3000), ("registry.example/app:1", 500)] {
                _ = try await fleet.api.submit(.to(.host("a"), image: image))
                let claim = try #require(try await fleet.api.claim(agent))
                try expectStatus(try await fleet.api.complete(agent, claim, result: .sample(saved: saved)), .ok)
            }
            let top = try await fleet.coordinator.jobs.savings(images: 1)
            #expect(top.perImage.map(\.image) == ["registry.example/big:1"])
            #expect(top.totalBytesSaved == 4500)
            #expect(top.totalJobs == 3)
            let all = try await fleet.coordinator.jobs.savings()
            #expect(all.perImage.map(\.bytesSaved) == [3000, 1500])
            #expect(all.perDay.map(\.bytesSaved).reduce(0, +) == 4500)
        }
    }
}
