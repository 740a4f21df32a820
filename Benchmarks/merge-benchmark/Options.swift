// The command line of merge-benchmark: what to run, `--help`, and usage errors.

import Foundation

/// The benchmark cases the command line asks for (the default, legacy benchmark when none).
struct BenchmarkOptions {
    /// `--entries N`: one image of about N small entries over 10 layers.
    var entries: Int?
    /// `--bytes [GB]`: one image of a few large files totalling GB gigabytes.
    var bytesGB: Double?
    /// `--curve`: the entries case at 10k, 100k and 1M entries, as a table.
    var curve = false
    /// `--stress`: the quadratic-path cases, each at full size and at a tenth.
    var stress = false
    /// `--runs N`: measured merges per case (the best time is kept); nil: the mode's default.
    var runs: Int?
    /// `--tmpdir DIR`: where the temporary directory goes (default `$TMPDIR`, else /tmp).
    var temporaryParent: String?
    /// `--memory-budget MIB`: the merges' ``MergeMemory`` budget (default: none, all in memory).
    var memoryBudgetMiB: Int?
    /// The legacy positional form `[size-MB] [runs] [base-files]`.
    var legacySizeMB: Int64 = 400
    var legacyRuns: Int = 3
    var legacyBaseFiles: Int = 3000

    var runsLegacy: Bool { entries == nil && bytesGB == nil && !curve && !stress }
}

/// What one invocation does: the benchmark, or one of the internal child modes it runs itself as.
enum Invocation {
    case help
    case benchmark(BenchmarkOptions)
    /// `--generate SPEC PATH`: writes the synthetic archive SPEC names, prints its figures.
    case generate(spec: String, path: String)
    /// `--measure PATH [--load-archive]`: one merge of the archive, figures on stdout.
    case measure(path: String, loadArchive: Bool)
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
}

let usageText = """
    usage: merge-benchmark [options]
           merge-benchmark [size-MB] [runs] [base-files]     (the default benchmark, resized)

    Measures ImageArchive's layer merge (index + plan, then write) on synthetic `docker save`
    archives generated in a temporary directory, in a child process; every measured merge runs
    in a child process of its own, so each peak RSS (the child's VmHWM, its getrusage ru_maxrss
    where /proc is missing) is that merge's alone.
    Prints figures and the targets of issue #17 beside them; the exit status never depends on a
    target (0, or 1 when a case failed to generate or merge, 2 for a usage error).

    With no option: the default benchmark, ~400 MB of layers in 6 layers with overwrites,
    whiteouts, an opaque directory, hard links and a chmod layer, merged 3 times, then a load
    archive that keeps the base layer, then SHA-256 alone.

    options:
      --entries N      an image of about N entries (N may end in k or m: 100k, 1m) over 10 layers:
                       small files (~0.9 KB average), overwrites, whiteouts of files and of whole
                       directories, opaque directories, hard links within a layer and to lower
                       layers; prints index+plan and write separately (~1.4 GB of layers for 1m)
      --bytes [GB]     an image of 11 large files totalling GB gigabytes (default 4) over 4
                       layers, with an overwrite, deletes and hard links: MB/s when bytes dominate
      --curve          the entries case at 10k, 100k and 1m entries: a table of time, MB/s,
                       entries/s, peak RSS, RSS bytes per entry and throughput against 10k's
      --stress         quadratic-path cases, each at full size and at a tenth, with
                       time(full)/(10*time(tenth)) (1 = linear): (a) one layer deleting 100,000
                       files of a lower layer, (b) a 200,000-entry directory made opaque,
                       (c) 50,000 hard links, in their targets' layer and to a lower layer
      --runs N         merges per case, the best time kept (default: 3 for cases under 500k
                       entries, 1 above; 3 for --bytes up to 4 GB, else 1)
      --tmpdir DIR     put the temporary directory in DIR (default $TMPDIR, else /tmp); it is
                       removed at the end, also after a failure or an interrupt
      --memory-budget MIB
                       merge with tables spilled to temporary files past MIB MiB (what
                       flatten-agent's --memory-budget does); default: all tables in memory
      -h, --help       this text

    Several of --entries, --bytes, --curve, --stress may be given; they run in that order.

    internal (the benchmark runs itself with these in child processes):
      --generate SPEC PATH        write the archive SPEC names (legacy:MB:FILES, entries:N,
                                  bytes:GB, whiteouts:N, opaque:N, links:N) to PATH
      --measure PATH [--load-archive]
                                  merge PATH once (or write its load archive keeping 1 layer)
                                  and print the figures as key=value lines
    """

