import Foundation
import Testing
import TestSupport

/// The WebDriver client against a real headless Chromium, on pages given as `data:` URLs so
/// that no server is involved: what the dashboard's browser tests rely on works here first.
@Suite("WebDriver client against headless Chromium", .serialized, .timeLimit(.minutes(2)))
struct WebDriverTests {
    /// A form whose button copies the input into `#out`, and a button that asks `confirm()`
    /// and writes the answer into `#answer`.
    static let page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>WebDriver test</title></head>
        <body>
        <form onsubmit="return false">
          <input id="name" name="name" value="initial">
          <button id="copy" type="button"
            onclick="document.getElementById('out').textContent = document.getElementById('name').value">Copy</button>
          <button id="ask" type="button"
            onclick="document.getElementById('answer').textContent = confirm('Sure?') ? 'yes' : 'no'">Ask</button>
        </form>
        <p id="out"></p>
        <p id="answer">unasked</p>
        </body></html>
        """

    static var pageURL: String {
        "data:text/html;charset=utf-8," + page.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    /// A session on the test page.
    func withPage(_ body: (WebDriverSession) async throws -> Void) async throws {
        try await withChromeDriver { driver in
            try await driver.withSession { session in
                try await session.navigate(to: Self.pageURL)
                try await body(session)
            }
        }
    }

    @Test("typed text goes through the form and back; title, URL, source, attribute and property read")
    func formRoundTrip() async throws {
        try await withPage { session in
            #expect(try await session.title() == "WebDriver test")
            #expect(try await session.currentURL().hasPrefix("data:text/html"))
            #expect(try await session.pageSource().contains(#"id="answer""#))
            #expect(try await session.findElements(css: "button").count == 2)
            #expect(try await session.findElements(css: "table").isEmpty)

            let input = try await session.findElement(css: "#name")
            try await input.clear()
            try await input.sendKeys("héllo fleet 42")
            try await session.findElement(css: "#copy").click()

            #expect(try await session.findElement(css: "#out").text() == "héllo fleet 42")
            #expect(try await input.attribute("value") == "initial")  // the markup's
            #expect(try await input.property("value") == "héllo fleet 42")  // the input's now
            #expect(try await input.attribute("placeholder") == nil)
        }
    }

    @Test("confirm() shows its text; accepting answers true, dismissing false")
    func confirmDialog() async throws {
        try await withPage { session in
            let ask = try await session.findElement(css: "#ask")
            let answer = try await session.findElement(css: "#answer")

            try await ask.click()
            #expect(try await session.alertText() == "Sure?")
            try await session.acceptAlert()
            #expect(try await answer.text() == "yes")

            try await ask.click()
            #expect(try await session.alertText() == "Sure?")
            try await session.dismissAlert()
            #expect(try await answer.text() == "no")

            let error = await #expect(throws: WebDriverError.self) { try await session.alertText() }
            #expect(error?.code == "no such alert")
        }
    }

    @Test("executeScript returns the script's value and takes elements as arguments")
    func executeScript() async throws {
        try await withPage { session in
            #expect(try await session.executeScript("return arguments[0] + arguments[1]", args: [40, 2]) == 42)
            #expect(try await session.executeScript("return {ok: true, list: ['a', null]}") == ["ok": true, "list": ["a", nil]])
            let input = try await session.findElement(css: "#name")
            #expect(try await session.executeScript("return arguments[0].id", args: [input.reference]) == "name")
            #expect(try await session.executeScript("return window.innerWidth").intValue == WebDriver.windowWidth)

            let error = await #expect(throws: WebDriverError.self) {
                try await session.executeScript("return notDefinedAnywhere")
            }
            #expect(error?.code == "javascript error")
            #expect(error?.description.contains("notDefinedAnywhere") == true)
        }
    }

    @Test("a screenshot is a PNG as wide as the window, and can be saved")
    func screenshot() async throws {
        try await withPage { session in
            let png = try await session.screenshot()
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            // The IHDR chunk comes first: length, "IHDR", then width and height, big-endian.
            try #require(png.count > 24)
            #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR")
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == WebDriver.windowWidth)
            #expect(height > 0 && height <= WebDriver.windowHeight)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("ff-webdriver-\(UUID()).png")
            defer { try? FileManager.default.removeItem(at: file) }
            let saved = try await session.savingScreenshot(to: file)
            #expect(try Data(contentsOf: file) == saved)
            #expect(saved.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
    }

    @Test("a missing element throws a WebDriverError that names the error, the selector and the command")
    func missingElement() async throws {
        try await withPage { session in
            let error = await #expect(throws: WebDriverError.self) {
                try await session.findElement(css: "#nowhere")
            }
            #expect(error?.code == "no such element")
            let description = error?.description ?? ""
            #expect(description.hasPrefix("no such element: "))
            #expect(description.contains("#nowhere"))
            #expect(description.contains("POST /session/"))
            #expect(!description.contains("Session info"))
        }
    }

    @Test("waitUntil returns the condition's value, and on timeout says what, where, and what the page shows")
    func waitUntil() async throws {
        try await withPage { session in
            try await session.findElement(css: "#name").sendKeys("!")
            try await session.executeScript("setTimeout(() => document.getElementById('copy').click(), 300)")
            let copied = try await session.waitUntil("the copy after 300 ms") { () -> String? in
                let text = try await session.findElement(css: "#out").text()
                return text.isEmpty ? nil : text
            }
            #expect(copied == "initial!")

            let start = ContinuousClock.now
            let error = await #expect(throws: WebDriverError.self) {
                try await session.waitUntil("a title that never comes", timeout: .milliseconds(500)) { () -> Bool? in
                    try await session.title() == "Never" ? true : nil
                }
            }
            #expect(ContinuousClock.now - start >= .milliseconds(500))
            let description = error?.description ?? ""
            #expect(description.contains("a title that never comes"))
            #expect(description.contains("data:text/html"))
            #expect(description.contains("unasked"))
        }
    }

    @Test("cookies of a page without an origin are none, and deleting them works")
    func cookies() async throws {
        try await withPage { session in
            // A data: URL has an opaque origin, hence no cookies; the dashboard's tests set real ones.
            #expect(try await session.cookies().isEmpty)
            try await session.deleteAllCookies()
        }
    }

    /// How a scope may end.
    enum Ending: CaseIterable, Sendable {
        case returns, throwsError, leavesSessionOpen
    }

    @Test("no chromedriver or Chromium process outlives the scope, and SIGTERM suffices", arguments: Ending.allCases)
    func processesEnd(ending: Ending) async throws {
        struct Planned: Error {}
        var processes: [ChromeDriverProcess] = []
        var bodyEnded = ContinuousClock.now
        do {
            try await withChromeDriver { driver in
                if ending == .leavesSessionOpen {
                    // Never quit: only stopping chromedriver's process group ends this browser.
                    try await driver.startSession().navigate(to: Self.pageURL)
                } else {
                    try await driver.withSession { session in
                        try await session.navigate(to: Self.pageURL)
                        processes = driver.chromeDriver.processes()
                        bodyEnded = ContinuousClock.now
                        if ending == .throwsError { throw Planned() }
                    }
                }
                processes = processes.isEmpty ? driver.chromeDriver.processes() : processes
                bodyEnded = ContinuousClock.now
            }
            #expect(ending != .throwsError)
        } catch is Planned {
            #expect(ending == .throwsError)
        }
        let survivors = processes.filter(\.isRunning)
        // Do not leave them to the next test even when the expectations below fail.
        for process in survivors { kill(process.pid, SIGKILL) }

        #expect(processes.first?.name == "chromedriver")
        #expect(processes.contains { $0.name.hasPrefix("chrom") && $0.name != "chromedriver" }, "no Chromium below chromedriver: \(processes)")
        #expect(survivors.isEmpty, "still running after the scope: \(survivors)")
        // Well under the 5 s grace before SIGKILL: chromedriver and Chromium end on SIGTERM.
        #expect(ContinuousClock.now - bodyEnded < .seconds(4))
    }
}
