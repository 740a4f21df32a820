import ArgumentParser
import FlattenProtocol

/// The flatten options of `flatctl submit`, as `flatten-agent flatten` takes them.
struct FlattenOptionArguments: ParsableArguments {
    @Option(name: .customLong("tag"), help: ArgumentHelp("The new image's reference (default: NAME:TAG-flat).", valueName: "name:tag"))
    var newTag: String?

    @Option(help: "How to flatten: merge (the saved layers, keeping the full config) or export (a container export).")
    var strategy: FlattenStrategy = .merge

    @Option(name: .customLong("keep-layers"), help: ArgumentHelp("Keep the lowest N layers as they are.", valueName: "n"))
    var keepLayers: Int?

    @Option(name: .customLong("base"), help: ArgumentHelp("Keep the lowest layers shared with this image.", valueName: "image"))
    var baseImage: String?

    @Flag(name: .customLong("keep-shared"), help: "Keep the lowest layers that other images on the host also use.")
    var keepShared = false

    @Flag(help: "Check the result against the original before tagging it.")
    var verify = false

    @Flag(help: "Push the new tag to its registry.")
    var push = false

    @Option(name: .customLong("min-savings"), help: ArgumentHelp("Skip when the flatten would save less: bytes (12345, 100MB, 1GiB) or a percentage (10%).", valueName: "amount"))
    var minSavings: String?

    @Flag(help: "Also move the image's own tag to the flattened image.")
    var replace = false

    @Option(help: ArgumentHelp(
        "How to compress the flattened layer where the engine stores layers as blobs (Docker's containerd image store, Podman): gzip, zstd or none (default: gzip level 1 on the containerd store, none on Podman). Ignored on Docker's classic store.",
        valueName: "gzip|zstd|none"))
    var compression: String?

    @Option(name: .customLong("compression-level"), help: ArgumentHelp("The level of --compression: gzip 1-9, zstd 1-19.", valueName: "n"))
    var compressionLevel: Int?

    @Option(help: ArgumentHelp("The platform to flatten; the engine must hold it (default: the one the engine has).", valueName: "os/arch[/variant]"))
    var platform: String?

    func validate() throws {
        let modes = [keepLayers != nil, baseImage != nil, keepShared].filter { $0 }.count
        guard modes <= 1 else {
            throw ValidationError("choose at most one of --keep-layers, --base and --keep-shared")
        }
        if let keepLayers, keepLayers < 1 {
            throw ValidationError("--keep-layers must be at least 1 (it is \(keepLayers))")
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

    /// The options as the protocol carries them.
    func options() throws -> FlattenOptions {
        var options = FlattenOptions(
            strategy: strategy, verify: verify, push: push, replace: replace,
            compression: try parsedCompression(), platform: try parsedPlatform())
        do {
            if let newTag { options.newTag = try ImageReference(newTag) }
            if let keepLayers { options.partial = .keepLayers(keepLayers) }
            if let baseImage { options.partial = .baseImage(try ImageReference(baseImage)) }
            if keepShared { options.partial = .keepShared }
        } catch {
            throw FlatctlError.usage("\(error)")
        }
        if let minSavings {
            do {
                options.minSavings = try MinSavings(parsing: minSavings)
            } catch {
                throw FlatctlError.usage("\(error.description) (--min-savings)")
            }
        }
        return options
    }
}

extension FlattenStrategy: ExpressibleByArgument {}
extension JobState: ExpressibleByArgument {}
