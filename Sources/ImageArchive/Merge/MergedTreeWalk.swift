/// The walk that decides the flattened layer's entries: the final tree and the kept layers'
/// tree side by side, depth first, a directory before its contents, siblings in bytewise name
/// order (so the same layers always give the same bytes).
///
/// At each path that either tree has, ``MergeRule/output(kept:final:)`` says what the
/// flattened layer writes there; the walk descends where the rule says so, comparing with the
/// kept tree only while the kept layers' children are still visible.
struct MergedTreeWalk {
    /// One path of the walk and what the flattened layer holds there.
    struct Step {
        /// The parent's path with a trailing `/` (empty at the top).
        var prefix: [UInt8]
        var name: ByteString
        /// The final tree's node at this path; nil when the squashed layers deleted it.
        var node: Int32?
        var output: MergeRule.Output

        /// `prefix + name`.
        var path: [UInt8] { prefix + name.bytes }
    }

    /// An opaque marker at the top of a squashed layer hides every kept path: the flattened
    /// layer then starts with one, and the kept tree is not compared at all.
    let hidesEveryKeptPath: Bool

    private struct Frame {
        var final: Int32
        var kept: Int32?
        var prefix: [UInt8]
        var names: [ByteString]
        var next: Int
    }

    private let tree: FileTree
    private let keptTree: FileTree
    private var stack: [Frame] = []

    /// A walk of `tree` against `kept`, the tree of the kept layers (nil: a full flatten).
    init(final tree: FileTree, kept: FileTree?) {
        self.tree = tree
        self.keptTree = kept ?? FileTree()
        var keptRoot: Int32? = kept == nil ? nil : FileTree.root
        hidesEveryKeptPath = keptRoot != nil && tree[FileTree.root].hidesLower
        if hidesEveryKeptPath { keptRoot = nil }
        stack = [frame(FileTree.root, keptRoot, [])]
    }

    private func frame(_ f: Int32, _ k: Int32?, _ prefix: [UInt8]) -> Frame {
        var names = Set(tree[f].children.keys)
        if let k { names.formUnion(keptTree[k].children.keys) }
        return Frame(final: f, kept: k, prefix: prefix, names: names.sorted(), next: 0)
    }

    /// The next path, or nil when the walk is done.
    mutating func next() -> Step? {
        while !stack.isEmpty {
            let top = stack.count - 1
            guard stack[top].next < stack[top].names.count else { stack.removeLast(); continue }
            let name = stack[top].names[stack[top].next]
            stack[top].next += 1
            let f = stack[top].final
            let prefix = stack[top].prefix
            let fc = tree[f].children[name]
            let kc = stack[top].kept.flatMap { keptTree[$0].children[name] }
            let keptState: MergeRule.Kept = kc.map { keptTree[$0].isDirectory ? .directory : .nonDirectory } ?? .absent
            let finalState: MergeRule.Final
            if let fc {
                let node = tree[fc]
                if let kc, kc == fc, node.content == keptTree[kc].content, !node.hidesLower {
                    finalState = .unchanged(isDirectory: node.isDirectory)
                } else {
                    finalState = .changed(isDirectory: node.isDirectory, hidesLower: node.hidesLower)
                }
            } else {
                finalState = .absent
            }
            let out = MergeRule.output(kept: keptState, final: finalState)
            let step = Step(prefix: prefix, name: name, node: fc, output: out)
            // The children come after this step's entries: the caller handles the step before
            // it asks for the next one.
            if out.descend, let fc {
                stack.append(frame(fc, out.descendWithKept ? kc : nil, step.path + [UInt8(ascii: "/")]))
            }
            return step
        }
        return nil
    }
}
