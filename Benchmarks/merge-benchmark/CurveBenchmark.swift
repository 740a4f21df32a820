// `--curve`: the entries case at 10k, 100k and 1M entries, as one table, with each size's
// throughput against 10k's and the targets beside the 1M figures.

func runCurveBenchmark(runs: Int?, in workspace: Workspace) -> Bool {
    let sizes = [10_000, 100_000, 1_000_000]
    print("== --curve: the --entries case at \(sizes.map(shortCount).joined(separator: ", ")) entries, each merge in its own process")
    var measured: [(Int, MeasuredCase?)] = []
    var ok = true
    for n in sizes {
        let r = runs ?? defaultRuns(forEntries: n)
        do {
            let m = try measureEntriesCase(n, runs: r, in: workspace, verbose: false)
            print("  \(shortCount(n)): \(grouped(m.archive.entries)) entries, \(number(m.archive.layerMB, 1)) MB of layers, generated in \(number(m.archive.seconds, 1)) s; merged in \(number(m.seconds, 3)) s (best of \(r))")
            measured.append((n, m))
        } catch {
            print("  \(shortCount(n)): FAILED: \(error)")
            measured.append((n, nil))
            ok = false
        }
    }
    let base = measured.first?.1
    print("")
    let header = [pad("entries", 10), pad("layer MB", 9), pad("plan s", 8), pad("write s", 8), pad("time s", 8), pad("MB/s", 7), pad("entries/s", 11),
                  pad("peak RSS MiB", 13), pad("RSS B/entry", 12), pad("10k÷this /MB", 13), pad("10k÷this /entry", 16)]
    print(header.joined(separator: " "))
    for (n, m) in measured {
        guard let m else {
            print(pad(shortCount(n), 10) + "  failed")
            continue
        }
        var slowdownBytes = "-", slowdownEntries = "-"
        if let base, n != sizes[0] {
            slowdownBytes = "x" + number(base.megabytesPerSecond / m.megabytesPerSecond, 2)
            slowdownEntries = "x" + number(base.entriesPerSecond / m.entriesPerSecond, 2)
        }
        let row = [pad(grouped(m.archive.entries), 10), pad(number(m.archive.layerMB, 1), 9), pad(number(m.best.planSeconds, 3), 8), pad(number(m.best.writeSeconds, 3), 8),
                   pad(number(m.seconds, 3), 8), pad(number(m.megabytesPerSecond), 7), pad(number(m.entriesPerSecond), 11),
                   pad(number(m.peakRSSMiB, 1), 13), pad(number(m.rssBytesPerEntry), 12), pad(slowdownBytes, 13), pad(slowdownEntries, 16)]
        print(row.joined(separator: " "))
    }
    print("(time = index+plan+write; MB/s and entries/s of the input layers; RSS B/entry: peak RSS above the process baseline of \(number(base?.best.baselineRSSMiB ?? .nan, 1)) MiB, per input entry; 10k÷this: 10k's throughput over this size's, 1.00 = as fast)")
    print("")
    print("targets at 1M entries (issue #17)            measured")
    if let top = measured.last?.1 {
        print("  merge >= \(number(Targets.megabytesPerSecond)) MB/s                       \(number(top.megabytesPerSecond)) MB/s")
        print("  peak RSS <= \(number(Targets.peakRSSMiB)) MiB                        \(number(top.peakRSSMiB, 1)) MiB")
        if let base {
            print("  throughput within \(number(Targets.slowdownAgainst10k, 1))x of 10k's               x\(number(base.megabytesPerSecond / top.megabytesPerSecond, 2)) per MB, x\(number(base.entriesPerSecond / top.entriesPerSecond, 2)) per entry")
        }
    } else {
        print("  (the 1M case failed: no figures)")
    }
    return ok
}
