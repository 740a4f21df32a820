// `--measure PATH [--load-archive]`: the child process that merges an archive once and prints
// its figures as key=value lines. Its own peak RSS is the merge's: nothing else ran in this
// process. It is VmHWM (read from /proc/self/status), with getrusage's ru_maxrss beside it:
// see ownPeakRSSKiB() for why ru_maxrss alone would count the parent's peak too.

import Foundation
import ImageArchive

#if canImport(Glibc)
import Glibc
#endif

/// Peak resident set size of this process so far, in KiB (ru_maxrss is in kilobytes on Linux).
func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss)
}

/// This process's own peak RSS in KiB: getrusage's ru_maxrss, unless /proc/self/status has
/// VmHWM. Linux carries ru_maxrss across execve from the address space being replaced, and a
/// child spawned with posix_spawn (vfork) replaces its parent's: its ru_maxrss is at least the
/// parent's peak. VmHWM is the peak of this address space alone (from exec on).
func ownPeakRSSKiB() -> Int {
    let hwm = procStatusKiB("VmHWM")
    return hwm > 0 ? hwm : peakRSSKiB()
}

/// A `kB` line of /proc/self/status (VmHWM: this address space's peak RSS; VmRSS: now), in KiB.
func procStatusKiB(_ key: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? -1
    }
    return -1
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

final class CountingSink: @unchecked Sendable {
    // Used from one task only; a class so the sink closure can count.
    var bytes: Int64 = 0
}

/// The environment variable through which the benchmark hands `--memory-budget` to its
/// `--measure` children.
let memoryBudgetVariable = "MERGE_BENCHMARK_MEMORY_BUDGET_MIB"

/// The merge's memory: `--memory-budget` of the parent, or all in memory.
func mergeMemory(spillingTo directory: String) -> MergeMemory {
    guard let text = ProcessInfo.processInfo.environment[memoryBudgetVariable], let mib = Int(text) else { return .unlimited }
    return MergeMemory(budget: mib << 20, directory: directory)
}

func runMeasureMode(path: String, loadArchive: Bool) async throws {
    let temporaryDirectory = (path as NSString).deletingLastPathComponent
    let baseline = procStatusKiB("VmRSS")
    var figures: [(String, String)] = [("baseline_rss_kib", "\(baseline >= 0 ? baseline : peakRSSKiB())")]
    let start = now()
    let archive = try SavedImageArchive(path: path)
    if loadArchive {
        // The whole load archive of a partial flatten keeping the base layer (copied from the spool).
        let flattened = try FlattenedImage(archive: archive, keepingLowest: 1, repoTags: ["bench/image:flat"], temporaryDirectory: temporaryDirectory)
        let sink = CountingSink()
        let result = try await flattened.writeLoadArchive { chunk in sink.bytes += Int64(chunk.count) }
        figures += [("total_seconds", "\(now() - start)"), ("archive_bytes", "\(result.archiveSize)"), ("image_id", result.imageID)]
    } else {
        let (layers, _) = try archive.layerSources(of: archive.images[0], temporaryDirectory: temporaryDirectory)
        let plan = try LayerMerge.plan(layers: layers, memory: mergeMemory(spillingTo: temporaryDirectory))
        let planned = now()
        let planRSS = ownPeakRSSKiB()
        let sink = CountingSink()
        let result = try await plan.write { chunk in sink.bytes += Int64(chunk.count) }
        let end = now()
        figures += [
            ("plan_seconds", "\(planned - start)"), ("write_seconds", "\(end - planned)"), ("total_seconds", "\(end - start)"),
            ("plan_rss_kib", "\(planRSS)"),
            ("output_bytes", "\(sink.bytes)"), ("output_entries", "\(plan.entryCount)"), ("diff_id", result.diffID),
            ("header_bytes_read", "\(archive.headerBytesRead + plan.headerBytesRead)"), ("content_bytes_read", "\(result.contentBytesRead)"),
            ("wasted_bytes", "\(plan.analysis.wastedBytes)"), ("dive_wasted_bytes", "\(plan.analysis.diveWastedBytes)"),
            ("dive_efficiency", "\(plan.analysis.diveEfficiency)"),
            ("spilled_bytes", "\(plan.spilledBytes)"), ("budget_trims", "\(plan.budgetTrims)"),
        ]
    }
    figures.append(("peak_rss_kib", "\(ownPeakRSSKiB())"))
    figures.append(("ru_maxrss_kib", "\(peakRSSKiB())"))
    for (key, value) in figures { print("\(key)=\(value)") }
}

/// What a `--measure` child printed.
struct MergeFigures {
    var values: [String: String]

    init(parsing text: String) {
        values = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
    }

    func number(_ key: String) -> Double { Double(values[key] ?? "") ?? .nan }
    func text(_ key: String) -> String { values[key] ?? "?" }

    var planSeconds: Double { number("plan_seconds") }
    var writeSeconds: Double { number("write_seconds") }
    var totalSeconds: Double { number("total_seconds") }
    var peakRSSMiB: Double { number("peak_rss_kib") / 1024 }
    var planRSSMiB: Double { number("plan_rss_kib") / 1024 }
    var baselineRSSMiB: Double { number("baseline_rss_kib") / 1024 }
    var ruMaxRSSMiB: Double { number("ru_maxrss_kib") / 1024 }
}
