import Testing
@testable import DockerEngine

@Suite("DockerHost parsing")
struct DockerHostTests {
    @Test("accepted DOCKER_HOST values", arguments: [
        ("unix:///var/run/docker.sock", DockerHost.Endpoint.unixSocket(path: "/var/run/docker.sock")),
        ("unix:///work/main/run/docker1/docker.sock", .unixSocket(path: "/work/main/run/docker1/docker.sock")),
        ("  unix:///tmp/a b/docker.sock ", .unixSocket(path: "/tmp/a b/docker.sock")),
        ("tcp://127.0.0.1:55101", .tcp(host: "127.0.0.1", port: 55101)),
        ("tcp://docker.example:2375/", .tcp(host: "docker.example", port: 2375)),
        ("tcp://docker.example", .tcp(host: "docker.example", port: 2375)),
        ("http://localhost:8080", .tcp(host: "localhost", port: 8080)),
        ("TCP://localhost:1", .tcp(host: "localhost", port: 1)),
        ("tcp://[::1]:2375", .tcp(host: "::1", port: 2375)),
    ])
    func accepted(value: String, expected: DockerHost.Endpoint) throws {
        let host = try DockerHost(parsing: value)
        #expect(host.endpoint == expected)
    }

    @Test("refused DOCKER_HOST values name the problem", arguments: [
        ("ssh://user@host", "ssh://"),
        ("npipe:////./pipe/docker_engine", "npipe://"),
        ("https://host:2376", "TLS"),
        ("fd://", "fd://"),
        ("ftp://host", "unknown scheme 'ftp'"),
        ("", "empty"),
        ("/var/run/docker.sock", "no scheme"),
        ("unix://relative/docker.sock", "absolute"),
        ("tcp://:2375", "host name is empty"),
        ("tcp://host:notaport", "'notaport'"),
        ("tcp://host:70000", "'70000'"),
        ("tcp://host:1:2", "too many ':'"),
        ("tcp://host:2375/base", "path"),
        ("tcp://[::1:2375", "closing ']'"),
    ])
    func refused(value: String, expectedFragment: String) {
        #expect {
            try DockerHost(parsing: value)
        } throws: { error in
            guard let error = error as? DockerEngineError else { return false }
            return error.isInvalidHost && String(describing: error).contains(expectedFragment)
                && String(describing: error).contains("'\(value)'")
        }
    }

    @Test("DOCKER_HOST unset or empty means the default socket")
    func environmentDefault() throws {
        #expect(try DockerHost.fromEnvironment([:]) == .default)
        #expect(try DockerHost.fromEnvironment(["DOCKER_HOST": ""]) == .default)
        #expect(DockerHost.default.description == "unix:///var/run/docker.sock")
        #expect(try DockerHost.fromEnvironment(["DOCKER_HOST": "tcp://10.0.0.1:2375"]) == .tcp(host: "10.0.0.1", port: 2375))
        #expect(throws: DockerEngineError.self) { try DockerHost.fromEnvironment(["DOCKER_HOST": "ssh://x"]) }
    }

    @Test("description round-trips through parsing", arguments: [
        "unix:///var/run/docker.sock", "tcp://127.0.0.1:55101", "tcp://[::1]:2375",
    ])
    func descriptionRoundTrips(value: String) throws {
        let host = try DockerHost(parsing: value)
        #expect(host.description == value)
        #expect(try DockerHost(parsing: host.description) == host)
    }

    @Test("request URLs address the socket or the TCP port, with a versioned path and encoded query")
    func requestURLs() throws {
        let logger = DockerClient.silentLogger
        // The executor only formats URLs here; the HTTP client is never used.
        let unixURL = RequestExecutor.formatURL(
            host: .unixSocket("/work/run/docker 1/docker.sock"), apiVersion: APIVersion(major: 1, minor: 41),
            request: DockerRequest(.GET, "/images/\(PercentEncoding.pathName("127.0.0.1:55000/a/b:t"))/json", query: [("changes", "ENV A=b&c")])
        )
        #expect(unixURL == "http+unix://%2Fwork%2Frun%2Fdocker%201%2Fdocker.sock/v1.41/images/127.0.0.1:55000/a/b:t/json?changes=ENV%20A%3Db%26c")
        let tcpURL = RequestExecutor.formatURL(
            host: .tcp(host: "127.0.0.1", port: 55101), apiVersion: nil, request: DockerRequest(.GET, "/version")
        )
        #expect(tcpURL == "http://127.0.0.1:55101/version")
        _ = logger
    }
}
