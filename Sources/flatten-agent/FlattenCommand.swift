import ArgumentParser
import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Logging

/// `flatten-agent flatten IMAGE`: flattens one image on this host's engine.
struct FlattenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatten",
        abstract: "Flatten an image into one layer (or squash the layers above a kept base).",
        discussion: """
            The original image is never modified; the result is tagged NAME:TAG-flat unless --tag \
            or --replace says otherwise. Prints a before/after table, or the result as JSON with \
            --json. Exits 0 when the image was flattened or skipped (--min-savings), 1 with one \
            line on standard error when it failed.
            """
    )

    @Argument(help: "The image to flatten, as name[:tag] or name@digest.")
    var image: String

    @Option(name: .customLong("tag"), help: ArgumentHelp("The new image's reference (default: NAME:TAG-flat).", valueName: "name:tag"))
    var newTag: String?

    @Option(help: "How to flatten: merge (the saved layers, keeping the full config) or export (a container export, the seed's way).")
    var strategy: FlattenStrategy = .merge

    @Option(name: .customLong("keep-layers"), help: ArgumentHelp("Keep the lowest N layers as they are.", valueName: "n"))
    var keepLayers: Int?

    @Option(name: .customLong("base"), help: ArgumentHelp("Keep the lowest layers shared with this image.", valueName: "image"))
    var baseImage: String?

    @Flag(name: .customLong("keep-shared"), help: "Keep the lowest layers that other local images also use.")
    var keepShared = false

    @Flag(help: "Check the result against the original (files and runtime config, as containers see them) before tagging it.")
    var verify = false

    @Flag(help: "Push the new tag to its registry.")
    var push = false

    @Option(name: .customLong("registry-auth"), help: ArgumentHelp("Credentials for --push (default: the docker config file's).", valueName: "user:password"))
    var registryAuth: String?

    @Option(name: .customLong("min-savings"), help: ArgumentHelp("Skip when the flatten would save less: bytes (12345, 100MB, 1GiB) or a percentage (10%).", valueName: "amount"))
    var minSavings: String?

    @Flag(help: "Also move the image's own tag to the flattened image (the original keeps its ID and other tags).")
    var replace = false

    @Option(help: ArgumentHelp(
        "How to compress the flattened layer where the engine stores layers as blobs (Docker's containerd image store, Podman): gzip, zstd or none (default: gzip level 1 on the containerd store, none on Podman). Ignored on Docker's classic store.",
        valueName: "gzip|zstd|none"))
    var compression: String?

    @Option(name: .customLong("compression-level"), help: ArgumentHelp("The level of --compression: gzip 1-9, zstd 1-19.", valueName: "n"))
    var compressionLevel: Int?

    @Option(help: ArgumentHelp("The platform to flatten; the engine must hold it (default: the one the engine has).", valueName: "os/arch[/variant]"))
    var platform: String?

    @Flag(help: "Print the result as JSON (a FlattenResult, or {\"skipped\": {\"reason\": …}}).")
    var json = false

    @Option(name: .customLong("layer-delivery"), help: .hidden)
    var layerDelivery: FlattenJob.LayerDelivery = .automatic

    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var memoryBudget: MemoryBudgetOption

    func validate() throws {
        let modes = [keepLayers != nil, baseImage != nil, keepShared].filter { $0 }.count
        guard modes <= 1 else {
            throw ValidationError("choose at most one of --keep-layers, --base and --keep-shared")
        }
        if let keepLayers, keepLayers < 1 {
            throw ValidationError("--keep-layers must be at least 1")
        }
        if registryAuth != nil, !push {
            throw ValidationError("--registry-auth is only used with --push")
        }
        _ = try parsedCompression()
        _ = try parsedPlatform()
    }

    /// `--compression` with its `--compression-level`.
    func parsedCompression() throws -> LayerCompressionSetting? {
        do {
            return try LayerCompressionSetting.fromCommandLine(compression: compression, level: compressionLevel)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `--platform`, parsed.
    func parsedPlatform() throws -> ImagePlatform? {
        guard let platform else { return nil }
        do {
            return try ImagePlatform(parsing: platform)
        } catch {
            throw ValidationError("\(error.description) (--platform)")
        }
    }

    func run() async throws {
        let progress = ProgressLine()
        do {
            let reference = try ImageReference(image)
            let options = try makeOptions()
            let auth = try parseRegistryAuth(for: options.newTag ?? reference.defaultFlattenedReference)
            let outcome = try await DockerClient.withClient(to: try engineOptions.host()) { engine in
                let job = FlattenJob(
                    image: reference, options: options, engine: engine,
                    workDirectory: engineOptions.resolvedWorkDirectory, registryAuth: auth,
                    layerDelivery: layerDelivery, mergeMemoryBudget: memoryBudget.bytes
                )
                return try await job.run(progress: progress.callback)
            }
            progress.clear()
            print(json ? try Self.json(outcome) : FlattenReport(outcome: outcome, image: reference).rendered)
        } catch let error as ExitCode {
            throw error
        } catch {
            progress.clear()
            throw CommandFailure.report(error)
        }
    }

    func makeOptions() throws -> FlattenOptions {
        var partial: PartialFlatten?
        if let keepLayers { partial = .keepLayers(keepLayers) }
        if let baseImage { partial = .baseImage(try ImageReference(baseImage)) }
        if keepShared { partial = .keepShared }
        return FlattenOptions(
            strategy: strategy,
            newTag: try newTag.map { try ImageReference($0) },
            partial: partial,
            verify: verify,
            push: push,
            minSavings: try minSavings.map { try MinSavings(parsing: $0) },
            replace: replace,
            compression: try parsedCompression(),
            platform: try parsedPlatform()
        )
    }

    func parseRegistryAuth(for reference: ImageReference) throws -> RegistryAuth? {
        guard let registryAuth else { return nil }
        guard let colon = registryAuth.firstIndex(of: ":"), colon != registryAuth.startIndex else {
            throw ValidationError("--registry-auth must be user:password")
        }
        return RegistryAuth(
            username: String(registryAuth[..<colon]),
            password: String(registryAuth[registryAuth.index(after: colon)...]),
            serverAddress: reference.domain
        )
    }

    static func json(_ outcome: FlattenOutcome) throws -> String {
        let encoder = JSONEncoder.flattenProtocol
        encoder.outputFormatting.insert(.prettyPrinted)
        switch outcome {
        case .flattened(let result):
            return String(decoding: try encoder.encode(result), as: UTF8.self)
        case .skipped(let reason):
            return String(decoding: try encoder.encode(["skipped": ["reason": reason]]), as: UTF8.self)
        }
    }
}

extension FlattenStrategy: ExpressibleByArgument {}
extension FlattenJob.LayerDelivery: ExpressibleByArgument {}
