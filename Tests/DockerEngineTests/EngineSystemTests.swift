import Foundation
import NIOCore
import Testing
import DockerEngine
import TestSupport

@Suite("Engine connection, version and info")
struct EngineSystemTests {
    /// The HTTP client retries a failed connect until the connect timeout, then reports the
    /// last failure: keep that short here.
    static let quickFailure = DockerClient.Configuration(connectTimeout: .seconds(1))

    @Test("ping, version and info over the unix socket and over tcp", arguments: [
        TestEnvironment.dockerHostVariable, TestEnvironment.dockerTCPVariable,
    ])
    func systemCalls(variable: String) async throws {
        try await TestEnvironment.withEngine(variable) { docker in
            #expect(docker.apiVersion >= APIVersion.minimumSupported)
            #expect(docker.apiVersion <= APIVersion.maximumSupported)
            #expect(!docker.engineVersion.version.isEmpty)
            let announced = try await docker.ping()
            #expect(announced == APIVersion(docker.engineVersion.apiVersion))
            let version = try await docker.version()
            #expect(version.version == docker.engineVersion.version)
            #expect(version.os == "linux")
            let info = try await docker.info()
            #expect(info.osType == "linux")
            #expect(info.serverVersion == version.version)
            #expect(info.driver?.isEmpty == false)
        }
    }

    @Test("every engine of the matrix is described: product, store, API inside both ranges", arguments: TestEngine.all)
    func describe(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let description = try await docker.describe()
            let version = docker.engineVersion
            #expect(description.apiVersion == docker.apiVersion)
            #expect(docker.apiVersion <= APIVersion.maximumSupported)
            #expect(docker.apiVersion <= APIVersion(version.apiVersion)!)
            if let minimum = version.minAPIVersion.flatMap(APIVersion.init) {
                #expect(docker.apiVersion >= minimum)
            }
            #expect(description.platform.hasPrefix("linux/"))
            let expected: ImageStore.Kind = engine.isPodman ? .containersStorage : engine.name.hasSuffix("containerd") ? .containerd : .graphDriver
            #expect(description.imageStore.kind == expected, "\(engine) reported \(description.imageStore)")
            #expect(description.product == (engine.isPodman ? .podman : .docker))
            // The call succeeds at the negotiated version: a refused version would have thrown.
            _ = try await docker.listImages()
        }
    }

    @Test("the unix and tcp transports reach the same engine")
    func sameEngine() async throws {
        let unixID = try await TestEnvironment.withEngine(TestEnvironment.dockerHostVariable) { try await $0.info().id }
        let tcpID = try await TestEnvironment.withEngine(TestEnvironment.dockerTCPVariable) { try await $0.info().id }
        #expect(unixID != nil)
        #expect(unixID == tcpID)
    }

    @Test("an engine below the configured minimum API is refused, naming both ranges")
    func refusesOldEngine() async throws {
        let host = try TestEnvironment.dockerHost()
        let configuration = DockerClient.Configuration(
            negotiation: APIVersionNegotiation(minimum: APIVersion(major: 1, minor: 99), maximum: APIVersion(major: 1, minor: 99))
        )
        await #expect {
            try await DockerClient.withClient(to: host, configuration: configuration) { _ in }
        } throws: { error in
            guard let error = error as? DockerEngineError, error.isUnsupportedEngine else { return false }
            let text = String(describing: error)
            return text.contains("this client speaks 1.99 to 1.99") && text.contains("to 1.41")
        }
    }

    @Test("an absent socket is reported unreachable, naming the socket path")
    func unreachableSocket() async throws {
        let path = "/tmp/\(TestEnvironment.uniqueName("nosocket"))/docker.sock"
        await #expect {
            try await DockerClient.withClient(to: .unixSocket(path), configuration: Self.quickFailure) { _ in }
        } throws: { error in
            guard let error = error as? DockerEngineError else { return false }
            return error.isUnreachable && !error.isPermissionDenied
                && String(describing: error) == "cannot reach the Docker engine at unix://\(path): No such file or directory (is dockerd running?)"
        }
    }

    @Test("a closed tcp port is reported unreachable, naming host and port")
    func unreachableTCP() async throws {
        // Port 1 on loopback: nothing listens there on the test machines.
        await #expect {
            try await DockerClient.withClient(to: .tcp(host: "127.0.0.1", port: 1), configuration: Self.quickFailure) { _ in }
        } throws: { error in
            guard let error = error as? DockerEngineError else { return false }
            return error.isUnreachable && String(describing: error).contains("tcp://127.0.0.1:1")
        }
    }

    @Test("a client made by connect owns its HTTP client and shuts it down")
    func ownedClientShutdown() async throws {
        let docker = try await DockerClient.connect(to: try TestEnvironment.dockerHost())
        let pinged: Result<APIVersion?, any Error>
        do {
            pinged = .success(try await docker.ping())
        } catch {
            pinged = .failure(error)
        }
        try await docker.shutdown()
        #expect(try pinged.get() != nil)
    }
}
