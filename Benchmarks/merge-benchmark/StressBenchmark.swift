// `--stress`: cases that would expose a merge path growing faster than linearly. Each runs at
// full size and at a tenth; time(full) / (10 * time(tenth)) near 1 means linear.

struct StressCase: Sendable {
    var label: String
    var spec: @Sendable (Int) -> String
    var size: Int
}

let stressCases = [
    StressCase(label: "(a) one layer deleting files of a lower layer, one whiteout each", spec: { "whiteouts:\($0)" }, size: 100_000),
    StressCase(label: "(b) a directory of entries made opaque by an upper layer", spec: { "opaque:\($0)" }, size: 200_000),
    StressCase(label: "(c) hard links, 4/5 to files of their layer (and links to links), 1/5 to a lower layer", spec: { "links:\($0)" }, size: 50_000),
]

func runStressBenchmark(runs: Int?, in workspace: Workspace) -> Bool {
    let runs = runs ?? 3
    print("== --stress: each case at full size and at a tenth, best of \(runs), each merge in its own process")
    var ok = true
    for c in stressCases {
        do {
            let full = try runCase(spec: c.spec(c.size), runs: runs, in: workspace)
            let tenth = try runCase(spec: c.spec(c.size / 10), runs: runs, in: workspace)
            func describe(_ n: Int, _ m: MeasuredCase) -> String {
                "\(grouped(n)): \(number(m.seconds, 3)) s (plan \(number(m.best.planSeconds, 3)), write \(number(m.best.writeSeconds, 3))), peak RSS \(number(m.peakRSSMiB, 1)) MiB, \(grouped(m.archive.entries)) entries"
            }
            print("\(c.label)")
            print("    full  \(describe(c.size, full))")
            print("    tenth \(describe(c.size / 10, tenth))")
            print("    time(full)/(10*time(tenth)) = \(number(full.seconds / (10 * tenth.seconds), 2))  (1 = linear; plan alone \(number(full.best.planSeconds / (10 * tenth.best.planSeconds), 2)))")
        } catch {
            print("\(c.label): FAILED: \(error)")
            ok = false
        }
    }
    return ok
}
