import Foundation

/// An error reading registry credentials from the docker CLI's config file.
public struct RegistryAuthError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case unreadable(path: String, reason: String)
        case malformed(path: String, reason: String)
        case credentialHelper(path: String, registry: String, helper: String)
    }

    let kind: Kind

    /// The config file lacks credentials for the registry and names a credential helper, which
    /// this client does not run.
    public var isCredentialHelperUnsupported: Bool {
        if case .credentialHelper = kind { return true }
        return false
    }

    /// The config file is not the JSON the docker CLI writes, or an `auth` value is not
    /// base64 of `user:password`.
    public var isMalformed: Bool {
        if case .malformed = kind { return true }
        return false
    }

    public var description: String {
        switch kind {
        case .unreadable(let path, let reason):
            return "cannot read the docker config file \(path): \(reason)"
        case .malformed(let path, let reason):
            return "the docker config file \(path) is malformed: \(reason)"
        case .credentialHelper(let path, let registry, let helper):
            return "the docker config file \(path) keeps the credentials of \(registry) in the credential helper "
                + "'docker-credential-\(helper)', which this client does not run; give the credentials explicitly"
        }
    }
}

extension RegistryAuth {
    /// The docker config file: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    public static func dockerConfigPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let directory = environment["DOCKER_CONFIG"], !directory.isEmpty {
            return (directory as NSString).appendingPathComponent("config.json")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".docker/config.json")
    }

    /// The credentials the docker CLI's config file holds for `registry` (a host such as
    /// `registry.example.com:5000`, or `docker.io`), or `nil` when the file is absent or has none.
    ///
    /// - Throws: ``RegistryAuthError`` when the file cannot be read or parsed, or when it sends
    ///   this registry's credentials to a credential helper.
    public static func fromDockerConfig(
        registry: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RegistryAuth? {
        let path = dockerConfigPath(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else {
            return nil
        }
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RegistryAuthError(kind: .unreadable(path: path, reason: "\(error.localizedDescription)"))
        }
        return try fromDockerConfig(registry: registry, configFile: contents, path: path)
    }

    /// Like ``fromDockerConfig(registry:environment:)`` for a config file's contents; `path`
    /// only names the file in errors.
    public static func fromDockerConfig(registry: String, configFile contents: Data, path: String) throws -> RegistryAuth? {
        struct ConfigFile: Decodable {
            struct Entry: Decodable {
                var auth: String?
                var username: String?
                var password: String?
                var identitytoken: String?
            }
            var auths: [String: Entry]?
            var credsStore: String?
            var credHelpers: [String: String]?
        }
        let config: ConfigFile
        do {
            config = try JSONDecoder().decode(ConfigFile.self, from: contents)
        } catch {
            throw RegistryAuthError(kind: .malformed(path: path, reason: RequestExecutor.describe(error)))
        }
        let wanted = normalizedRegistryHost(registry)
        if let helper = config.credHelpers?.first(where: { normalizedRegistryHost($0.key) == wanted })?.value {
            throw RegistryAuthError(kind: .credentialHelper(path: path, registry: wanted, helper: helper))
        }
        // Keys are written as `host`, `https://host` or `https://host/v1/`: compare hosts.
        let entry = config.auths?
            .sorted { $0.key < $1.key }
            .first { normalizedRegistryHost($0.key) == wanted }
        if let (key, entry) = entry {
            if let token = entry.identitytoken, !token.isEmpty {
                return RegistryAuth(identityToken: token, serverAddress: key)
            }
            if let encoded = entry.auth, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded), let text = String(data: decoded, encoding: .utf8),
                      let colon = text.firstIndex(of: ":")
                else {
                    throw RegistryAuthError(kind: .malformed(
                        path: path, reason: "the 'auth' of '\(key)' is not base64 of 'user:password'"
                    ))
                }
                return RegistryAuth(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]), serverAddress: key)
            }
            if let username = entry.username, let password = entry.password {
                return RegistryAuth(username: username, password: password, serverAddress: key)
            }
        }
        if let store = config.credsStore, !store.isEmpty {
            throw RegistryAuthError(kind: .credentialHelper(path: path, registry: wanted, helper: store))
        }
        return nil
    }

    /// The registry host of an image reference, by the docker rule: the first `/`-separated
    /// component when it has a `.` or `:` or is `localhost`, else `docker.io`.
    public static func registryHost(ofReference reference: String) -> String {
        guard let slash = reference.firstIndex(of: "/") else { return "docker.io" }
        let first = reference[..<slash]
        if first.contains(".") || first.contains(":") || first == "localhost" {
            return String(first)
        }
        return "docker.io"
    }

    /// A registry as the config file's keys are compared: no scheme, no path, Docker Hub's
    /// aliases folded to `docker.io`.
    static func normalizedRegistryHost(_ value: String) -> String {
        var host = Substring(value.trimmingWhitespace())
        for scheme in ["https://", "http://"] where host.lowercased().hasPrefix(scheme) {
            host = host.dropFirst(scheme.count)
        }
        if let slash = host.firstIndex(of: "/") {
            host = host[..<slash]
        }
        let lowered = host.lowercased()
        switch lowered {
        case "index.docker.io", "registry-1.docker.io", "docker.io", "registry.hub.docker.com":
            return "docker.io"
        default:
            return lowered
        }
    }
}
