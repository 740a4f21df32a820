import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `GET /images/{name}/json`: an image's configuration and layers, with the raw answer in
    /// ``ImageInspect/rawJSON``.
    ///
    /// - Parameter name: a reference (`name:tag`, `name@digest`) or an image ID.
    /// - Throws: ``DockerEngineError`` with ``DockerEngineError/isNotFound`` when the engine has no
    ///   such image.
    public func inspectImage(_ name: String) async throws -> ImageInspect {
        let operation = "inspect image '\(name)'"
        try Self.requireName(name, operation: operation)
        let body = try await executor.bytes(DockerRequest(.GET, "/images/\(PercentEncoding.pathName(name))/json"), operation: operation)
        var inspect = try executor.decode(ImageInspect.self, from: body, operation: operation)
        inspect.rawJSON = Array(body.readableBytesView)
        return inspect
    }

    /// `GET /images/{name}/history`: the image's build steps, newest first.
    public func imageHistory(_ name: String) async throws -> [ImageHistoryItem] {
        let operation = "read the history of image '\(name)'"
        try Self.requireName(name, operation: operation)
        return try await executor.json(DockerRequest(.GET, "/images/\(PercentEncoding.pathName(name))/history"), operation: operation)
    }

    /// `GET /images/json`: the engine's images.
    ///
    /// - Parameter all: include intermediate images of builds.
    public func listImages(all: Bool = false) async throws -> [ImageSummary] {
        // Podman and the containerd store build the list image by image, and fail the whole
        // list (404, or Podman's 500 "image not known") when one is removed meanwhile: a
        // moment later the list is whole again.
        var attempt = 0
        while true {
            do {
                return try await executor.json(
                    DockerRequest(.GET, "/images/json", query: all ? [("all", "1")] : []),
                    operation: "list images"
                )
            } catch let error as DockerEngineError where attempt < 8 && error.isImageGoneWhileListing {
                attempt += 1
                try await Task.sleep(for: .milliseconds(25 << min(attempt, 5)))
            }
        }
    }

    /// The engine's images, each inspected (one call per image) for its layer diff IDs and
    /// configuration. Images removed between the list and their inspection are left out.
    public func listImagesInspected(all: Bool = false) async throws -> [ImageInspect] {
        var result: [ImageInspect] = []
        for summary in try await listImages(all: all) {
            do {
                result.append(try await inspectImage(summary.id))
            } catch let error as DockerEngineError where error.isNotFound {
                continue
            }
        }
        return result
    }

    /// `POST /images/{source}/tag`: points `repository:tag` at the image `source`.
    ///
    /// - Parameters:
    ///   - source: a reference or image ID.
    ///   - repository: for example `registry:5000/team/app`.
    ///   - tag: the tag; `latest` when `nil`.
    public func tagImage(_ source: String, repository: String, tag: String? = nil) async throws {
        let operation = "tag image '\(source)' as '\(repository):\(tag ?? "latest")'"
        try Self.requireName(source, operation: operation)
        try Self.requireName(repository, operation: operation)
        var query: [(name: String, value: String)] = [("repo", repository)]
        if let tag { query.append(("tag", tag)) }
        try await executor.discardingBody(
            DockerRequest(.POST, "/images/\(PercentEncoding.pathName(source))/tag", query: query),
            operation: operation
        )
    }

    /// `DELETE /images/{name}`: removes a reference, and the image when no reference is left.
    ///
    /// - Parameters:
    ///   - force: remove even when the image has several references or stopped containers use it.
    ///   - noPrune: keep untagged parent images.
    /// - Returns: the references untagged and images deleted, in the engine's order.
    /// - Throws: ``DockerEngineError`` with ``DockerEngineError/isConflict`` when a container uses
    ///   the image, ``DockerEngineError/isNotFound`` when there is no such image.
    @discardableResult
    public func removeImage(_ name: String, force: Bool = false, noPrune: Bool = false) async throws -> [ImageDeleteItem] {
        let operation = "remove image '\(name)'"
        try Self.requireName(name, operation: operation)
        var query: [(name: String, value: String)] = []
        if force { query.append(("force", "1")) }
        if noPrune { query.append(("noprune", "1")) }
        return try await executor.json(
            DockerRequest(.DELETE, "/images/\(PercentEncoding.pathName(name))", query: query),
            operation: operation
        )
    }

    static func requireName(_ name: String, operation: String) throws {
        guard !name.isEmpty else {
            throw DockerEngineError.invalidArgument(operation: operation, detail: "the name is empty")
        }
        guard !name.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw DockerEngineError.invalidArgument(operation: operation, detail: "the name '\(name)' contains whitespace")
        }
        // A `.` or `..` component would make the URL path address another endpoint.
        guard !name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) else {
            throw DockerEngineError.invalidArgument(operation: operation, detail: "the name '\(name)' contains a '.' or '..' path component")
        }
    }
}
