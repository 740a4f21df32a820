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
    ///
    /// Paths are ``FileTree`` nodes, which name one path for the whole merge. Most paths
    /// appear once, so each keeps only its last appearance (16 bytes); the sums of a path that
    /// appears again move to a side table.
    struct DiveTally: Sendable {
        private struct Path: Sendable {
            var lastSize: Int64 = 0
            var lastLayer: Int16 = -1
            var appearances: UInt16 = 0
            /// The path's sums are in `repeated`; otherwise both are `lastSize`.
            var isRepeated = false
        }

        private struct Sums: Sendable {
            var cumulative: Int64
            var minimum: Int64
        }

        private var paths: [Path] = []
        private var repeated: [UInt32: Sums] = [:]

        /// Bytes held, for reports.
        var byteCount: Int { paths.capacity * MemoryLayout<Path>.stride + repeated.capacity * (4 + MemoryLayout<Sums>.stride) }

        /// Counts an appearance of the path `node` in `layer`, `size` bytes (a deletion: the
        /// bytes it deletes).
        mutating func appear(_ node: UInt32, size: Int64, layer: Int) {
            let i = Int(node)
            if i >= paths.count { paths.append(contentsOf: repeatElement(Path(), count: i + 1 - paths.count)) }
            let last = paths[i]
            let layer = Int16(truncatingIfNeeded: layer)
            guard last.appearances > 0 else {
                paths[i] = Path(lastSize: size, lastLayer: layer, appearances: 1)
                return
            }
            var sums = last.isRepeated ? repeated[node]! : Sums(cumulative: last.lastSize, minimum: last.lastSize)
            if last.lastLayer == layer {
                // The same path twice in one layer: the later entry is the layer's version.
                sums.cumulative += size - last.lastSize
            } else {
                paths[i].appearances &+= 1
                sums.cumulative += size
            }
            sums.minimum = min(sums.minimum, size)
            repeated[node] = sums
            paths[i].isRepeated = true
            paths[i].lastLayer = layer
            paths[i].lastSize = size
        }

        /// dive's wasted bytes and efficiency.
        var figures: (wastedBytes: Int64, efficiency: Double) {
            var wasted: Int64 = 0
            var minimumSum: Int64 = 0
            var cumulativeSum: Int64 = 0
            for (i, path) in paths.enumerated() where path.appearances > 0 {
                let sums = path.isRepeated ? repeated[UInt32(i)]! : Sums(cumulative: path.lastSize, minimum: path.lastSize)
                if path.appearances > 1 { wasted += sums.cumulative }
                minimumSum += sums.minimum
                cumulativeSum += sums.cumulative
            }
            return (wasted, cumulativeSum == 0 ? 1 : Double(minimumSum) / Double(cumulativeSum))
        }
    }
}
