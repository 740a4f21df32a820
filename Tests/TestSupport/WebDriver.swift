import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A W3C WebDriver client of one running chromedriver: opens browser sessions and sends their
/// commands as HTTP JSON. Made by ``withChromeDriver(isolation:_:)``, which owns its one
/// `HTTPClient` and shuts it down when the scope ends.
public final class WebDriver: Sendable {
    /// The window every session opens with; screenshots are this wide (the device scale factor
    /// is forced to 1 so that CSS pixels are screenshot pixels).
    public static let windowWidth = 1280
    public static let windowHeight = 900

    public let chromeDriver: ChromeDriver
    let http: HTTPClient

    init(chromeDriver: ChromeDriver, http: HTTPClient) {
        self.chromeDriver = chromeDriver
        self.http = http
    }

    /// Runs `body` with a new headless Chromium session and quits it however `body` ends.
    public func withSession<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (WebDriverSession) async throws -> T
    ) async throws -> T {
        let session = try await startSession()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(session))
        } catch {
            result = .failure(error)
        }
        // A task of its own, so that a cancelled caller still quits the browser.
        let quit = await Task { try await session.quit() }.result
        // The body's error says more than a failed quit after it.
        let value = try result.get()
        try quit.get()
        return value
    }

    /// Opens a headless Chromium session with a profile of its own; the caller must
    /// ``WebDriverSession/quit()`` it (``withSession(isolation:_:)`` does).
    public func startSession() async throws -> WebDriverSession {
        let profile = chromeDriver.directory.appendingPathComponent("profile-\(UUID().uuidString.prefix(8))")
        let arguments: [WebDriverJSON] = [
            // Root cannot use Chromium's sandbox; tests run as root.
            "--no-sandbox",
            "--headless=new",
            "--disable-gpu",
            // Containers often have a tiny /dev/shm, which crashes renderers.
            "--disable-dev-shm-usage",
            .string("--window-size=\(Self.windowWidth),\(Self.windowHeight)"),
            "--force-device-scale-factor=1",
            .string("--user-data-dir=\(profile.path)"),
        ]
        let capabilities: WebDriverJSON = [
            "browserName": "chrome",
            // Leave a dialog open until the test accepts or dismisses it: the default
            // ("dismiss and notify") would dismiss a dashboard's confirm() on the next command.
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": [
                "binary": .string(chromeDriver.chromiumPath),
                "args": .array(arguments),
            ],
        ]
        let reply = try await send(.POST, "/session", ["capabilities": ["alwaysMatch": capabilities]])
        guard let id = reply["sessionId"]?.stringValue else {
            throw WebDriverError.malformedReply(status: 200, body: "\(reply)", command: "POST /session")
        }
        return WebDriverSession(id: id, driver: self, profileDirectory: profile)
    }

    /// Sends one command and returns the `value` of its reply.
    ///
    /// - Throws: ``WebDriverError`` with the W3C code and message when chromedriver answers
    ///   with an error, or naming the command when there is no usable answer.
    func send(_ method: HTTPMethod, _ path: String, _ body: WebDriverJSON? = nil) async throws -> WebDriverJSON {
        let command = "\(method.rawValue) \(path)"
        var request = HTTPClientRequest(url: chromeDriver.baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let status: UInt
        let bytes: ByteBuffer
        do {
            // Generous: a session's start or a page load can take a while on a busy machine.
            let response = try await http.execute(request, timeout: .seconds(120))
            status = response.status.code
            bytes = try await response.body.collect(upTo: 256 << 20)  // screenshots are base64 PNGs
        } catch {
            throw WebDriverError.transport(error, command: command)
        }
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        guard let reply = try? JSONDecoder().decode(WebDriverJSON.self, from: Data(bytes.readableBytesView)),
              let value = reply["value"]
        else {
            throw WebDriverError.malformedReply(status: status, body: text, command: command)
        }
        if let code = value["error"]?.stringValue {
            throw WebDriverError.command(code: code, message: value["message"]?.stringValue ?? "", command: command)
        }
        guard (200..<300).contains(status) else {
            throw WebDriverError.malformedReply(status: status, body: text, command: command)
        }
        return value
    }
}
