/// What an image's layers hold and what flattening them gains.
///
/// One measure of waste: a squashed layer's ``Layer/wastedBytes`` is its file content that the
/// flattened layer does not carry (deleted or overwritten by a later layer, or written twice in
/// the layer itself), read off the merge plan. For a full flatten their sum, ``wastedBytes``, is
/// exactly the content the flatten removes (``removedContentBytes``). dive's figures, which
/// count differently (see ``DiveTally``), are ``diveWastedBytes`` and ``diveEfficiency``.
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
        /// Bytes of this layer's file content that the flattened layer carries.
        public var carriedContentBytes: Int64
        /// Kept unchanged by a partial flatten.
        public var kept: Bool

        /// The layer's file content the flattened layer does not carry: what flattening drops
        /// of it (0 for a kept layer, which stays as it is).
        public var wastedBytes: Int64 { kept ? 0 : contentBytes - carriedContentBytes }
    }

    public var layers: [Layer]
    /// dive's wasted bytes: the sizes of every appearance of paths that appear in several layers.
    public var diveWastedBytes: Int64
    /// dive's efficiency, 0…1: the smallest appearance of each path over all its appearances.
    public var diveEfficiency: Double
    /// Exact size of the flattened (squashed) layer tar.
    public var flattenedLayerSize: Int64
    /// Entries in the flattened layer (including whiteouts kept for a partial flatten).
    public var flattenedEntryCount: Int
    /// Regular-file content bytes written to the flattened layer.
    public var flattenedContentBytes: Int64

    /// The squashed layers' wasted bytes, summed. For a full flatten this is
    /// ``removedContentBytes``; a partial flatten may also copy content of a kept layer (a
    /// hard link to a kept file becomes a file of its own), which no squashed layer is charged.
    public var wastedBytes: Int64 { layers.reduce(0) { $0 + $1.wastedBytes } }

    /// The file content a flatten removes, as the engine counts image size (file contents):
    /// the squashed layers' content minus the flattened layer's.
    public var removedContentBytes: Int64 {
        layers.filter { !$0.kept }.reduce(0) { $0 + $1.contentBytes } - flattenedContentBytes
    }

    /// Total size of the layers that are squashed.
    public var squashedLayersSize: Int64 { layers.filter { !$0.kept }.reduce(0) { $0 + $1.size } }
    /// How much smaller the squashed part becomes (negative if it grows, as it may by a few
    /// header blocks when nothing is wasted).
    public var savedBytes: Int64 { squashedLayersSize - flattenedLayerSize }
}
