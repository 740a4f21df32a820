/// Why a WebDriver command, chromedriver itself or a wait failed.
///
/// The description is what a person reads in a failed test, so it always names what was tried:
/// the command (`POST /session/…/element`) and the WebDriver error code and message
/// (`no such element: Unable to locate element: …`), or the binary and the log to look at.
public struct WebDriverError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        /// chromedriver answered with a W3C error (`{"value":{"error":…,"message":…}}`).
        case command(code: String, message: String, command: String)
        /// The answer was no W3C error and no usable success either.
        case malformedReply(status: UInt, body: String, command: String)
        /// The request never got an answer (connection refused, timeout).
        case transport(detail: String, command: String)
        /// A program this client needs is not installed.
        case missingProgram(name: String, package: String)
        /// chromedriver did not start or did not become ready.
        case driverNotReady(detail: String, logPath: String, logTail: String)
        /// ``WebDriverSession/waitUntil(_:timeout:every:_:)`` ran out of time.
        case timedOut(awaited: String, seconds: Double, url: String, pageText: String)
    }

    private let kind: Kind

    /// The W3C error code (`no such element`, `no such alert`, `javascript error`, …) when
    /// chromedriver answered with one; lets a test tell an expected miss from a broken session.
    public var code: String? {
        if case .command(let code, _, _) = kind { return code }
        return nil
    }

    public var description: String {
        switch kind {
        case .command(let code, let message, let command):
            return "\(code): \(message) (\(command))"
        case .malformedReply(let status, let body, let command):
            return "unexpected reply to \(command): HTTP \(status) \(body.prefix(500))"
        case .transport(let detail, let command):
            return "no answer from chromedriver to \(command): \(detail)"
        case .missingProgram(let name, let package):
            return "`\(name)` is not on PATH; run `scripts/services install` (it installs Debian's chromium and chromium-driver; this one is in \(package))"
        case .driverNotReady(let detail, let logPath, let logTail):
            return "chromedriver \(detail); its log is \(logPath):\n\(logTail)"
        case .timedOut(let awaited, let seconds, let url, let pageText):
            return "timed out after \(seconds) s waiting for \(awaited); the page is \(url), its text begins: \(pageText)"
        }
    }

    static func command(code: String, message: String, command: String) -> Self {
        // chromedriver appends "(Session info: chrome=…)" and driver info lines that say nothing
        // about the failure; the first lines are the message.
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true).filter { line in
            let text = line.trimmingPrefix(while: \.isWhitespace)
            return !text.hasPrefix("(Session info") && !text.hasPrefix("(Driver info")
        }
        return Self(kind: .command(code: code, message: lines.joined(separator: "\n"), command: command))
    }

    static func malformedReply(status: UInt, body: String, command: String) -> Self {
        Self(kind: .malformedReply(status: status, body: body, command: command))
    }

    static func transport(_ error: any Error, command: String) -> Self {
        Self(kind: .transport(detail: String(describing: error), command: command))
    }

    static func missingProgram(_ name: String, package: String) -> Self {
        Self(kind: .missingProgram(name: name, package: package))
    }

    static func driverNotReady(_ detail: String, logPath: String, logTail: String) -> Self {
        Self(kind: .driverNotReady(detail: detail, logPath: logPath, logTail: logTail))
    }

    static func timedOut(awaited: String, after timeout: Duration, url: String, pageText: String) -> Self {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return Self(kind: .timedOut(awaited: awaited, seconds: seconds, url: url, pageText: pageText))
    }
}
