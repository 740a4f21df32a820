import Foundation
import NIOHTTP1

/// One browser session: a Chromium window the test drives through WebDriver commands.
public struct WebDriverSession: Sendable {
    /// The session ID chromedriver gave.
    public let id: String
    let driver: WebDriver
    /// The session's `--user-data-dir`, removed by ``quit()``.
    let profileDirectory: URL

    /// Sends a command under `/session/ID`; `path` is empty for the session itself.
    func send(_ method: HTTPMethod, _ path: String, _ body: WebDriverJSON? = nil) async throws -> WebDriverJSON {
        try await driver.send(method, "/session/\(id)\(path)", body)
    }

    /// Closes the browser and removes its profile.
    public func quit() async throws {
        defer { try? FileManager.default.removeItem(at: profileDirectory) }
        _ = try await send(.DELETE, "")
    }

    // MARK: Navigation

    /// Loads `url` and returns once the page has loaded.
    public func navigate(to url: String) async throws {
        _ = try await send(.POST, "/url", ["url": .string(url)])
    }

    public func currentURL() async throws -> String {
        try await string(.GET, "/url")
    }

    public func title() async throws -> String {
        try await string(.GET, "/title")
    }

    /// The DOM serialised as HTML now (after scripts changed it), not the bytes that were loaded.
    public func pageSource() async throws -> String {
        try await string(.GET, "/source")
    }

    // MARK: Elements

    /// The first element matching the CSS `selector`.
    ///
    /// - Throws: ``WebDriverError`` with code `no such element` when none matches.
    public func findElement(css selector: String) async throws -> WebDriverElement {
        let reply = try await send(.POST, "/element", ["using": "css selector", "value": .string(selector)])
        return try element(in: reply, command: "POST /session/\(id)/element")
    }

    /// Every element matching the CSS `selector`, in document order; empty when none does.
    public func findElements(css selector: String) async throws -> [WebDriverElement] {
        let reply = try await send(.POST, "/elements", ["using": "css selector", "value": .string(selector)])
        return try (reply.arrayValue ?? []).map { try element(in: $0, command: "POST /session/\(id)/elements") }
    }

    private func element(in reply: WebDriverJSON, command: String) throws -> WebDriverElement {
        guard let elementID = reply[WebDriverElement.referenceKey]?.stringValue else {
            throw WebDriverError.malformedReply(status: 200, body: "\(reply)", command: command)
        }
        return WebDriverElement(id: elementID, session: self)
    }

    // MARK: Scripts and screenshots

    /// Runs `script` as the body of a function in the page (`return` gives its result) with
    /// `args` as `arguments`; elements go in as ``WebDriverElement/reference``.
    @discardableResult
    public func executeScript(_ script: String, args: [WebDriverJSON] = []) async throws -> WebDriverJSON {
        try await send(.POST, "/execute/sync", ["script": .string(script), "args": .array(args)])
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let encoded = try await string(.GET, "/screenshot")
        guard let png = Data(base64Encoded: encoded) else {
            throw WebDriverError.malformedReply(status: 200, body: String(encoded.prefix(200)), command: "GET /session/\(id)/screenshot")
        }
        return png
    }

    /// Takes a screenshot and writes it to `file`, typically to look at after a failure.
    @discardableResult
    public func savingScreenshot(to file: URL) async throws -> Data {
        let png = try await screenshot()
        try png.write(to: file)
        return png
    }

    // MARK: Dialogs

    /// The message of the open `alert`, `confirm` or `prompt` dialog.
    ///
    /// - Throws: ``WebDriverError`` with code `no such alert` when none is open.
    public func alertText() async throws -> String {
        try await string(.GET, "/alert/text")
    }

    /// Presses OK: a `confirm()` returns `true`.
    public func acceptAlert() async throws {
        _ = try await send(.POST, "/alert/accept", [:])
    }

    /// Presses Cancel: a `confirm()` returns `false`.
    public func dismissAlert() async throws {
        _ = try await send(.POST, "/alert/dismiss", [:])
    }

    // MARK: Cookies

    /// The cookies visible to the current page.
    public func cookies() async throws -> [WebDriverCookie] {
        let reply = try await send(.GET, "/cookie")
        return (reply.arrayValue ?? []).compactMap(WebDriverCookie.init(json:))
    }

    /// Deletes the cookies visible to the current page (a logout without the UI).
    public func deleteAllCookies() async throws {
        _ = try await send(.DELETE, "/cookie")
    }

    // MARK: Waiting

    /// Polls `condition` every `interval` until it returns a value, and returns that value.
    /// Errors the condition throws end the wait; use `try?` inside it for misses that may pass
    /// (an element not there yet).
    ///
    /// - Parameter awaited: what is awaited, in words, for the timeout's message.
    /// - Throws: ``WebDriverError`` after `timeout`, saying what was awaited, the current URL and
    ///   the beginning of the page's text.
    public func waitUntil<T>(
        _ awaited: String,
        timeout: Duration = .seconds(10),
        every interval: Duration = .milliseconds(100),
        isolation: isolated (any Actor)? = #isolation,
        _ condition: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await condition() { return value }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: interval)
        }
        // Either may fail (an open dialog blocks both); the timeout is the news.
        let url = (try? await currentURL()) ?? "(unknown)"
        let text = (try? await executeScript("return document.body ? document.body.innerText : ''"))?.stringValue
        let excerpt = text.map { String($0.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ").prefix(300)) }
        throw WebDriverError.timedOut(awaited: awaited, after: timeout, url: url, pageText: excerpt ?? "(unknown)")
    }

    private func string(_ method: HTTPMethod, _ path: String) async throws -> String {
        let reply = try await send(method, path)
        guard let text = reply.stringValue else {
            throw WebDriverError.malformedReply(status: 200, body: "\(reply)", command: "\(method.rawValue) /session/\(id)\(path)")
        }
        return text
    }
}
