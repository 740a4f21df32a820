/// What an image's layers hold and what flattening them gains.
///
/// `wastedBytes` and `efficiency` are dive's metrics: every path that appears in more than one
/// layer (a whiteout counts as an appearance of the path it deletes, sized by what it deletes;
/// an opaque marker counts as a whiteout of each child it hides) adds the sizes of all its
/// appearances to `wastedBytes`; `efficiency` is the sum over paths of the smallest appearance
/// divided by the sum of all appearances (1 when nothing repeats).
public struct ImageAnalysis: Hashable, Sendable {
    /// Size and entry count of one input layer.
    public struct Layer: Hashable, Sendable {
        public var label: String
        public var diffID: String?
        /// Bytes of the uncompressed layer tar.
        public var size: Int64
        public var entryCount: Int
        /// Bytes of regular-file content in the layer.
        public var contentBytes: Int64
        /// Kept unchanged by a partial flatten.
        public var kept: Bool
    }

    public var layers: [Layer]
    public var wastedBytes: Int64
    public var efficiency: Double
    /// Exact size of the flattened (squashed) layer tar.
    public var flattenedLayerSize: Int64
    /// Entries in the flattened layer (including whiteouts kept for a partial flatten).
    public var flattenedEntryCount: Int
    /// Regular-file content bytes written to the flattened layer.
    public var flattenedContentBytes: Int64

    /// Total size of the layers that are squashed.
    public var squashedLayersSize: Int64 { layers.filter { !$0.kept }.reduce(0) { $0 + $1.size } }
    /// How much smaller the squashed part becomes (negative if it grows, as it may by a few
    /// header blocks when nothing is wasted).
    public var savedBytes: Int64 { squashedLayersSize - flattenedLayerSize }
}
