/// A cookie as the browser holds it, with the attributes a login cookie's tests check.
public struct WebDriverCookie: Sendable, Hashable {
    public var name: String
    public var value: String
    public var domain: String?
    public var path: String?
    public var secure: Bool
    /// Hidden from the page's scripts (`document.cookie`).
    public var httpOnly: Bool
    /// `Strict`, `Lax` or `None`; `nil` when the browser did not say.
    public var sameSite: String?
    /// Seconds after 1970 when it expires; `nil` for a session cookie.
    public var expiry: Int?

    init?(json: WebDriverJSON) {
        guard let name = json["name"]?.stringValue, let value = json["value"]?.stringValue else { return nil }
        self.name = name
        self.value = value
        domain = json["domain"]?.stringValue
        path = json["path"]?.stringValue
        secure = json["secure"]?.boolValue ?? false
        httpOnly = json["httpOnly"]?.boolValue ?? false
        sameSite = json["sameSite"]?.stringValue
        expiry = json["expiry"]?.doubleValue.map { Int($0) }
    }
}
