// One benchmark case from the parent's side: generate its archive in a child process, merge it
// in fresh child processes (the best time of `runs` kept), remove the archive.

import Foundation

struct GeneratedArchive {
    var path: String
    var layerBytes: Int64
    var entries: Int
    var archiveBytes: Int64
    var seconds: Double

    var layerMB: Double { Double(layerBytes) / 1e6 }
}

/// A case's archive and its fastest merge.
struct MeasuredCase {
    var archive: GeneratedArchive
    var best: MergeFigures
    /// The largest peak RSS over the runs (each in its own process), MiB.
    var peakRSSMiB: Double

    var seconds: Double { best.totalSeconds }
    var megabytesPerSecond: Double { archive.layerMB / seconds }
    var entriesPerSecond: Double { Double(archive.entries) / seconds }
    /// Peak RSS above the process's own baseline (runtime, libraries), per input entry.
    var rssBytesPerEntry: Double { max(0, peakRSSMiB - best.baselineRSSMiB) * 1_048_576 / Double(archive.entries) }
}

func generateArchive(spec: String, in workspace: Workspace) throws -> GeneratedArchive {
    let path = workspace.file(spec.replacingOccurrences(of: ":", with: "-") + ".tar")
    let start = now()
    let text = try runSelf(["--generate", spec, path], in: workspace)
    let figures = text.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
    guard figures.count == 2 else { throw ChildFailure(description: "generating \(spec) printed '\(text)'") }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    return GeneratedArchive(path: path, layerBytes: figures[0], entries: Int(figures[1]), archiveBytes: size, seconds: now() - start)
}

func measureMerge(of archive: GeneratedArchive, runs: Int, in workspace: Workspace, loadArchive: Bool = false) throws -> MeasuredCase {
    var best: MergeFigures?
    var peak = 0.0
    for _ in 0..<runs {
        let figures = MergeFigures(parsing: try runSelf(["--measure", archive.path] + (loadArchive ? ["--load-archive"] : []), in: workspace))
        guard figures.totalSeconds.isFinite else { throw ChildFailure(description: "the merge of \(archive.path) printed no time") }
        peak = max(peak, figures.peakRSSMiB)
        if best == nil || figures.totalSeconds < best!.totalSeconds { best = figures }
    }
    return MeasuredCase(archive: archive, best: best!, peakRSSMiB: peak)
}

/// Generates the archive of `spec`, measures it, and removes the archive whatever happens.
func runCase(spec: String, runs: Int, in workspace: Workspace, generated: (GeneratedArchive) -> Void = { _ in }) throws -> MeasuredCase {
    let archive = try generateArchive(spec: spec, in: workspace)
    defer { try? FileManager.default.removeItem(atPath: archive.path) }
    generated(archive)
    return try measureMerge(of: archive, runs: runs, in: workspace)
}
