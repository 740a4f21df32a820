import ArgumentParser
import DockerEngine
import FlattenProtocol
import Flattening
import Foundation

/// `flatten-agent analyze IMAGE`: what flattening would gain, without changing anything.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Show an image's layers, wasted bytes and what flattening it would save.",
        discussion: """
            WASTED is a layer's file content that the flattened image does not carry (deleted \
            or overwritten by a later layer, or written twice in one layer); the total row is \
            what flattening saves. dive's figures, which count every copy of a repeated path \
            (the one kept too), are on a line of their own. The recommendation is flatten, \
            keep-shared (the lowest layers are shared with other local images) or not-worth-it.
            """
    )

    @Argument(help: "The image to analyze, as name[:tag] or name@digest.")
    var image: String

    @Flag(help: "Print the analysis as JSON.")
    var json = false

    @OptionGroup var engineOptions: EngineOptions

    func run() async throws {
        let progress = ProgressLine()
        do {
            let reference = try ImageReference(image)
            let analysis = try await DockerClient.withClient(to: try engineOptions.host()) { engine in
                try await ImageAnalyzer(engine: engine, workDirectory: engineOptions.resolvedWorkDirectory)
                    .analyze(reference, progress: progress.callback)
            }
            progress.clear()
            if json {
                let encoder = JSONEncoder.flattenProtocol
                encoder.outputFormatting.insert(.prettyPrinted)
                print(String(decoding: try encoder.encode(analysis), as: UTF8.self))
            } else {
                print(Self.render(analysis))
            }
        } catch {
            progress.clear()
            throw CommandFailure.report(error)
        }
    }

    static func render(_ analysis: FlattenAnalysis) -> String {
        var lines = ["\(analysis.reference) (\(FlattenReport.shortID(analysis.imageId))): \(analysis.layers.count) layers, \(ByteCount(analysis.originalSize))", ""]
        var table = TextTable(["LAYER", "CREATED BY", "SIZE", "WASTED", "SHARED"])
        for (index, layer) in analysis.layers.enumerated() {
            table.add([
                "\(index)", Self.shortened(layer.createdBy, to: 60), ByteCount(layer.size).description,
                ByteCount(layer.wastedBytes).description, layer.sharedWithOtherImages ? "yes" : "",
            ])
        }
        let totalSize = analysis.layers.reduce(Int64(0)) { $0 + $1.size }
        table.add(["total", "", ByteCount(totalSize).description, ByteCount(analysis.wastedBytes).description, ""])
        lines.append(table.rendered)
        lines.append("")
        let percent = analysis.originalSize > 0 ? Double(analysis.predictedSavings) * 100 / Double(analysis.originalSize) : 0
        lines.append("flattened: about \(ByteCount(analysis.predictedSize)) in 1 layer of \(analysis.predictedEntryCount) entries, saving \(ByteCount(analysis.predictedSavings)) (\(FlattenReport.percent(percent))): the WASTED total")
        lines.append("dive would say: wasted \(ByteCount(analysis.diveWastedBytes)), efficiency \(FlattenReport.percent(analysis.diveEfficiency * 100)) (it counts every copy of a path found in several layers, the one kept too)")
        if let keepShared = analysis.predictedKeepSharedSize {
            lines.append("with --keep-shared: about \(ByteCount(keepShared)), keeping the lowest \(analysis.sharedLayerCount) layers shared with \(analysis.sharingImageCount) other images")
        }
        lines.append("recommendation: \(analysis.recommendation.rawValue): \(analysis.reason)")
        return lines.joined(separator: "\n")
    }

    static func shortened(_ text: String, to length: Int) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count <= length ? oneLine : String(oneLine.prefix(length - 1)) + "…"
    }
}
