import ArgumentParser
import FlattenProtocol
import FleetFormatting
import Foundation

/// `flatctl job ID`
struct JobCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Show one job: its state, progress, result or error.")

    @Argument(help: "The job ID (or a unique prefix of it).")
    var id: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let api = try coordinator.api()
        let job = try await api.job(try await IDResolver(api: api).job(id))
        if connection.json {
            try JSONOutput.print(job)
        } else {
            Terminal.write(Self.describe(job))
        }
    }

    static func describe(_ job: Job) -> String {
        var lines: [(String, String)] = [
            ("ID", job.id.lowercased),
            ("Batch", job.batchId.lowercased),
            ("Image", job.image.description),
            ("Host", "\(job.agentName) (\(job.agentId.lowercased))"),
            ("State", job.state.rawValue + (job.cancelRequested && job.state == .running ? " (cancel requested)" : "")),
            ("Attempt", "\(job.attempt) of \(job.maxAttempts)"),
            ("Priority", "\(job.priority)"),
            ("Options", options(job.options)),
            ("Created", "\(Formatting.timestamp(job.createdAt)) (\(Formatting.ago(job.createdAt)))"),
        ]
        if let started = job.startedAt { lines.append(("Started", Formatting.timestamp(started))) }
        if let finished = job.finishedAt { lines.append(("Finished", Formatting.timestamp(finished))) }
        if let elapsed = Formatting.elapsed(job) { lines.append(("Time", Formatting.duration(elapsed))) }
        if job.state == .running, let progress = job.progress {
            var text = progress.phase.rawValue
            if progress.bytesDone > 0 || progress.bytesTotal != nil {
                text += " \(Formatting.bytes(progress.bytesDone))"
                if let total = progress.bytesTotal { text += " of \(Formatting.bytes(total))" }
                if let fraction = progress.fractionDone { text += " (\(Int(fraction * 100))%)" }
            }
            // The rate and ETA as the agent measured them at its last heartbeat.
            if let rate = Formatting.rateAndETA(progress) { text += " " + rate }
            lines.append(("Progress", text))
        }
        if let result = job.result {
            lines.append(("Layers", "\(result.originalLayerCount) → \(result.newLayerCount)"))
            if let platform = result.platform { lines.append(("Platform", platform.description)) }
            lines.append(("Stored size", "\(Formatting.bytes(result.originalSize)) → \(Formatting.bytes(result.newSize)) (saved \(Formatting.bytes(result.bytesSaved)))"))
            lines.append(("Original", result.originalImageId))
            lines.append(("Flattened", result.newImageId))
            lines.append(("Tags", result.tags.joined(separator: ", ")))
            if let verified = result.verified { lines.append(("Verified", verified ? "yes" : "no")) }
            let phases = FlattenPhase.allCases.compactMap { phase in
                result.phaseDurations[phase].map { "\(phase.rawValue) \(Formatting.duration($0))" }
            }
            if !phases.isEmpty { lines.append(("Phases", phases.joined(separator: ", "))) }
            for warning in result.warnings { lines.append(("Warning", warning)) }
        }
        if let reason = job.skipReason { lines.append(("Skipped", reason)) }
        if let error = job.error {
            lines.append(("Error", error.message + (error.retryable ? " (retryable)" : "")))
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { ($0.0 + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + "  " + TerminalText.escaped($0.1) }
            .joined(separator: "\n") + "\n"
    }

    static func options(_ options: FlattenOptions) -> String {
        var parts = ["strategy \(options.strategy.rawValue)"]
        if let tag = options.newTag { parts.append("tag \(tag.familiarDescription)") }
        switch options.partial {
        case .keepLayers(let n): parts.append("keep \(n) layers")
        case .baseImage(let base): parts.append("base \(base.familiarDescription)")
        case .keepShared: parts.append("keep shared layers")
        case nil: break
        }
        if options.verify { parts.append("verify") }
        if options.push { parts.append("push") }
        if let minimum = options.minSavings { parts.append("min savings \(minimum)") }
        if options.replace { parts.append("replace") }
        if let compression = options.compression { parts.append("compression \(compression)") }
        if let platform = options.platform { parts.append("platform \(platform)") }
        return parts.joined(separator: ", ")
    }
}
