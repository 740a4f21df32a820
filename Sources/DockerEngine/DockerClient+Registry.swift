import NIOCore
import NIOHTTP1

/// What `POST /images/{name}/push` reported.
public struct PushResult: Sendable, Hashable {
    /// The pushed tag.
    public var tag: String?
    /// The digest of the manifest the registry now holds, `sha256:…`.
    public var digest: String?
    /// The manifest's size in bytes.
    public var size: Int64?

    /// Reads `t1: digest: sha256:… size: 749`, the line a push ends with.
    init?(statusLine: String) {
        let words = statusLine.split(separator: " ")
        guard words.count == 5, words[0].hasSuffix(":"), words[1] == "digest:", words[2].hasPrefix("sha256:"), words[3] == "size:" else {
            return nil
        }
        self.init(tag: String(words[0].dropLast()), digest: String(words[2]), size: Int64(words[4]))
    }

    public init(tag: String? = nil, digest: String? = nil, size: Int64? = nil) {
        self.tag = tag
        self.digest = digest
        self.size = size
    }
}

extension DockerClient {
    /// `POST /images/{repository}/push`: pushes `repository:tag` to its registry.
    ///
    /// - Parameters:
    ///   - repository: the repository including its registry, for example `registry:5000/team/app`.
    ///   - tag: the tag to push; `nil` pushes every tag of the repository.
    ///   - auth: credentials, or `nil` for an anonymous push.
    /// - Throws: ``DockerEngineError`` with ``DockerEngineError/isStreamError`` and the registry's
    ///   words when the push fails after it started.
    @discardableResult
    public func pushImage(
        repository: String,
        tag: String? = nil,
        auth: RegistryAuth? = nil,
        onProgress: (@Sendable (ProgressMessage) -> Void)? = nil
    ) async throws -> PushResult {
        let operation = "push image '\(repository)\(tag.map { ":\($0)" } ?? "")'"
        try Self.requireName(repository, operation: operation)
        var headers = HTTPHeaders()
        // The engine refuses a push without the header; `{}` is an anonymous push.
        headers.add(name: "X-Registry-Auth", value: (auth ?? .anonymous).headerValue)
        var result = PushResult()
        try await executor.messages(
            DockerRequest(
                .POST, "/images/\(PercentEncoding.pathName(repository))/push",
                query: [("tag", tag ?? "")], headers: headers, isStreaming: true
            ),
            operation: operation
        ) { message in
            onProgress?(message)
            if let aux = message.aux, aux.digest != nil {
                result = PushResult(tag: aux.tag, digest: aux.digest, size: aux.size)
            } else if result.digest == nil, let pushed = message.status.flatMap(PushResult.init(statusLine:)) {
                // Docker's containerd store and Podman send no `aux`, only the CLI's line.
                result = pushed
            }
        }
        return result
    }
}
