@testable import DockerEngine
import Foundation
import NIOCore
import NIOHTTP1

/// What `POST /build` reported.
public struct BuildResult: Sendable, Hashable {
    /// The built image's ID, `sha256:…`.
    public var imageID: String
    /// The build's text output (steps and the output of `RUN`), at most
    /// ``DockerClient/maximumBuildOutputBytes`` of it, the end kept.
    public var output: String

    public init(imageID: String, output: String) {
        self.imageID = imageID
        self.output = output
    }
}

// Only tests build images: the product flattens what exists.
extension DockerClient {
    /// The most build output a ``BuildResult`` keeps.
    public static let maximumBuildOutputBytes = 1024 * 1024

    /// `POST /build` with the legacy builder: builds an image from a tar build context streamed
    /// from `body`.
    ///
    /// - Parameters:
    ///   - tag: `name:tag` to give the image, or `nil` for an untagged build.
    ///   - dockerfile: the Dockerfile's path inside the context.
    ///   - networkMode: the network of `RUN` steps; `none` by default (the test engines have no bridge).
    ///   - rm: remove intermediate containers after a successful build.
    ///   - forceRm: remove intermediate containers even after a failed build.
    ///   - noCache: do not reuse cached steps.
    ///   - buildArgs: `ARG` values.
    ///   - labels: labels to add to the image.
    /// - Throws: ``DockerEngineError`` with ``DockerEngineError/isStreamError`` and the engine's
    ///   words when a step fails (``DockerEngineError/streamErrorCode`` holds a failed `RUN`'s status).
    @discardableResult
    public func buildImage(
        context body: DockerRequestBody,
        tag: String? = nil,
        dockerfile: String = "Dockerfile",
        networkMode: String = "none",
        rm: Bool = true,
        forceRm: Bool = true,
        noCache: Bool = false,
        buildArgs: [String: String] = [:],
        labels: [String: String] = [:],
        onProgress: (@Sendable (ProgressMessage) -> Void)? = nil
    ) async throws -> BuildResult {
        let operation = "build image\(tag.map { " '\($0)'" } ?? "")"
        var query: [(name: String, value: String)] = [
            ("dockerfile", dockerfile),
            ("networkmode", networkMode),
            ("rm", rm ? "1" : "0"),
            ("forcerm", forceRm ? "1" : "0"),
            // The legacy builder: its output is the JSON-message stream parsed here.
            ("version", "1"),
        ]
        if let tag {
            try Self.requireName(tag, operation: operation)
            query.append(("t", tag))
        }
        if noCache { query.append(("nocache", "1")) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if !buildArgs.isEmpty {
            query.append(("buildargs", String(decoding: try encoder.encode(buildArgs), as: UTF8.self)))
        }
        if !labels.isEmpty {
            query.append(("labels", String(decoding: try encoder.encode(labels), as: UTF8.self)))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-tar")
        var imageID: String?
        var output: [UInt8] = []
        try await executor.messages(
            DockerRequest(.POST, "/build", query: query, headers: headers, body: body, isStreaming: true),
            operation: operation
        ) { message in
            onProgress?(message)
            if let id = message.aux?.id {
                imageID = id
            }
            if let text = message.stream {
                output.append(contentsOf: text.utf8)
                if output.count > Self.maximumBuildOutputBytes {
                    output.removeFirst(output.count - Self.maximumBuildOutputBytes)
                }
            }
        }
        let text = String(decoding: output, as: UTF8.self)
        guard let imageID else {
            throw DockerEngineError.malformedResponse(
                operation: operation,
                detail: "the build ended without reporting an image ID; its output ended with: \(text.suffix(500))"
            )
        }
        return BuildResult(imageID: imageID, output: text)
    }
}
