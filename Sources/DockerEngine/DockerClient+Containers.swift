import Foundation
import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `POST /containers/create`: creates (never starts) a container of `image`, with networking
    /// disabled (`NetworkDisabled`, `HostConfig.NetworkMode: none`).
    ///
    /// - Parameters:
    ///   - configuration: fields that override the image's (an image with neither `Cmd` nor
    ///     `Entrypoint` needs a `cmd` here, for example `["true"]`).
    ///   - name: the container's name, or `nil` for a generated one.
    public func createContainer(
        image: String,
        configuration: ContainerConfig = ContainerConfig(),
        name: String? = nil
    ) async throws -> ContainerCreateResult {
        let operation = "create a container of image '\(image)'"
        try Self.requireName(image, operation: operation)
        let body: Data
        do {
            body = try JSONEncoder().encode(ContainerCreateBody(image: image, configuration: configuration))
        } catch {
            throw DockerEngineError.invalidArgument(operation: operation, detail: "cannot encode the configuration: \(error)")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        var query: [(name: String, value: String)] = []
        if let name { query.append(("name", name)) }
        return try await executor.json(
            DockerRequest(.POST, "/containers/create", query: query, headers: headers, body: .bytes(Array(body))),
            operation: operation
        )
    }

    /// `GET /containers/{id}/export`: the container's filesystem as one tar, streamed.
    public func exportContainer(_ id: String) async throws -> DockerByteStream {
        let operation = "export container '\(id)'"
        try Self.requireName(id, operation: operation)
        return try await executor.byteStream(
            DockerRequest(.GET, "/containers/\(PercentEncoding.pathName(id))/export", isStreaming: true),
            operation: operation
        )
    }

    /// `DELETE /containers/{id}`.
    ///
    /// - Parameters:
    ///   - force: kill the container first if it runs.
    ///   - removeVolumes: also remove its anonymous volumes (created for the image's `VOLUME`s).
    public func removeContainer(_ id: String, force: Bool = false, removeVolumes: Bool = true) async throws {
        let operation = "remove container '\(id)'"
        try Self.requireName(id, operation: operation)
        var query: [(name: String, value: String)] = []
        if force { query.append(("force", "1")) }
        if removeVolumes { query.append(("v", "1")) }
        try await executor.discardingBody(
            DockerRequest(.DELETE, "/containers/\(PercentEncoding.pathName(id))", query: query),
            operation: operation
        )
    }
}

/// The body of `POST /containers/create`: the configuration's fields beside `Image`,
/// `NetworkDisabled` and `HostConfig`.
private struct ContainerCreateBody: Encodable {
    var image: String
    var configuration: ContainerConfig

    private enum CodingKeys: String, CodingKey {
        case image = "Image", networkDisabled = "NetworkDisabled", hostConfig = "HostConfig"
    }

    private struct HostConfig: Encodable {
        var networkMode = "none"

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
        }
    }

    func encode(to encoder: any Encoder) throws {
        try configuration.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(true, forKey: .networkDisabled)
        try container.encode(HostConfig(), forKey: .hostConfig)
    }
}
