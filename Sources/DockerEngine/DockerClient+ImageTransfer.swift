import NIOCore
import NIOHTTP1

/// What `POST /images/load` reported.
public struct LoadResult: Sendable, Hashable {
    /// References tagged by the load (`Loaded image: name:tag`), in the engine's order.
    public var loadedReferences: [String]
    /// Images loaded without a reference (`Loaded image ID: sha256:…`), in the engine's order.
    public var loadedImageIDs: [String]
    /// The engine's text output, line by line (including notes such as an older image being untagged).
    public var output: [String]

    public init(loadedReferences: [String] = [], loadedImageIDs: [String] = [], output: [String] = []) {
        self.loadedReferences = loadedReferences
        self.loadedImageIDs = loadedImageIDs
        self.output = output
    }

    /// Reads one `stream` text of the load answer.
    mutating func record(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let line = String(line).trimmingWhitespace()
            guard !line.isEmpty else { continue }
            output.append(line)
            if let id = line.dropPrefix("Loaded image ID: ") {
                loadedImageIDs.append(id)
            } else if let id = line.dropPrefix("Loaded image: "), id.hasPrefix("sha256:") {
                // Podman reports an untagged image by ID in the tagged form.
                loadedImageIDs.append(id)
            } else if let reference = line.dropPrefix("Loaded image: ") {
                loadedReferences.append(EngineSpelling.familiar(reference))
            }
        }
    }
}

/// What `POST /images/create?fromSrc=-` reported.
public struct ImportResult: Sendable, Hashable {
    /// The new image's ID, `sha256:…`.
    public var imageID: String

    public init(imageID: String) {
        self.imageID = imageID
    }
}

extension DockerClient {
    /// `GET /images/get?names=…`: the `docker save` archive of `names`, streamed.
    ///
    /// The engine checks the names before it starts streaming, so a missing image fails here with
    /// ``DockerEngineError/isNotFound``. Engines before 25 write the legacy layout, later ones an
    /// OCI layout that also carries `manifest.json`.
    public func saveImage(_ names: [String]) async throws -> DockerByteStream {
        let operation = "save image\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", "))"
        guard !names.isEmpty else {
            throw DockerEngineError.invalidArgument(operation: operation, detail: "no image names were given")
        }
        for name in names {
            try Self.requireName(name, operation: operation)
        }
        return try await executor.byteStream(
            DockerRequest(.GET, "/images/get", query: names.map { ("names", $0) }, isStreaming: true),
            operation: operation
        )
    }

    /// `GET /images/get?names=name`: the `docker save` archive of one image, streamed.
    public func saveImage(_ name: String) async throws -> DockerByteStream {
        try await saveImage([name])
    }

    /// `POST /images/load`: loads a `docker save`-format archive streamed from `body`.
    ///
    /// - Parameters:
    ///   - quiet: ask the engine not to send progress bars (the `Loaded image` lines still come).
    ///   - onProgress: called for each message of the engine's answer as it arrives.
    /// - Throws: ``DockerEngineError`` with ``DockerEngineError/isStreamError`` and the engine's
    ///   words when the archive is refused (for example `unexpected EOF` for a truncated tar).
    @discardableResult
    public func loadImage(
        body: DockerRequestBody,
        quiet: Bool = true,
        onProgress: (@Sendable (ProgressMessage) -> Void)? = nil
    ) async throws -> LoadResult {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-tar")
        var result = LoadResult()
        try await executor.messages(
            DockerRequest(.POST, "/images/load", query: [("quiet", quiet ? "1" : "0")], headers: headers, body: body, isStreaming: true),
            operation: "load image archive"
        ) { message in
            onProgress?(message)
            if let text = message.stream {
                result.record(text)
            }
        }
        return result
    }

    /// `POST /images/create?fromSrc=-`: makes a single-layer image from a filesystem tar streamed
    /// from `body`, like `docker import`.
    ///
    /// - Parameters:
    ///   - repository: the new image's repository, or `nil` for an untagged image.
    ///   - tag: its tag (`latest` when `nil` and a repository is given).
    ///   - changes: Dockerfile instructions to apply to the config: `CMD ["sh"]`, `ENV A=b`,
    ///     `WORKDIR /w`, `ENTRYPOINT`, `USER`, `EXPOSE`, `VOLUME`, `LABEL`, `STOPSIGNAL`,
    ///     `HEALTHCHECK`, `ONBUILD`.
    ///   - message: the commit message recorded in the image's history.
    ///   - platform: `os[/arch[/variant]]`, or `nil` for the engine's.
    public func importImage(
        source body: DockerRequestBody,
        repository: String? = nil,
        tag: String? = nil,
        changes: [String] = [],
        message: String? = nil,
        platform: String? = nil,
        onProgress: (@Sendable (ProgressMessage) -> Void)? = nil
    ) async throws -> ImportResult {
        let operation = "import image\(repository.map { " '\($0):\(tag ?? "latest")'" } ?? "")"
        var query: [(name: String, value: String)] = [("fromSrc", "-")]
        if let repository {
            try Self.requireName(repository, operation: operation)
            // `repo=name:tag` rather than a separate `tag`: Docker reads either, Podman ignores
            // `tag` and would name the image `name:latest`.
            query.append(("repo", tag.map { "\(repository):\($0)" } ?? repository))
        }
        for change in changes {
            guard !change.contains(where: \.isNewline) else {
                throw DockerEngineError.invalidArgument(operation: operation, detail: "the change '\(change)' spans several lines")
            }
            query.append(("changes", change))
        }
        if let message { query.append(("message", message)) }
        if let platform { query.append(("platform", platform)) }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-tar")
        var imageID: String?
        try await executor.messages(
            DockerRequest(.POST, "/images/create", query: query, headers: headers, body: body, isStreaming: true),
            operation: operation
        ) { message in
            onProgress?(message)
            // The last status line of an import is the new image's ID; Podman's lacks the
            // `sha256:` prefix.
            if let status = message.status?.trimmingWhitespace() {
                if status.hasPrefix("sha256:") {
                    imageID = status
                } else if status.count == 64, status.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
                    imageID = "sha256:" + status
                }
            }
        }
        guard let imageID else {
            throw DockerEngineError.malformedResponse(operation: operation, detail: "the engine's answer carried no image ID")
        }
        return ImportResult(imageID: imageID)
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String? {
        guard hasPrefix(prefix) else { return nil }
        return String(dropFirst(prefix.count))
    }
}
