import ArgumentParser
import Flattening

/// `--memory-budget`: how much of a merge's tables (``MergeMemory``) stays in memory, shared by
/// `flatten` and `run`.
struct MemoryBudgetOption: ParsableArguments {
    @Option(name: .customLong("memory-budget"), help: ArgumentHelp(
        "MiB of a merge's tables (paths and headers, about 100 bytes an entry) kept in memory; past it they spill to unlinked files in the work directory, with the same result. 0: no limit.",
        valueName: "MiB"
    ))
    var mebibytes: Int = (FlattenJob.defaultMergeMemoryBudget ?? 0) >> 20

    func validate() throws {
        guard mebibytes >= 0 else { throw ValidationError("--memory-budget must be 0 (no limit) or more MiB, not \(mebibytes)") }
    }

    /// The budget in bytes, nil for no limit.
    var bytes: Int? { mebibytes == 0 ? nil : mebibytes << 20 }
}
