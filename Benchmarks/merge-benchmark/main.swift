// merge-benchmark: how fast, and in how little memory, ImageArchive flattens a large image
// (issue #17, "Big images: a million files").
//
// Generates synthetic `docker save` archives (legacy layout) in a temporary directory, each in
// a child process that streams it to disk with flat memory, then merges each in child processes
// of its own (`--measure`), so every peak RSS is that merge's alone: the child's own VmHWM,
// because on Linux a child's getrusage ru_maxrss also counts its parent's peak, carried across
// posix_spawn's exec (MeasureMode.swift). The merge writes the flattened layer to a sink that
// only counts (it hashes every byte
// for the diff ID). Figures are throughput over the input layer bytes and entries, and peak RSS;
// the targets are printed beside them, never as an exit status.
//
//     swift build -c release --product merge-benchmark && .build/release/merge-benchmark [options]
//
//   (no option)        the default benchmark: ~400 MB of layers in 6 layers with overwrites,
//                      whiteouts, an opaque directory, hard links (one whose target is deleted
//                      later) and a chmod copy-up layer, merged 3 times, then its load archive
//                      keeping the base layer, then SHA-256 alone. `[size-MB] [runs] [base-files]`
//                      still resizes it.
//   --entries N        ~N small entries over 10 layers (ManyEntriesImage.swift): index+plan and
//                      write measured separately
//   --bytes [GB]       11 large files totalling GB gigabytes (default 4): MB/s when bytes dominate
//   --curve            --entries at 10k, 100k, 1M as a table against the targets (merge >= 1000
//                      MB/s, peak RSS <= 64 MiB, throughput within 1.5x of 10k's, all at 1M)
//   --stress           (a) 100,000 whiteouts, (b) a 200,000-entry directory made opaque, (c) 50,000
//                      hard links, each also at a tenth: time(full)/(10*time(tenth))
//   --runs N, --tmpdir DIR, --help
//
// Changed from the earlier version: an argument that is neither an option nor (for the default
// benchmark) a positive number is an error naming it (exit status 2) instead of being read as a
// size or run count; the default benchmark's merges now run in child processes too, so its
// "peak RSS" is the merge's (per run), no longer the whole process's; `--generate` now takes
// `SPEC PATH` (internal).

import Foundation

#if canImport(Glibc)
import Glibc
#endif

let invocation: Invocation
do {
    invocation = try parseInvocation(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("merge-benchmark: \(error) (merge-benchmark --help lists the options)\n".utf8))
    exit(2)
}

switch invocation {
case .help:
    print(usageText)
    exit(0)

case .generate(let spec, let path):
    do {
        try runGenerateMode(spec: spec, path: path)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("merge-benchmark --generate \(spec): \(error)\n".utf8))
        exit(1)
    }

case .measure(let path, let loadArchive):
    do {
        try await runMeasureMode(path: path, loadArchive: loadArchive)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("merge-benchmark --measure \(path): \(error)\n".utf8))
        exit(1)
    }

case .benchmark(let options):
    if let mib = options.memoryBudgetMiB {
        setenv(memoryBudgetVariable, String(mib), 1)
        print("merges spill their tables to temporary files past a budget of \(mib) MiB")
    }
    let parent = options.temporaryParent ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    let workspace: Workspace
    do {
        workspace = try Workspace(parent: parent)
    } catch {
        FileHandle.standardError.write(Data("merge-benchmark: \(error)\n".utf8))
        exit(1)
    }
    var ok = true
    if options.runsLegacy {
        ok = runLegacyBenchmark(sizeMB: options.legacySizeMB, runs: options.legacyRuns, baseFiles: options.legacyBaseFiles, in: workspace)
    } else {
        var sections = 0
        func separate() {
            if sections > 0 { print("") }
            sections += 1
        }
        if let n = options.entries { separate(); ok = runEntriesBenchmark(n, runs: options.runs, in: workspace) && ok }
        if let gb = options.bytesGB { separate(); ok = runBytesBenchmark(gb, runs: options.runs, in: workspace) && ok }
        if options.curve { separate(); ok = runCurveBenchmark(runs: options.runs, in: workspace) && ok }
        if options.stress { separate(); ok = runStressBenchmark(runs: options.runs, in: workspace) && ok }
    }
    workspace.remove()
    exit(ok ? 0 : 1)
}
