/// A coordinator URL that is not an absolute `http` or `https` URL.
public struct CoordinatorURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let url: String
    public var description: String {
        "invalid coordinator URL \(String(reflecting: url)); expected http://HOST:PORT or https://HOST[:PORT]"
    }
}
