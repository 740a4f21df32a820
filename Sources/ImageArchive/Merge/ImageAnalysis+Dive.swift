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
    /// Paths are ``FileTree`` nodes, which name one path for the whole merge; the tallies are a
    /// ``Table`` indexed by node.
    struct DiveTally: Sendable {
        private struct Path {
            var cumulative: Int64 = 0
            var minimum: Int64 = .max
            var lastSize: Int64 = 0
            var appearances: UInt16 = 0
            var lastLayer: Int16 = -1
        }

        private let paths: Table<Path>
        private let space: TableSpace

        init(space: TableSpace) throws {
            self.space = space
            paths = try space.makeTable(name: "dive")
        }

        /// Bytes held, for reports.
        var byteCount: Int { paths.byteCount }

        /// Counts an appearance of the path `node` in `layer`, `size` bytes (a deletion: the
        /// bytes it deletes).
        func appear(_ node: UInt32, size: Int64, layer: Int) throws {
            let i = Int(node)
            if i >= paths.count { try paths.append(repeating: Path(), count: i + 1 - paths.count) }
            var path = paths[i]
            let layer = Int16(truncatingIfNeeded: layer)
            if path.lastLayer == layer {
                // The same path twice in one layer: the later entry is the layer's version.
                path.cumulative += size - path.lastSize
            } else {
                path.appearances &+= 1
                path.cumulative += size
            }
            path.minimum = min(path.minimum, size)
            path.lastLayer = layer
            path.lastSize = size
            paths[i] = path
        }

        /// dive's wasted bytes and efficiency.
        var figures: (wastedBytes: Int64, efficiency: Double) {
            var wasted: Int64 = 0
            var minimumSum: Int64 = 0
            var cumulativeSum: Int64 = 0
            for i in 0..<paths.count {
                let path = paths[i]
                space.tick()
                guard path.appearances > 0 else { continue }
                if path.appearances > 1 { wasted += path.cumulative }
                minimumSum += path.minimum
                cumulativeSum += path.cumulative
            }
            return (wasted, cumulativeSum == 0 ? 1 : Double(minimumSum) / Double(cumulativeSum))
        }
    }
}
