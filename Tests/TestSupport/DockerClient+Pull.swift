@testable import DockerEngine
import NIOHTTP1

/// What `POST /images/create?fromImage=…` reported.
public struct PullResult: Sendable, Hashable {
    /// The pulled manifest's digest (`Digest: sha256:…`), when the engine reported one.
    public var digest: String?
    /// The engine's final status, for example `Status: Downloaded newer image for …`.
    public var status: String?

    public init(digest: String? = nil, status: String? = nil) {
        self.digest = digest
        self.status = status
    }
}

// Only tests pull: the product works on images already on the engine.
extension DockerClient {
    /// `POST /images/create?fromImage=…`: pulls `fromImage:tag` from its registry.
    ///
    /// - Parameters:
    ///   - fromImage: the repository including its registry, or a full reference with a digest.
    ///   - tag: the tag (`latest` when `nil` and `fromImage` has no digest).
    @discardableResult
    public func pullImage(
        fromImage: String,
        tag: String? = nil,
        auth: RegistryAuth? = nil,
        onProgress: (@Sendable (ProgressMessage) -> Void)? = nil
    ) async throws -> PullResult {
        let operation = "pull image '\(fromImage)\(tag.map { ":\($0)" } ?? "")'"
        try Self.requireName(fromImage, operation: operation)
        var query: [(name: String, value: String)] = [("fromImage", fromImage)]
        if let tag { query.append(("tag", tag)) }
        var headers = HTTPHeaders()
        headers.add(name: "X-Registry-Auth", value: (auth ?? .anonymous).headerValue)
        var result = PullResult()
        try await executor.messages(
            DockerRequest(.POST, "/images/create", query: query, headers: headers, isStreaming: true),
            operation: operation
        ) { message in
            onProgress?(message)
            guard let status = message.status, message.id == nil else { return }
            if let digest = status.dropPrefix("Digest: ") {
                result.digest = digest.trimmingWhitespace()
            } else if status.hasPrefix("Status: ") {
                result.status = status
            }
        }
        return result
    }
}
