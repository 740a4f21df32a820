import AsyncHTTPClient
import DockerEngine
import Foundation
import Testing
import NIOCore
import TestSupport

/// What is on the engine, to prove a flatten left nothing behind.
enum EngineInventory {
    /// The names of every container (running or not) whose name contains `fragment`, read
    /// with `GET /containers/json?all=1` (DockerEngine has no call for listing containers).
    static func containers(named fragment: String) async throws -> [String] {
        let host = try TestEnvironment.dockerHost()
        guard case .unixSocket(let path) = host.endpoint else {
            Issue.record("the test engine is expected on a unix socket, not \(host)")
            return []
        }
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? path
        var request = HTTPClientRequest(url: "http+unix://\(encoded)/containers/json?all=1")
        request.headers.add(name: "Host", value: "docker")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        struct Container: Decodable {
            var Names: [String]
        }
        let list = try JSONDecoder().decode([Container].self, from: Data(body.readableBytesView))
        return list.flatMap(\.Names).filter { $0.contains(fragment) }
    }

    /// Temporary images a flatten labelled with its job ID and left behind.
    static func temporaryImages(of jobID: String, on engine: DockerClient) async throws -> [String] {
        try await engine.listImages(all: true).filter { $0.labels["io.flatten-fleet.temporary"] == jobID }.map(\.id)
    }

    /// Whether an image (reference or ID) is on the engine.
    static func exists(_ reference: String, on engine: DockerClient) async throws -> Bool {
        do {
            _ = try await engine.inspectImage(reference)
            return true
        } catch let error as DockerEngineError where error.isNotFound {
            return false
        }
    }

    /// The entries left in a directory.
    static func leftovers(in directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }
}
