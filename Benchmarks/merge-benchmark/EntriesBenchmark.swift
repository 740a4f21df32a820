// `--entries N`: one image of about N small entries over 10 layers (ManyEntriesImage), index +
// plan and write measured separately.

func defaultRuns(forEntries n: Int) -> Int { n < 500_000 ? 3 : 1 }

func measureEntriesCase(_ n: Int, runs: Int, in workspace: Workspace, verbose: Bool) throws -> MeasuredCase {
    try runCase(spec: "entries:\(n)", runs: runs, in: workspace) { archive in
        if verbose { printGenerated(archive, layers: ManyEntriesImage.layerCount) }
    }
}

func runEntriesBenchmark(_ n: Int, runs: Int?, in workspace: Workspace) -> Bool {
    print("== --entries \(grouped(n)): small files over \(ManyEntriesImage.layerCount) layers (overwrites, whiteouts, opaque and deleted directories, hard links)")
    let runs = runs ?? defaultRuns(forEntries: n)
    do {
        let m = try measureEntriesCase(n, runs: runs, in: workspace, verbose: true)
        printMerge(m, runs: runs)
        print("  targets (issue #17, at 1M entries): merge >= \(number(Targets.megabytesPerSecond)) MB/s (here \(number(m.megabytesPerSecond))), peak RSS <= \(number(Targets.peakRSSMiB)) MiB (here \(number(m.peakRSSMiB, 1)))")
        return true
    } catch {
        print("  FAILED: \(error)")
        return false
    }
}
