/// Flattens an image's layers into one layer tar: the tree a container of the image sees.
///
/// ``plan(layers:keepingLowest:)`` reads every layer's headers once (contents are not read),
/// applies the layers lowest first by ``MergeRule`` and the whiteout rules of ``WhiteoutName``,
/// and returns a ``MergePlan``: the exact list of output entries, the exact output size and the
/// ``ImageAnalysis``. ``MergePlan/write(chunkSize:to:)`` then streams the layer tar, reading each
/// surviving file's content once from where the layer holds it.
///
/// Rules beyond ``MergeRule``:
/// - Within a layer, whiteouts and opaque markers apply to the layers below only, never to
///   entries of their own layer, whatever the order of entries in the tar.
/// - Whiteouts never reach the output of a full flatten. In a partial flatten, the output holds
///   a whiteout (or opaque marker) exactly where the final tree lost something the kept layers
///   have; whiteouts that only hid squashed content disappear.
/// - A hard link names an earlier entry of its own layer tar. Its content is that entry's (links
///   to links resolve to the first file). If the name is not in the layer before the link, it
///   resolves to the file at that path in the tree of the layers below, and joins that file's
///   hard-link group. Members of a group that survive together stay hard links in the output:
///   the first one written (in output order) carries the content, later ones link to it; a
///   member whose group's other members are gone is written as a file of its own
///   (materialized), with the content it had.
/// - Entry names are normalized (`./`, leading `/`, repeated and trailing slashes); a `..`
///   component in a name or a hard link target is refused with the layer and entry named.
/// - Output order: depth first, a directory before its contents, siblings in bytewise name
///   order. The same layers always give the same bytes.
public enum LayerMerge {
    /// Indexes `layers` (lowest first) and plans the flattened layer.
    ///
    /// - Parameters:
    ///   - keptCount: how many of the lowest layers a partial flatten keeps as they are; 0
    ///     flattens everything. Must be less than `layers.count`.
    ///   - memory: how much of its tables the merge keeps in memory (``MergeMemory``); the
    ///     plan is the same either way.
    ///   - onIndexed: told, every few thousand entries and after each layer, how many bytes of
    ///     the layers have been indexed so far and of how many in all (for progress: indexing
    ///     a million-entry image takes seconds).
    public static func plan(layers: [LayerSource], keepingLowest keptCount: Int = 0, memory: MergeMemory = .unlimited, onIndexed: (_ done: Int64, _ total: Int64) -> Void = { _, _ in }) throws -> MergePlan {
        guard keptCount >= 0, keptCount < layers.count else {
            throw MergeError(.invalidOptions, layer: "", entry: nil, detail: "cannot keep \(keptCount) of \(layers.count) layers: at least one layer must be squashed")
        }
        var builder = try MergeBuilder(layers: layers, keptCount: keptCount, memory: memory)
        let total = layers.reduce(0) { $0 + $1.region.count }
        var before: Int64 = 0
        for index in layers.indices {
            try builder.apply(layer: index) { onIndexed(before + $0, total) }
            before += layers[index].region.count
            onIndexed(before, total)
            if index == keptCount - 1 { try builder.snapshotKept() }
        }
        return try builder.makePlan()
    }

    /// The number of leading layers whose diff IDs equal the base image's: the layers a
    /// `--base IMAGE` partial flatten keeps.
    public static func sharedLayerCount(diffIDs: [String], baseDiffIDs: [String]) -> Int {
        zip(diffIDs, baseDiffIDs).prefix { $0 == $1 }.count
    }
}
