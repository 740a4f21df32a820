/// How much memory a merge may keep for its tables (paths, headers, tallies, the output list),
/// and where the rest goes.
///
/// Without a budget the tables live in the process's memory. With one, they are mapped from
/// temporary files (created in ``directory`` and unlinked at once, so nothing is left behind
/// even when the process is killed), and whenever the merge's resident share passes the budget
/// the mapped pages are dropped from the process: they stay in the kernel's page cache, which
/// writes them to the file under memory pressure and reads them back when touched. The merge
/// computes the same bytes either way; only where its tables sit changes.
public struct MergeMemory: Sendable, Hashable {
    /// Bytes of tables the merge may keep resident, or nil for no limit.
    public var budget: Int?
    /// Where the tables' temporary files are created (used only with a budget).
    public var directory: String

    /// The default budget of `flatten-agent`: 24 MiB. The process holds about 20 MiB besides
    /// its tables, and a check of the budget can come up to a few MiB late, so this keeps a
    /// million-entry merge's peak near 60 MiB (`merge-benchmark --memory-budget 24 --entries 1m`).
    public static let defaultBudget = 24 << 20

    /// Tables in memory, without a limit.
    public static let unlimited = MergeMemory(budget: nil, directory: "")

    public init(budget: Int?, directory: String) {
        self.budget = budget
        self.directory = directory
    }
}
