/// A layer cannot be merged; the description names the layer, the entry and the problem.
public struct MergeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unsafePath = "name escapes the root"
            case unsafeHardLink = "hard link escapes the root"
            case hardLinkTargetMissing = "hard link target not found"
            case hardLinkToDirectory = "hard link to a directory"
            case rootNotDirectory = "root entry is not a directory"
            case emptyWhiteout = "whiteout without a name"
            case invalidOptions = "invalid merge options"
            case tooLarge = "image too large to merge"
            case sourceChanged = "layer changed while merging"
            case internalInconsistency = "internal inconsistency"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// An entry name has a `..` component.
        public static let unsafePath = Code(.unsafePath)
        /// A hard link's target has a `..` component.
        public static let unsafeHardLink = Code(.unsafeHardLink)
        /// A hard link names nothing in its own layer before it nor in the layers below.
        public static let hardLinkTargetMissing = Code(.hardLinkTargetMissing)
        /// A hard link names a directory.
        public static let hardLinkToDirectory = Code(.hardLinkToDirectory)
        /// `./` (or `/`) is given as something other than a directory.
        public static let rootNotDirectory = Code(.rootNotDirectory)
        /// An entry is named exactly `.wh.`.
        public static let emptyWhiteout = Code(.emptyWhiteout)
        /// The caller's options do not fit the image (keeping more layers than there are…).
        public static let invalidOptions = Code(.invalidOptions)
        /// The image has more entries, or longer names, than a merge can address (4 billion
        /// entries, 4 GB of packed headers or names).
        public static let tooLarge = Code(.tooLarge)
        /// A layer's bytes differ from what was indexed (the spool was modified).
        public static let sourceChanged = Code(.sourceChanged)
        /// The merge wrote something other than it planned (a bug: please report it).
        public static let internalInconsistency = Code(.internalInconsistency)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The layer, such as `layer 3 (abc…/layer.tar)`; empty for option errors.
    public let layer: String
    /// The entry name as written in the layer.
    public let entry: String?
    public let detail: String

    public init(_ code: Code, layer: String, entry: String?, detail: String) {
        self.code = code
        self.layer = layer
        self.entry = entry
        self.detail = detail
    }

    public var description: String {
        var text = layer.isEmpty ? "merge" : layer
        if let entry { text += ": entry \"\(entry)\"" }
        return text + ": \(code): \(detail)"
    }
}
