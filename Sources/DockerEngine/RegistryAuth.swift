import Foundation

/// Credentials for a registry, sent to the engine in the `X-Registry-Auth` header of a push or
/// pull. Read them from the docker CLI's config file with ``fromDockerConfig(registry:environment:)``
/// or give them explicitly.
public struct RegistryAuth: Sendable, Hashable, CustomStringConvertible {
    public var username: String?
    public var password: String?
    /// An OAuth identity token (from `docker login` to registries that issue one), used instead
    /// of a password.
    public var identityToken: String?
    /// The registry, for example `registry.example.com:5000`.
    public var serverAddress: String?

    /// Username and password.
    public init(username: String, password: String, serverAddress: String? = nil) {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
    }

    /// An identity token.
    public init(identityToken: String, serverAddress: String? = nil) {
        self.identityToken = identityToken
        self.serverAddress = serverAddress
    }

    private init() {}

    /// No credentials: an anonymous push or pull.
    public static let anonymous = RegistryAuth()

    /// The `X-Registry-Auth` value: base64url (with padding, as the docker CLI writes it) of the
    /// JSON `{"username", "password", "serveraddress"}` or `{"identitytoken", "serveraddress"}`.
    public var headerValue: String {
        struct Wire: Encodable {
            var username: String?
            var password: String?
            var identitytoken: String?
            var serveraddress: String?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(Wire(
            username: username, password: password, identitytoken: identityToken, serveraddress: serverAddress
        ))) ?? Data("{}".utf8)
        return json.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    /// Shows who and where, never the secret.
    public var description: String {
        let who = username.map { "user '\($0)'" } ?? (identityToken != nil ? "identity token" : "anonymous")
        return "RegistryAuth(\(who)\(serverAddress.map { " for \($0)" } ?? ""))"
    }
}
