// The targets of issue #17 ("Big images: a million files"), printed beside the figures.

enum Targets {
    /// Merge throughput at 1M entries, MB of input layers per second, at least.
    static let megabytesPerSecond = 1000.0
    /// Peak RSS of the merge at 1M entries, MiB, at most.
    static let peakRSSMiB = 64.0
    /// Throughput at 1M entries within this factor of 10k's (per byte and per entry).
    static let slowdownAgainst10k = 1.5
    static let entries = 1_000_000
}
