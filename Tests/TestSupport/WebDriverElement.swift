import NIOHTTP1

/// An element of the page a session found. It stays valid while the element is in the
/// document; after the page changes it, commands throw ``WebDriverError`` with code
/// `stale element reference`, and the test finds it again.
public struct WebDriverElement: Sendable {
    /// The W3C key under which an element reference travels in JSON.
    static let referenceKey = "element-6066-11e4-a52e-4f735466cecf"

    /// chromedriver's ID of the element.
    public let id: String
    let session: WebDriverSession

    /// The element as a script argument (``WebDriverSession/executeScript(_:args:)``).
    public var reference: WebDriverJSON { [Self.referenceKey: .string(id)] }

    private func send(_ method: HTTPMethod, _ path: String, _ body: WebDriverJSON? = nil) async throws -> WebDriverJSON {
        try await session.send(method, "/element/\(id)\(path)", body)
    }

    /// The rendered text, as a user sees it (hidden parts left out).
    public func text() async throws -> String {
        try await send(.GET, "/text").stringValue ?? ""
    }

    /// Clicks the element's centre, scrolling it into view first.
    public func click() async throws {
        _ = try await send(.POST, "/click", [:])
    }

    /// Types `text` into the element as key presses.
    public func sendKeys(_ text: String) async throws {
        _ = try await send(.POST, "/value", ["text": .string(text)])
    }

    /// Empties an input or text area.
    public func clear() async throws {
        _ = try await send(.POST, "/clear", [:])
    }

    /// The HTML attribute `name` as written in the markup (`nil` when absent): an input's
    /// `value` attribute is its initial value, not what was typed.
    public func attribute(_ name: String) async throws -> String? {
        try await send(.GET, "/attribute/\(name)").stringValue
    }

    /// The DOM property `name` now: an input's `value` property is what it holds.
    public func property(_ name: String) async throws -> WebDriverJSON {
        try await send(.GET, "/property/\(name)")
    }
}
