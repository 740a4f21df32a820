import DockerEngine
import FlattenProtocol
import NIOCore

extension FlattenJob {
    /// The instructions an engine may refuse in import `changes` (20.10 refuses STOPSIGNAL and
    /// SHELL); each is probed before use, with a tiny import of an empty tar.
    static let probedInstructions: [ImportChanges.Instruction: String] = [
        .stopSignal: "STOPSIGNAL SIGTERM",
        .shell: "SHELL [\"/bin/sh\", \"-c\"]",
        .healthcheck: "HEALTHCHECK NONE",
        .onBuild: "ONBUILD RUN true",
    ]

    /// What every export-based flatten loses or adds, whatever the image.
    static let exportInherentWarnings = [
        "docker export adds the engine's container files to the layer: /.dockerenv, /etc/hostname, /etc/hosts, /etc/resolv.conf, /etc/mtab, /dev/console and the mount points /dev/pts, /dev/shm, /proc, /sys; the image's own versions of those paths and the owner, mode and time of /etc and /dev are replaced",
        "docker export writes file times to the whole second: sub-second modification times are lost",
    ]

    /// Strategy `export`: a created (never started) container is exported and the stream
    /// imported with `changes` restoring the runtime config; the container is removed.
    func runExport(_ context: Context) async throws -> FlattenOutcome {
        let recorder = context.recorder
        let resources = context.resources
        let original = context.subject.original
        let changes = ImportChanges(config: original.config, dialect: context.subject.engine.product == .podman ? .podman : .docker)

        let (container, unsupported) = try await recorder.run(.exporting) { () async throws -> (String, Set<ImportChanges.Instruction>) in
            let unsupported = try await unsupportedInstructions(changes.instructions, resources: resources)
            let container = try await createContainer(of: original, name: "flatten-\(id)-export", resources: resources)
            return (container, unsupported)
        }
        try Task.checkCancellation()

        let newImageID = try await recorder.run(.importing, total: nil) { () async throws -> String in
            let export = try await engine.exportContainer(container)
            let counted = CountingByteStream(base: export, recorder: recorder)
            let imported = try await engine.importImage(
                source: .stream(counted),
                changes: changes.lines(excluding: unsupported),
                message: "flatten-fleet: flattened \(image.familiarDescription) (\(original.id)) by export"
            )
            await resources.setNewImage(imported.imageID)
            await resources.removeContainer(container)
            return imported.imageID
        }
        try Task.checkCancellation()

        let flattened = try await engine.inspectImage(newImageID)
        if let minimum = options.minSavings, !minimum.isSatisfied(originalSize: original.size, newSize: flattened.size) {
            await resources.rollBack()
            return .skipped(reason: "flattening \(image.familiarDescription) by export saves \(ByteCount(original.size - flattened.size)) of \(ByteCount(original.size)), less than the minimum \(minimum.describedForPeople); the exported image was removed")
        }

        var warnings: [String] = []
        let engineName = "this engine (\(engine.engineVersion.version))"
        for instruction in ImportChanges.Instruction.allCases where unsupported.contains(instruction) {
            warnings.append("\(instruction.rawValue) could not be restored: \(engineName) does not accept \(instruction.rawValue) in import changes")
        }
        warnings += changes.unrepresentable.map { "not restored: \($0)" }
        warnings += RuntimeConfigComparison.differences(original.config, flattened.config).map { "runtime config not kept: \($0)" }
        if original.architecture != flattened.architecture || original.os != flattened.os {
            warnings.append("platform not kept: \(original.os ?? "?")/\(original.architecture ?? "?") became \(flattened.os ?? "?")/\(flattened.architecture ?? "?")")
        }
        let historyCount = try await engine.imageHistory(original.id).count
        warnings.append("the image history (\(historyCount) entries) is replaced by one import entry")
        warnings += Self.exportInherentWarnings
        return try await finish(context, newImageID: newImageID, strategy: .export, warnings: warnings)
    }

    /// Creates (never starts) a container of `image`, recorded for removal. An image with
    /// neither `Cmd` nor `Entrypoint` gets `Cmd ["true"]`, which changes nothing on disk.
    func createContainer(of image: ImageInspect, name: String, resources: CreatedResources) async throws -> String {
        var configuration = ContainerConfig()
        if (image.config?.cmd ?? []).isEmpty, (image.config?.entrypoint ?? []).isEmpty {
            configuration.cmd = ["true"]
        }
        let created = try await engine.createContainer(image: image.id, configuration: configuration, name: name)
        await resources.addContainer(created.id)
        return created.id
    }

    /// The instructions of `needed` the engine refuses in import `changes`, found by importing
    /// an empty tar with each (the probe images are removed).
    func unsupportedInstructions(_ needed: Set<ImportChanges.Instruction>, resources: CreatedResources) async throws -> Set<ImportChanges.Instruction> {
        var unsupported: Set<ImportChanges.Instruction> = []
        let emptyTar = [UInt8](repeating: 0, count: 1024)
        for instruction in ImportChanges.Instruction.allCases where needed.contains(instruction) {
            guard let line = Self.probedInstructions[instruction] else { continue }
            do {
                let probe = try await engine.importImage(
                    source: .bytes(emptyTar), changes: [line, "LABEL \(CreatedResources.temporaryLabel)=\(id)"],
                    message: "flatten-fleet: probe"
                )
                await resources.addTemporaryImage(probe.imageID)
                await resources.removeTemporaryImage(probe.imageID)
            } catch let error as DockerEngineError where error.isBadRequest {
                logger.debug("the engine refuses an import change", metadata: ["instruction": "\(instruction.rawValue)", "error": "\(error)"])
                unsupported.insert(instruction)
            }
        }
        return unsupported
    }
}

/// A byte stream that counts what passes through it into the flatten's progress.
struct CountingByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: DockerByteStream
    let recorder: PhaseRecorder

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: DockerByteStream.AsyncIterator
        let recorder: PhaseRecorder

        mutating func next() async throws -> ByteBuffer? {
            let chunk = try await base.next()
            if let chunk { recorder.advance(chunk.readableBytes) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), recorder: recorder)
    }
}