/// `100000`, `100k`, `1m`, `1M`, `1_000_000`.
func parseCount(_ text: String) -> Int? {
    var digits = text.lowercased().replacingOccurrences(of: "_", with: "")
    var scale = 1
    if digits.hasSuffix("k") { scale = 1000; digits.removeLast() } else if digits.hasSuffix("m") { scale = 1_000_000; digits.removeLast() }
    guard let value = Int(digits), value >= 0 else { return nil }
    return value * scale
}

func parseInvocation(_ arguments: [String]) throws -> Invocation {
    if arguments.first == "--generate" {
        guard arguments.count == 3 else { throw UsageError(description: "--generate takes SPEC PATH") }
        return .generate(spec: arguments[1], path: arguments[2])
    }
    if arguments.first == "--measure" {
        guard arguments.count >= 2, arguments.count <= 3, arguments.count == 2 || arguments[2] == "--load-archive" else {
            throw UsageError(description: "--measure takes PATH [--load-archive]")
        }
        return .measure(path: arguments[1], loadArchive: arguments.count == 3)
    }

    var options = BenchmarkOptions()
    var positional: [Int] = []
    var index = 0
    func value(for option: String) throws -> String {
        index += 1
        guard index < arguments.count, !arguments[index].hasPrefix("--") else { throw UsageError(description: "\(option) needs a value") }
        return arguments[index]
    }
    while index < arguments.count {
        let argument = arguments[index]
        switch argument {
        case "-h", "--help":
            return .help
        case "--entries":
            guard let n = parseCount(try value(for: argument)), n >= 1000 else {
                throw UsageError(description: "--entries needs a count of at least 1000 (like 100000, 100k, 1m), not '\(arguments[index])'")
            }
            options.entries = n
        case "--bytes":
            if index + 1 < arguments.count, let gb = Double(arguments[index + 1]) {
                guard gb > 0, gb <= 1000 else { throw UsageError(description: "--bytes needs a size in GB above 0, not '\(arguments[index + 1])'") }
                options.bytesGB = gb
                index += 1
            } else {
                options.bytesGB = 4
            }
        case "--curve":
            options.curve = true
        case "--stress":
            options.stress = true
        case "--runs":
            guard let n = Int(try value(for: argument)), n >= 1 else { throw UsageError(description: "--runs needs a count of at least 1, not '\(arguments[index])'") }
            options.runs = n
        case "--tmpdir":
            options.temporaryParent = try value(for: argument)
        case "--memory-budget":
            guard let mib = Int(try value(for: argument)), mib >= 1 else { throw UsageError(description: "--memory-budget needs a size in MiB of at least 1, not '\(arguments[index])'") }
            options.memoryBudgetMiB = mib
        case "--generate", "--measure":
            throw UsageError(description: "\(argument) is internal and must come first")
        default:
            guard !argument.hasPrefix("-"), let n = Int(argument), n > 0 else { throw UsageError(description: "unknown argument '\(argument)'") }
            positional.append(n)
        }
        index += 1
    }
    if !positional.isEmpty {
        guard options.runsLegacy else { throw UsageError(description: "the positional form [size-MB] [runs] [base-files] is for the default benchmark only, not with --entries, --bytes, --curve or --stress") }
        guard positional.count <= 3 else { throw UsageError(description: "unknown argument '\(positional[3])': the positional form is [size-MB] [runs] [base-files]") }
        options.legacySizeMB = Int64(positional[0])
        if positional.count > 1 { options.legacyRuns = positional[1] }
        if positional.count > 2 { options.legacyBaseFiles = positional[2] }
    }
    if let runs = options.runs, options.runsLegacy, positional.count < 2 { options.legacyRuns = runs }
    return .benchmark(options)
}
