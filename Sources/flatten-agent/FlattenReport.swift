import FlattenProtocol
import Flattening

/// The text `flatten-agent flatten` prints: a before/after table like `docker images`, the
/// platform and stored sizes, the savings and time per phase, the verdict and the warnings.
///
/// Sizes are called stored sizes because that is what they are: what the engine keeps, which on
/// stores that keep blobs (Docker's containerd store, Podman) depends on the layers' compression,
/// not only on the files in the image.
struct FlattenReport {
    var outcome: FlattenOutcome
    var image: ImageReference

    var rendered: String {
        switch outcome {
        case .skipped(let reason):
            return "skipped: \(reason)"
        case .flattened(let result):
            var table = TextTable(["IMAGE", "IMAGE ID", "LAYERS", "SIZE"])
            table.add([image.familiarDescription, Self.shortID(result.originalImageId), "\(result.originalLayerCount)", ByteCount(result.originalSize).description])
            let newName = result.tags.first.flatMap { try? ImageReference($0).familiarDescription } ?? "<none>"
            table.add([newName, Self.shortID(result.newImageId), "\(result.newLayerCount)", ByteCount(result.newSize).description])
            var lines = [table.rendered, ""]
            let sizes = "stored size \(ByteCount(result.originalSize)) → \(ByteCount(result.newSize))"
            lines.append(result.platform.map { "\($0): \(sizes)" } ?? sizes)
            let percent = result.originalSize > 0 ? Double(result.bytesSaved) * 100 / Double(result.originalSize) : 0
            let total = result.phaseDurations.values.reduce(0, +)
            let phases = Self.phaseOrder.compactMap { phase in
                result.phaseDurations[phase].map { "\(phase.rawValue) \(Self.seconds($0))" }
            }.joined(separator: ", ")
            lines.append("saved \(ByteCount(result.bytesSaved)) (\(Self.percent(percent))) in \(Self.seconds(total)) with strategy \(result.strategy.rawValue): \(phases)")
            if result.tags.count > 1 {
                lines.append("tagged \(result.tags.compactMap { try? ImageReference($0).familiarDescription }.joined(separator: ", "))")
            }
            if result.verified == true {
                lines.append("verified: a container of the flattened image holds the same files and runtime config as one of the original")
            }
            lines += result.warnings.map { "warning: \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    /// The phases in the order they run.
    static let phaseOrder: [FlattenPhase] = [.inspecting, .saving, .exporting, .merging, .importing, .loading, .verifying, .tagging, .pushing]

    static func shortID(_ id: String) -> String {
        String((id.split(separator: ":").last ?? Substring(id)).prefix(12))
    }

    static func seconds(_ value: Double) -> String {
        let hundredths = (value * 100).rounded() / 100
        return "\(hundredths)s"
    }

    static func percent(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return "\(rounded)%"
    }
}
