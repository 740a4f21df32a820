import FlattenProtocol
import Foundation

/// How numbers, sizes, times and jobs are written for people: in flatctl's tables and on the
/// dashboard's pages, the same way in both.
public enum Formatting {
    /// A size in decimal units the way the docker CLI writes them: `512B`, `23.1MB`, `1.2GB`.
    public static func bytes(_ count: Int64) -> String {
        let negative = count < 0
        var value = Double(abs(count))
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let number = unit == 0 ? String(Int(value)) : String(format: value < 10 ? "%.2f" : value < 100 ? "%.1f" : "%.0f", value)
        return (negative ? "-" : "") + number + units[unit]
    }

    /// `0.8s`, `12s`, `3m04s`, `1h02m`; `-` when not a finite, non-negative number.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        if seconds < 60 { return "\(Int(seconds.rounded()))s" }
        // Capped so that an absurd estimate (a rate of a byte an hour) cannot overflow `Int`.
        let total = Int(min(seconds, 1e12).rounded())
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
    }

    /// `410MB/s`.
    public static func rate(_ bytesPerSecond: Double) -> String {
        guard bytesPerSecond.isFinite, bytesPerSecond >= 0 else { return "-" }
        return bytes(Int64(min(bytesPerSecond, Double(Int64.max / 2)).rounded())) + "/s"
    }

    /// `410MB/s, ETA 7.0s`, `410MB/s` when the total is unknown, `stalled` at a rate of 0: the
    /// speed the agent measured at its last heartbeat. `nil` when the progress carries no rate
    /// (an agent of before rates, or a phase that has not moved yet).
    public static func rateAndETA(_ progress: JobProgress) -> String? {
        guard let bytesPerSecond = progress.bytesPerSecond else { return nil }
        guard bytesPerSecond > 0 else { return "stalled" }
        var text = rate(bytesPerSecond)
        if let remaining = progress.secondsRemaining { text += ", ETA " + duration(remaining) }
        return text
    }

    /// `5 seconds ago`, `3 minutes ago`, `2 hours ago`, `4 days ago`.
    public static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        func plural(_ value: Int, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s") ago" }
        if seconds < 60 { return seconds < 2 ? "just now" : plural(seconds, "second") }
        if seconds < 3600 { return plural(seconds / 60, "minute") }
        if seconds < 86_400 { return plural(seconds / 3600, "hour") }
        return plural(seconds / 86_400, "day")
    }

    /// An ISO-8601 timestamp in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The first 12 hex digits of an ID, like docker's short IDs.
    public static func shortID(_ id: UUID) -> String {
        String(id.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// `merging 45%`, `saving 12.3MB`, or the phase alone; then the rate and ETA when the
    /// progress carries a rate (`merging 45% 410MB/s, ETA 7.0s`).
    public static func progress(_ progress: JobProgress) -> String {
        var text = progress.phase.rawValue
        if let fraction = progress.fractionDone {
            text += " \(Int(fraction * 100))%"
        } else if progress.bytesDone > 0 {
            text += " \(bytes(progress.bytesDone))"
        }
        if let rate = rateAndETA(progress) { text += " " + rate }
        return text
    }

    /// How long the job's last attempt ran (claim to finish, or to now while it runs).
    public static func elapsed(_ job: Job, now: Date = Date()) -> Double? {
        guard let started = job.startedAt else { return nil }
        let end = job.finishedAt ?? (job.state == .running ? now : nil)
        return end.map { $0.timeIntervalSince(started) }
    }

    /// One short line about the job: its progress, result, skip reason or error.
    public static func detail(_ job: Job) -> String {
        switch job.state {
        case .queued:
            if let error = job.error { return "retrying after: \(error.message)" }
            return "waiting for \(job.agentName)"
        case .running:
            let progress = job.progress.map(progress) ?? "starting"
            return job.cancelRequested ? "\(progress) (cancel requested)" : progress
        case .succeeded:
            guard let result = job.result else { return "" }
            return "\(result.originalLayerCount)→\(result.newLayerCount) layers, saved \(bytes(result.bytesSaved))"
        case .skipped:
            return job.skipReason ?? ""
        case .failed, .canceled:
            return job.error?.message ?? ""
        }
    }

    /// `app:1.2`, as docker shows it.
    public static func image(_ reference: ImageReference) -> String {
        reference.familiarDescription
    }

    /// `k=v,k2=v2`, sorted.
    public static func labels(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// `Docker 28.5.2`, `Podman 4.3.1`; the version alone from an agent that does not report its
    /// product (the version is always reported).
    public static func engine(_ agent: AgentInfo) -> String {
        guard let product = agent.engineProduct, !product.isEmpty else { return agent.engineVersion }
        return "\(product) \(agent.engineVersion)"
    }

    /// A detail an agent may not have reported: `-` when it did not.
    public static func reported(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "-" }
        return value
    }
}
