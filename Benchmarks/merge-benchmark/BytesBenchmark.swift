// `--bytes GB`: a few large files totalling GB gigabytes (LargeFilesImage): MB/s when bytes,
// not entries, dominate.

func runBytesBenchmark(_ gigabytes: Double, runs: Int?, in workspace: Workspace) -> Bool {
    print("== --bytes \(number(gigabytes, gigabytes == gigabytes.rounded() ? 0 : 2)): 11 large files over 4 layers (overwrites, deletes, hard links)")
    let runs = runs ?? (gigabytes <= 4 ? 3 : 1)
    do {
        let m = try runCase(spec: "bytes:\(gigabytes)", runs: runs, in: workspace) { printGenerated($0, layers: 4) }
        printMerge(m, runs: runs)
        print("  target (issue #17): merge >= \(number(Targets.megabytesPerSecond)) MB/s (here \(number(m.megabytesPerSecond)))")
        return true
    } catch {
        print("  FAILED: \(error)")
        return false
    }
}
