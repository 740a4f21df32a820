/// The walk that decides the flattened layer's entries: the final tree and the kept layers'
/// tree side by side, depth first, a directory before its contents, siblings in bytewise name
/// order (so the same layers always give the same bytes).
///
/// At each path that either tree has, ``MergeRule/output(kept:final:)`` says what the
/// flattened layer writes there; the walk descends where the rule says so, comparing with the
/// kept tree only while the kept layers' children are still visible. Both trees are the same
/// ``FileTree`` nodes: the kept one is its ``KeptSnapshot``.
struct MergedTreeWalk {
    /// One path of the walk and what the flattened layer holds there.
    struct Step {
        /// The path's node; absent from the final tree when the squashed layers deleted it.
        var node: UInt32
        var isPresent: Bool
        var output: MergeRule.Output
    }

    /// An opaque marker at the top of a squashed layer hides every kept path: the flattened
    /// layer then starts with one, and the kept tree is not compared at all.
    let hidesEveryKeptPath: Bool

    private struct Frame {
        var withKept: Bool
        var children: [UInt32]
        var next: Int
    }

    private let tree: FileTree
    private let kept: KeptSnapshot?
    private let space: TableSpace
    private var stack: [Frame] = []

    /// A walk of `tree` against `kept`, the tree of the kept layers (nil: a full flatten).
    init(final tree: FileTree, kept: KeptSnapshot?, space: TableSpace) {
        self.tree = tree
        self.kept = kept
        self.space = space
        hidesEveryKeptPath = kept != nil && tree[FileTree.root].hidesLower
        stack = [frame(FileTree.root, withKept: kept != nil && !hidesEveryKeptPath)]
    }

    private func frame(_ node: UInt32, withKept: Bool) -> Frame {
        var children: [UInt32] = []
        tree.forEachChild(of: node) { child in
            space.tick()
            if tree[child].isPresent || (withKept && keptState(child) != .absent) { children.append(child) }
        }
        children.sort(by: tree.nameLess)
        return Frame(withKept: withKept, children: children, next: 0)
    }

    private func keptState(_ node: UInt32) -> MergeRule.Kept { kept?.state(node) ?? .absent }

    /// The next path, or nil when the walk is done.
    mutating func next() -> Step? {
        while !stack.isEmpty {
            let top = stack.count - 1
            guard stack[top].next < stack[top].children.count else { stack.removeLast(); continue }
            let child = stack[top].children[stack[top].next]
            stack[top].next += 1
            let withKept = stack[top].withKept
            let node = tree[child]
            space.tick()
            let keptState: MergeRule.Kept = withKept ? self.keptState(child) : .absent
            let finalState: MergeRule.Final
            if node.isPresent {
                if keptState != .absent, node.content == kept?.content(child), !node.hidesLower,
                   node.isDirectory == (keptState == .directory) {
                    finalState = .unchanged(isDirectory: node.isDirectory)
                } else {
                    finalState = .changed(isDirectory: node.isDirectory, hidesLower: node.hidesLower)
                }
            } else {
                finalState = .absent
            }
            let out = MergeRule.output(kept: keptState, final: finalState)
            // The children come after this step's entries: the caller handles the step before
            // it asks for the next one.
            if out.descend, node.isPresent {
                stack.append(frame(child, withKept: out.descendWithKept && keptState != .absent))
            }
            return Step(node: child, isPresent: node.isPresent, output: out)
        }
        return nil
    }
}
