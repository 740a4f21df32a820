import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `GET /_ping`: whether the engine answers, with the API version it announces.
    ///
    /// - Returns: the engine's `Api-Version` header, if sent.
    @discardableResult
    public func ping() async throws -> APIVersion? {
        let operation = "ping the engine"
        let response = try await executor.send(DockerRequest(.GET, "/_ping"), operation: operation)
        let announced = response.headers.first(name: "Api-Version").flatMap(APIVersion.init)
        var body = ByteBuffer()
        for try await var chunk in DockerByteStream(body: response.body, host: host, operation: operation, contentLength: nil) {
            body.writeBuffer(&chunk)
            guard body.readableBytes < 1024 else { break }
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self).trimmingWhitespace()
        guard text == "OK" else {
            throw DockerEngineError.malformedResponse(operation: operation, detail: "expected 'OK', got \(RequestExecutor.excerpt(body))")
        }
        return announced
    }

    /// `GET /info`: facts about the engine's host.
    public func info() async throws -> SystemInfo {
        try await executor.json(DockerRequest(.GET, "/info"), operation: "read the engine info")
    }
}

extension DockerClient {
    /// What the engine is and where it keeps images: `/version` as read when connecting, and a
    /// `GET /info` now.
    public func describe() async throws -> EngineDescription {
        let info = try await info()
        let product = engineVersion.product
        let os = engineVersion.os ?? info.osType ?? "linux"
        let architecture = engineVersion.arch ?? info.architecture ?? "unknown"
        return EngineDescription(
            product: product, version: engineVersion.version, apiVersion: apiVersion,
            imageStore: ImageStore(product: product, info: info), platform: "\(os)/\(architecture)"
        )
    }
}
