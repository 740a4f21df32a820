extension ImageAnalysis {
    /// dive's accounting of an image's layers, kept beside this project's own measure of waste
    /// (``ImageAnalysis/wastedBytes``) for people who compare with dive.
    ///
    /// Every path that appears in more than one layer (a whiteout counts as an appearance of
    /// the path it deletes, sized by what it deletes; an opaque marker counts as a whiteout of
    /// each child it hides) adds the sizes of *all* its appearances to the wasted bytes, the
    /// one that survives included, so dive's figure is usually larger than what a flatten
    /// removes. Efficiency is the sum over paths of the smallest appearance divided by the sum
    /// of all appearances (1 when nothing repeats).
    struct DiveTally {
        private struct Path {
            var appearances: Int = 0
            var cumulative: Int64 = 0
            var minimum: Int64 = .max
            var lastLayer: Int32 = -1
            var lastSize: Int64 = 0
        }

        private var paths: [ByteString: Path] = [:]

        /// Counts an appearance of `path` in `layer`, `size` bytes (a deletion: the bytes it
        /// deletes).
        mutating func appear(_ path: ByteString, size: Int64, layer: Int32) {
            var t = paths[path, default: Path()]
            if t.lastLayer == layer {
                // The same path twice in one layer: the later entry is the layer's version.
                t.cumulative += size - t.lastSize
            } else {
                t.appearances += 1
                t.cumulative += size
            }
            t.minimum = min(t.minimum, size)
            t.lastLayer = layer
            t.lastSize = size
            paths[path] = t
        }

        /// dive's wasted bytes and efficiency.
        var figures: (wastedBytes: Int64, efficiency: Double) {
            var wasted: Int64 = 0
            var minimumSum: Int64 = 0
            var cumulativeSum: Int64 = 0
            for tally in paths.values {
                if tally.appearances > 1 { wasted += tally.cumulative }
                minimumSum += tally.minimum
                cumulativeSum += tally.cumulative
            }
            return (wasted, cumulativeSum == 0 ? 1 : Double(minimumSum) / Double(cumulativeSum))
        }
    }
}
