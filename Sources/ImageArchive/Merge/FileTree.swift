/// Identifies one entry of one layer: `records[layer][index]`.
struct RecordRef: Hashable, Sendable {
    var layer: Int32
    var index: Int32
}

/// The merged file tree the layers build, one node per visible path.
///
/// Nodes live in one array and refer to each other by index; removing a subtree only unlinks
/// it from its parent. Copying the tree (a snapshot of the kept layers) shares storage until the
/// copy diverges, and node indices stay comparable between the copies: the same index at the
/// same path means the same node.
struct FileTree: Sendable {
    enum Content: Hashable, Sendable {
        /// A directory that exists only because entries below it do (no entry of its own).
        case implicitDirectory
        case entry(RecordRef)
    }

    struct Node: Sendable {
        var content: Content
        var isDirectory: Bool
        var children: [ByteString: Int32]
        /// The node hides whatever a lower tree had at its path: it was created anew, or made
        /// opaque. Reset after the kept layers, so it speaks of the squashed layers only.
        var hidesLower: Bool
    }

    static let root: Int32 = 0
    var nodes: [Node] = [Node(content: .implicitDirectory, isDirectory: true, children: [:], hidesLower: false)]

    subscript(_ index: Int32) -> Node {
        get { nodes[Int(index)] }
        // In place: a get/set pair would copy the node and then its children dictionary on
        // every insertion (quadratic in a directory's size).
        _modify { yield &nodes[Int(index)] }
    }

    /// The node at `components`, if every step exists (and is a directory on the way).
    func lookup(_ components: some Collection<ByteString>) -> Int32? {
        var current = Self.root
        for component in components {
            guard self[current].isDirectory, let child = self[current].children[component] else { return nil }
            current = child
        }
        return current
    }

    mutating func addNode(content: Content, isDirectory: Bool) -> Int32 {
        nodes.append(Node(content: content, isDirectory: isDirectory, children: [:], hidesLower: true))
        return Int32(nodes.count - 1)
    }

    mutating func resetHidesLower() {
        for i in nodes.indices { nodes[i].hidesLower = false }
    }

    /// Every node reachable below `start` (not including it).
    func descendants(of start: Int32) -> [Int32] {
        var result: [Int32] = []
        var stack = [start]
        while let n = stack.popLast() {
            for child in self[n].children.values {
                result.append(child)
                stack.append(child)
            }
        }
        return result
    }
}
