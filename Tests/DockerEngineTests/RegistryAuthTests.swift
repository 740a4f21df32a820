import Foundation
import Testing
import DockerEngine

@Suite("Registry credentials")
struct RegistryAuthTests {
    static let configFile = #"""
    {
      "auths": {
        "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
        "registry.example.com:5000": {"auth": "YWxpY2U6cGE6c3M="},
        "http://token.example.com/v2/": {"identitytoken": "tok-123"},
        "helper.example.com": {}
      },
      "credHelpers": {"ecr.example.com": "ecr-login"}
    }
    """#

    func lookup(_ registry: String, _ contents: String = configFile) throws -> RegistryAuth? {
        try RegistryAuth.fromDockerConfig(registry: registry, configFile: Data(contents.utf8), path: "/home/u/.docker/config.json")
    }

    @Test("auths entries are found by host, whatever the key's scheme or path")
    func lookups() throws {
        let hub = try #require(try lookup("docker.io"))
        #expect(hub.username == "hub" && hub.password == "secret")
        #expect(try lookup("index.docker.io")?.username == "hub")
        let example = try #require(try lookup("registry.example.com:5000"))
        // The password keeps everything after the first colon.
        #expect(example.username == "alice" && example.password == "pa:ss")
        #expect(example.serverAddress == "registry.example.com:5000")
        #expect(try lookup("token.example.com")?.identityToken == "tok-123")
        #expect(try lookup("other.example.com") == nil)
        #expect(try lookup("helper.example.com") == nil)
    }

    @Test("a credential helper is reported as unsupported, naming it")
    func credentialHelpers() throws {
        #expect {
            try lookup("ecr.example.com")
        } throws: { error in
            guard let error = error as? RegistryAuthError else { return false }
            return error.isCredentialHelperUnsupported && String(describing: error).contains("docker-credential-ecr-login")
        }
        #expect {
            try lookup("quay.io", #"{"auths": {"quay.io": {}}, "credsStore": "desktop"}"#)
        } throws: { error in
            (error as? RegistryAuthError)?.isCredentialHelperUnsupported == true
                && String(describing: error).contains("docker-credential-desktop")
        }
    }

    @Test("malformed files and auth values are named")
    func malformed() {
        #expect {
            try lookup("x", "{not json")
        } throws: { error in
            (error as? RegistryAuthError)?.isMalformed == true && String(describing: error).contains("/home/u/.docker/config.json")
        }
        #expect {
            try lookup("bad.example.com", #"{"auths": {"bad.example.com": {"auth": "bm9jb2xvbg=="}}}"#)
        } throws: { error in
            (error as? RegistryAuthError)?.isMalformed == true && String(describing: error).contains("'bad.example.com'")
        }
    }

    @Test("the config file is found through DOCKER_CONFIG or HOME")
    func configPath() throws {
        #expect(RegistryAuth.dockerConfigPath(environment: ["DOCKER_CONFIG": "/etc/dc", "HOME": "/home/u"]) == "/etc/dc/config.json")
        #expect(RegistryAuth.dockerConfigPath(environment: ["HOME": "/home/u"]) == "/home/u/.docker/config.json")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flatten-test-dockerconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(Self.configFile.utf8).write(to: directory.appendingPathComponent("config.json"))
        let auth = try RegistryAuth.fromDockerConfig(registry: "registry.example.com:5000", environment: ["DOCKER_CONFIG": directory.path])
        #expect(auth?.username == "alice")
        #expect(try RegistryAuth.fromDockerConfig(registry: "x", environment: ["DOCKER_CONFIG": directory.path + "/absent"]) == nil)
    }

    @Test("the header is base64url JSON the engine decodes", arguments: [
        (RegistryAuth(username: "u", password: "p>?~", serverAddress: "r:5000"),
         #"{"password":"p>?~","serveraddress":"r:5000","username":"u"}"#),
        (RegistryAuth(identityToken: "t", serverAddress: "r"), #"{"identitytoken":"t","serveraddress":"r"}"#),
        (RegistryAuth.anonymous, "{}"),
    ])
    func header(auth: RegistryAuth, json: String) throws {
        let value = auth.headerValue
        #expect(!value.contains("+") && !value.contains("/"))
        let standard = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let decoded = try #require(Data(base64Encoded: standard))
        #expect(String(decoding: decoded, as: UTF8.self) == json)
        #expect(!String(describing: auth).contains("p>?~"))
    }

    @Test("registry hosts of references follow the docker rule", arguments: [
        ("alpine", "docker.io"), ("library/alpine:3", "docker.io"), ("127.0.0.1:55000/a/b:t", "127.0.0.1:55000"),
        ("localhost/x", "localhost"), ("ghcr.io/o/r@sha256:ab", "ghcr.io"),
    ])
    func registryHosts(reference: String, host: String) {
        #expect(RegistryAuth.registryHost(ofReference: reference) == host)
    }
}
