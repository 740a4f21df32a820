import DockerEngine
import ImageArchive

/// Holds one image against another as the engine sees both: a created (never started)
/// container of each is exported and the two trees are compared entry by entry (path, type,
/// mode, owner, modification time, content digest, link target, hard-link group, extended
/// attributes; see ``TreeComparison/containerExports``), and the runtime configs and platforms
/// are compared. The check behind `--verify`, usable on any two images.
///
/// Exports are spooled to `workDirectory` (about each image's size) and removed; the containers
/// are removed whatever happens, cancellation included. The paths of the engine's init layer
/// (``TreeComparison/engineInitPaths``) show the engine's placeholders in every container, so
/// what an image holds there cannot be compared this way.
public struct ImageVerifier: Sendable {
    public let engine: DockerClient
    /// An existing directory for the spooled exports.
    public let workDirectory: String
    /// The containers are named `<prefix>-original` and `<prefix>-candidate`.
    public let containerNamePrefix: String

    public init(engine: DockerClient, workDirectory: String, containerNamePrefix: String = "flatten-verify-\(FlattenJob.makeID())") {
        self.engine = engine
        self.workDirectory = workDirectory
        self.containerNamePrefix = containerNamePrefix
    }

    /// Every difference of `candidate` from `original` (image IDs or references), one line
    /// each, runtime config first, then paths in order; empty when they are the same.
    public func differences(between original: String, and candidate: String, onBytes: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> [String] {
        let first = try await engine.inspectImage(original)
        let second = try await engine.inspectImage(candidate)
        var differences = RuntimeConfigComparison.differences(first.config, second.config).map { "runtime config \($0)" }
        if first.architecture != second.architecture || first.os != second.os {
            differences.append("platform \(first.os ?? "?")/\(first.architecture ?? "?") vs \(second.os ?? "?")/\(second.architecture ?? "?")")
        }
        let firstTree = try await exportedTree(of: first, label: "original", onBytes: onBytes)
        try Task.checkCancellation()
        let secondTree = try await exportedTree(of: second, label: "candidate", onBytes: onBytes)
        differences += TreeComparison.containerExports.differences(firstTree, secondTree).map(\.description)
        return differences
    }

    /// The tree a container of `image` sees, from its export.
    public func exportedTree(of image: ImageInspect, label: String, onBytes: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> FileTreeSnapshot {
        var configuration = ContainerConfig()
        if (image.config?.cmd ?? []).isEmpty, (image.config?.entrypoint ?? []).isEmpty {
            // Creating needs a command; it changes nothing on disk.
            configuration.cmd = ["true"]
        }
        let container = try await engine.createContainer(image: image.id, configuration: configuration, name: "\(containerNamePrefix)-\(label)")
        do {
            let spool = try SpoolFile(directory: workDirectory, prefix: "flatten-export-\(label)")
            for try await chunk in try await engine.exportContainer(container.id) {
                try chunk.withUnsafeReadableBytes { try spool.append($0) }
                onBytes(chunk.readableBytes)
            }
            let region = ImageArchive.FileRegion(file: spool.finish())
            let tree = try FileTreeSnapshot(tar: region, source: "the export of a container of the \(label) image")
            await removeDetached(container.id)
            return tree
        } catch {
            await removeDetached(container.id)
            throw error
        }
    }

    private func removeDetached(_ container: String) async {
        let engine = self.engine
        await FlattenJob.detached {
            _ = try? await engine.removeContainer(container, force: true, removeVolumes: true)
        }
    }
}
