import DockerEngine
import FlattenProtocol
import Foundation
import Testing
import TestSupport

/// The dashboard in a real headless Chromium, over WebDriver, against the built coordinator,
/// two real agents and their engines: what an operator does with it, end to end.
///
/// With `FLATTEN_SCREENSHOTS=DIR` in the environment it also saves the fleet, batch and job
/// pages as PNGs there (how docs/dashboard-*.png were made).
@Suite("Dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    static var engine: TestEngine { TestEngine.all[0] }

    /// Signs in through the form, as a person would.
    func signIn(_ browser: WebDriverSession, at url: String, token: String) async throws {
        try await browser.navigate(to: url + "/")
        try await browser.waitUntil("the sign-in form") { try await browser.currentURL().hasSuffix("/ui/sign-in") ? true : nil }
        try await browser.findElement(css: "input[name=token]").sendKeys(token)
        try await click(browser, "form.signin button")
        try await browser.waitUntil("the fleet page after signing in") {
            try await browser.title().hasPrefix("Fleet") ? true : nil
        }
    }

    /// The element's text, read in one script: a live page replaces its `<main>` under the
    /// test, which would leave an element handle stale between finding and reading it.
    func text(_ browser: WebDriverSession, _ selector: String) async throws -> String? {
        try await browser.executeScript("return document.querySelector(arguments[0])?.innerText ?? null;", args: [.string(selector)]).stringValue
    }

    func attribute(_ browser: WebDriverSession, _ selector: String, _ name: String) async throws -> String? {
        try await browser.executeScript("return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null;",
                                        args: [.string(selector), .string(name)]).stringValue
    }

    /// Clicks the element, finding it again if the page replaced it meanwhile.
    func click(_ browser: WebDriverSession, _ selector: String) async throws {
        try await browser.waitUntil("a click on \(selector)") { () -> Bool? in
            do {
                try await browser.findElement(css: selector).click()
                return true
            } catch let error as WebDriverError where error.code == "stale element reference" {
                return nil
            }
        }
    }

    func screenshot(_ browser: WebDriverSession, _ name: String) async throws {
        guard let directory = ProcessInfo.processInfo.environment["FLATTEN_SCREENSHOTS"], !directory.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try await browser.savingScreenshot(to: URL(fileURLWithPath: directory).appendingPathComponent("dashboard-\(name).png"))
    }

    @Test("an operator signs in, sees the fleet, submits a flatten, watches it succeed live, cancels a queued job and signs out")
    func operatorJourney() async throws {
        try await Fleet.withStarted(on: Self.engine) { fleet in
            let image = "fleet-test/\(fleet.id)-web:1"
            try await TestSupport.TestEnvironment.withEngine(fleet.engines["a"]!.variable) { engine in
                try await TestImages.build(image, megabytes: 4, on: engine)
            }
            let nameA = fleet.agentNames["a"]!, nameB = fleet.agentNames["b"]!

            try await withChromeDriver { driver in
                try await driver.withSession { browser in
                    try await signIn(browser, at: fleet.coordinatorURL, token: Fleet.adminToken)
                    let session = try #require(try await browser.cookies().first { $0.name == "flatten_session" })
                    #expect(session.httpOnly)
                    #expect(session.sameSite == "Strict")
                    #expect(session.value != Fleet.adminToken)
                    #expect(!(try await browser.currentURL()).contains(Fleet.adminToken))

                    // The fleet: both agents, online, with their engines.
                    for name in [nameA, nameB] {
                        let state = try await text(browser, "tr[data-agent='\(name)'] .badge")
                        #expect(state == "online")
                    }
                    try await screenshot(browser, "fleet")

                    // Submit through the form while agent a is stopped, so the batch page shows
                    // the job queued first; then it follows the job to its end by itself.
                    await fleet.agent("a").stop()
                    try await browser.navigate(to: fleet.coordinatorURL + "/ui/submit")
                    try await browser.findElement(css: "input[name=image]").sendKeys(image)
                    try await browser.findElement(css: "input[name=host]").sendKeys(nameA)
                    try await click(browser, "form.submit button")
                    let batchURL = try await browser.waitUntil("the batch page") { () -> String? in
                        let url = try await browser.currentURL()
                        return url.contains("/ui/batches/") ? url : nil
                    }
                    #expect(try await attribute(browser, "tr[data-host='\(nameA)']", "data-state") == "queued")
                    // Marks this document: a reload would start a new one without the mark.
                    _ = try await browser.executeScript("window.notReloaded = true; return true;")
                    try fleet.startAgent("a")
                    let state = try await browser.waitUntil("the job to succeed on the live page", timeout: .seconds(240), every: .milliseconds(250)) { () -> String? in
                        let state = try await attribute(browser, "tr[data-host='\(nameA)']", "data-state")
                        return state == "succeeded" || state == "failed" || state == "skipped" ? state : nil
                    }
                    #expect(state == "succeeded")
                    #expect(try await browser.executeScript("return window.notReloaded === true;").boolValue == true)
                    #expect(try await text(browser, "#batch-summary") == "1 succeeded")
                    #expect(try await browser.currentURL() == batchURL)
                    try await screenshot(browser, "batch")

                    // The job page: the result, layers before and after.
                    try await click(browser, "tr[data-host='\(nameA)'] a")
                    try await browser.waitUntil("the job page") { try await browser.title().hasPrefix("Job ") ? true : nil }
                    let result = try await text(browser, "#job-result") ?? ""
                    #expect(result.contains("→ 1"), "\(result)")
                    try await screenshot(browser, "job")

                    // A job that stays queued (its agent is stopped), canceled from its page after the dialog.
                    await fleet.agent("b").stop()
                    let (queued, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", image, "--host", nameB])
                    let queuedJob = queued.jobs[0].id
                    try await browser.navigate(to: fleet.coordinatorURL + "/ui/jobs/\(queuedJob.uuidString.lowercased())")
                    #expect(try await text(browser, "#job-state") == "queued")
                    try await click(browser, "form.action button.danger")
                    let question = try await browser.waitUntil("the confirmation dialog") { try? await browser.alertText() }
                    #expect(question.contains("Cancel the flatten"))
                    try await browser.dismissAlert()
                    #expect(try await fleet.job(queuedJob).state == .queued)
                    try await click(browser, "form.action button.danger")
                    _ = try await browser.waitUntil("the confirmation dialog again") { try? await browser.alertText() }
                    try await browser.acceptAlert()
                    try await browser.waitUntil("the job page to show canceled") {
                        (try? await text(browser, "#job-state")) == "canceled" ? true : nil
                    }
                    #expect(try await fleet.job(queuedJob).state == .canceled)

                    // Sign out: the page and the session are gone.
                    try await click(browser, "form.signout button")
                    try await browser.waitUntil("the sign-in page after signing out") {
                        try await browser.currentURL().hasSuffix("/ui/sign-in") ? true : nil
                    }
                    try await browser.navigate(to: fleet.coordinatorURL + "/ui/batches")
                    #expect(try await browser.currentURL().hasSuffix("/ui/sign-in"))
                }
            }
        }
    }

    @Test("a viewer sees but cannot act; a request from another origin or without the session is refused")
    func viewerAndOtherOrigins() async throws {
        try await Fleet.withStarted(on: Self.engine) { fleet in
            let nameA = fleet.agentNames["a"]!
            await fleet.agent("a").stop()
            let (queued, _) = try await fleet.flatctlJSON(SubmissionResponse.self, ["submit", "fleet-test/\(fleet.id)-none:1", "--host", nameA])
            let jobPath = "/ui/jobs/\(queued.jobs[0].id.uuidString.lowercased())"

            try await withChromeDriver { driver in
                try await driver.withSession { browser in
                    // Without a session, a page sends the browser to the sign-in form.
                    try await browser.navigate(to: fleet.coordinatorURL + jobPath)
                    #expect(try await browser.currentURL().hasSuffix("/ui/sign-in"))

                    try await signIn(browser, at: fleet.coordinatorURL, token: Fleet.viewerToken)
                    #expect(try await browser.findElements(css: "a[href='/ui/submit']").isEmpty)
                    try await browser.navigate(to: fleet.coordinatorURL + jobPath)
                    #expect(try await text(browser, "#job-state") == "queued")
                    #expect(try await browser.findElements(css: "form.action").isEmpty)
                    // Even a hand-made post with the page's own form token is refused.
                    let status = try await browser.executeScript("""
                        const token = document.querySelector("input[name=csrf]").value;
                        const response = await fetch(arguments[0], { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
                                                                      body: "confirmed=yes&csrf=" + token });
                        return response.status;
                        """.asyncScript, args: [.string(jobPath + "/cancel")])
                    #expect(status.intValue == 403)

                    // Another site's page posting to the coordinator: the strict cookie stays
                    // home and the origin is not the dashboard's.
                    let form = "<form method=post action='\(fleet.coordinatorURL)\(jobPath)/cancel'><input name=confirmed value=yes></form><script>document.forms[0].submit()</script>"
                    try await browser.navigate(to: "data:text/html," + (form.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? form))
                    let refused = try await browser.waitUntil("the coordinator's answer to the forged form") { () -> String? in
                        let title = try await browser.title()
                        return title.hasPrefix("403") || title.hasPrefix("401") ? title : nil
                    }
                    #expect(refused.hasPrefix("403"))
                }
            }
            #expect(try await fleet.job(queued.jobs[0].id).state == .queued)
        }
    }
}

private extension String {
    /// The script wrapped for WebDriver's synchronous execute: an async body whose result the
    /// returned promise carries (Chromium waits for it).
    var asyncScript: String { "return (async () => { \(self) })();" }
}
