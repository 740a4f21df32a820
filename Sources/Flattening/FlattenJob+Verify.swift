import DockerEngine
import ImageArchive

extension FlattenJob {
    /// What verification concluded, beyond passing.
    struct Verdict: Sendable {
        var notes: [String]
    }

    /// Holds the new image against the original as the engine sees both: a created (never
    /// started) container of each is exported and the trees compared entry by entry
    /// (``TreeComparison/containerExports``), and the runtime configs compared.
    ///
    /// - Throws: ``FlattenError`` with ``FlattenError/isVerificationFailed`` naming the first
    ///   differing paths and fields.
    func verify(original: ImageInspect, newImageID: String, context: Context) async throws -> Verdict {
        let flattened = try await engine.inspectImage(newImageID)
        var differences = RuntimeConfigComparison.differences(original.config, flattened.config).map { "runtime config \($0)" }
        if original.architecture != flattened.architecture || original.os != flattened.os {
            differences.append("platform \(original.os ?? "?")/\(original.architecture ?? "?") vs \(flattened.os ?? "?")/\(flattened.architecture ?? "?")")
        }
        let originalTree = try await exportedTree(of: original, label: "original", context: context)
        try Task.checkCancellation()
        let flattenedTree = try await exportedTree(of: flattened, label: "flattened", context: context)
        let treeDifferences = TreeComparison.containerExports.differences(originalTree, flattenedTree)
        differences += treeDifferences.map(\.description)
        guard differences.isEmpty else {
            throw FlattenError(.verificationFailed(differences: Array(differences.prefix(20)), total: differences.count))
        }
        return Verdict(notes: [])
    }

    /// The filesystem a container of `image` sees, read from its export (spooled to the work
    /// directory, then hashed); the container is removed.
    func exportedTree(of image: ImageInspect, label: String, context: Context) async throws -> FileTreeSnapshot {
        let container = try await createContainer(of: image, name: "flatten-\(id)-verify-\(label)", resources: context.resources)
        let spool = try SpoolFile(directory: context.directory.path, label: "export-\(label)")
        defer { spool.discard() }
        for try await chunk in try await engine.exportContainer(container) {
            try spool.append(chunk)
            context.recorder.advance(chunk.readableBytes)
        }
        await context.resources.removeContainer(container)
        let region = try spool.finish()
        return try FileTreeSnapshot(tar: region, source: "export of a container of the \(label) image")
    }
}
