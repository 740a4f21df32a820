/// The per-path rules of the merge, as pure functions of what is below and what comes on top.
///
/// The merge applies each layer to the tree of the layers below it. These functions say what
/// happens to one path; ``LayerMerge`` does the bookkeeping. They follow overlayfs and moby's
/// `UnpackLayer`: a directory over a directory merges (the upper metadata wins, the children
/// stay), anything else replaces what was there together with its subtree.
public enum MergeRule {
    /// What the tree below holds at a path.
    public enum Lower: Hashable, Sendable {
        case absent
        case directory
        case nonDirectory
    }

    /// What the upper layer's entry is.
    public enum Upper: Hashable, Sendable {
        case directory
        case nonDirectory
    }

    /// What to do with the path.
    public enum Decision: Hashable, Sendable {
        /// Nothing was there: add the entry.
        case add
        /// Directory over directory: take the upper metadata, keep the lower children.
        case mergeDirectory
        /// Remove the lower entry and its whole subtree, then add the upper entry.
        case replace
    }

    /// The decision for an upper entry over a lower path.
    public static func decide(lower: Lower, upper: Upper) -> Decision {
        switch (lower, upper) {
        case (.absent, _): .add
        case (.directory, .directory): .mergeDirectory
        case (.directory, .nonDirectory), (.nonDirectory, _): .replace
        }
    }

    /// What a path on the way to an entry (a parent) must become.
    public enum ParentDecision: Hashable, Sendable {
        /// A directory is there: go through it.
        case descend
        /// Nothing is there: the entry implies a directory (created without an entry of its own,
        /// as moby's `MkdirAll` creates missing parents).
        case createImplicitDirectory
        /// A non-directory is in the way: it is replaced by an implied directory.
        case replaceWithImplicitDirectory
    }

    public static func parent(lower: Lower) -> ParentDecision {
        switch lower {
        case .directory: .descend
        case .absent: .createImplicitDirectory
        case .nonDirectory: .replaceWithImplicitDirectory
        }
    }

    /// What the squashed layer of a partial flatten writes for one path, comparing the tree of
    /// the kept layers with the final tree.
    public enum Kept: Hashable, Sendable {
        case absent
        case directory
        case nonDirectory
    }

    /// The final tree's state at a path.
    public enum Final: Hashable, Sendable {
        /// Deleted by the squashed layers.
        case absent
        /// The same entry the kept layers have (not touched by any squashed layer).
        case unchanged(isDirectory: Bool)
        /// Written by a squashed layer. `hidesLower`: the directory was made opaque or created
        /// anew, so the kept layers' children at this path are no longer visible.
        case changed(isDirectory: Bool, hidesLower: Bool)
    }

    /// The new layer's contribution at one path.
    public struct Output: Hashable, Sendable {
        /// Write the final entry.
        public var writeEntry: Bool
        /// Write a whiteout (`.wh.NAME`) deleting the kept layers' path.
        public var writeWhiteout: Bool
        /// Write `.wh..wh..opq` inside the directory.
        public var writeOpaqueMarker: Bool
        /// Descend into the directory's children; `withKept` says whether the kept layers'
        /// children there are still visible and must be compared.
        public var descend: Bool
        public var descendWithKept: Bool
    }

    public static func output(kept: Kept, final: Final) -> Output {
        switch final {
        case .absent:
            return Output(writeEntry: false, writeWhiteout: kept != .absent, writeOpaqueMarker: false, descend: false, descendWithKept: false)
        case .unchanged(let isDirectory):
            return Output(writeEntry: false, writeWhiteout: false, writeOpaqueMarker: false, descend: isDirectory, descendWithKept: isDirectory && kept == .directory)
        case .changed(let isDirectory, let hidesLower):
            let keptChildrenVisible = isDirectory && kept == .directory && !hidesLower
            return Output(
                writeEntry: true,
                writeWhiteout: false,
                // A non-directory, or a directory over a kept non-directory, replaces the kept
                // path on its own; only a directory over a kept directory needs the marker.
                writeOpaqueMarker: isDirectory && kept == .directory && hidesLower,
                descend: isDirectory,
                descendWithKept: keptChildrenVisible
            )
        }
    }
}
