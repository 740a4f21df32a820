#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The merged file tree the layers build: one node per path any layer named, never freed.
///
/// A node is a path, not a file: deleting a path marks it (and what is below it) absent, and a
/// later layer that adds the path again reuses the node. So node numbers name paths for the
/// whole merge, and per-path tallies (``ImageAnalysis/DiveTally``) and the kept layers' snapshot
/// (``KeptSnapshot``) are plain arrays indexed by node.
///
/// Memory is a fixed 24 bytes a node, its name's bytes once (the component, not the whole
/// path), and a slot or two of the hash index that finds a child by name: no per-node
/// allocation, whatever the number of paths, all in ``Table``s of the merge's ``TableSpace``. Children form a list through their parent, so
/// removing a subtree touches only the nodes in it.
struct FileTree: Sendable {
    struct Node: Sendable {
        var parent: UInt32
        var firstChild: UInt32
        var nextSibling: UInt32
        var nameStart: UInt32
        /// The record that put the path here (``RecordTable``), or ``FileTree/implicit`` for a
        /// directory that exists only because entries below it do.
        var content: UInt32
        var nameLength: UInt16
        var flags: UInt8

        /// The path exists in the merged tree.
        var isPresent: Bool {
            get { flags & Flag.present != 0 }
            set { if newValue { flags |= Flag.present } else { flags &= ~Flag.present } }
        }

        var isDirectory: Bool {
            get { flags & Flag.directory != 0 }
            set { if newValue { flags |= Flag.directory } else { flags &= ~Flag.directory } }
        }

        /// The node hides whatever a lower tree had at its path: it was created anew, or made
        /// opaque. Reset after the kept layers, so it speaks of the squashed layers only.
        var hidesLower: Bool {
            get { flags & Flag.hidesLower != 0 }
            set { if newValue { flags |= Flag.hidesLower } else { flags &= ~Flag.hidesLower } }
        }
    }

    private enum Flag {
        static let present: UInt8 = 1
        static let directory: UInt8 = 2
        static let hidesLower: UInt8 = 4
    }

    static let root: UInt32 = 0
    /// No node (end of a child list), or no record (an implicit directory's content).
    static let none: UInt32 = .max
    static let implicit: UInt32 = .max

    private let nodes: Table<Node>
    private let names: Table<UInt8>
    /// Open addressing, linear probing: node + 1, or 0 for an empty slot.
    private var slots: Table<UInt32>
    private let space: TableSpace

    /// A tree of only the root, its tables in `space`.
    init(space: TableSpace) throws {
        self.space = space
        nodes = try space.makeTable(name: "paths")
        names = try space.makeTable(name: "names")
        slots = try space.makeTable(name: "path-index")
        try slots.append(repeating: 0, count: 1024)
        try nodes.append(Node(parent: Self.none, firstChild: Self.none, nextSibling: Self.none, nameStart: 0, content: Self.implicit, nameLength: 0, flags: Flag.present | Flag.directory))
    }

    var count: Int { nodes.count }

    /// Bytes held, for reports.
    var byteCount: Int { nodes.byteCount + names.byteCount + slots.byteCount }

    subscript(_ node: UInt32) -> Node {
        get { nodes[Int(node)] }
        nonmutating set { nodes[Int(node)] = newValue }
    }

    // MARK: Finding paths

    /// The child of `parent` named `name`, created (absent) if `create` and missing.
    mutating func child(of parent: UInt32, named name: UnsafeBufferPointer<UInt8>, create: Bool) throws -> UInt32? {
        let hash = Self.hash(parent, name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let candidate = slots[slot] - 1
            if nodes[Int(candidate)].parent == parent, nameEquals(candidate, name) { return candidate }
            slot = (slot + 1) & mask
        }
        guard create else { return nil }
        guard name.count <= Int(UInt16.max), names.count + name.count < Int(UInt32.max), nodes.count < Int(UInt32.max) - 1 else {
            throw MergeError(.tooLarge, layer: "", entry: nil, detail: "more than 4 billion paths or 4 GB of names")
        }
        let node = UInt32(nodes.count)
        try nodes.append(Node(parent: parent, firstChild: Self.none, nextSibling: nodes[Int(parent)].firstChild, nameStart: UInt32(names.count), content: Self.implicit, nameLength: UInt16(name.count), flags: 0))
        nodes[Int(parent)].firstChild = node
        try names.append(contentsOf: name)
        slots[slot] = node + 1
        if nodes.count * 10 > slots.count * 7 { try grow() }
        return node
    }

    /// The child of `parent` named `name`, if any path had that name.
    func existingChild(of parent: UInt32, named name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(parent, name)) & mask
        while slots[slot] != 0 {
            let candidate = slots[slot] - 1
            if nodes[Int(candidate)].parent == parent, nameEquals(candidate, name) { return candidate }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func grow() throws {
        let bigger: Table<UInt32> = try space.makeTable(name: "path-index")
        try bigger.append(repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        for i in 1..<nodes.count {
            let node = nodes[i]
            let name = UnsafeBufferPointer(start: names.pointer(at: Int(node.nameStart)), count: Int(node.nameLength))
            var slot = Int(truncatingIfNeeded: Self.hash(node.parent, name)) & mask
            while bigger[slot] != 0 { slot = (slot + 1) & mask }
            bigger[slot] = UInt32(i) + 1
            space.tick()
        }
        slots = bigger
    }

    private static func hash(_ parent: UInt32, _ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        // FNV-1a over the parent and the name, then a final mix so that the low bits (the slot)
        // depend on every byte.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(parent)
        for byte in name {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    private func nameEquals(_ node: UInt32, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = nodes[Int(node)]
        guard Int(n.nameLength) == name.count else { return false }
        if name.isEmpty { return true }
        return memcmp(names.pointer(at: Int(n.nameStart)), name.baseAddress!, name.count) == 0
    }

    // MARK: Names

    /// The node's own name (its last path component).
    func name(of node: UInt32) -> ByteString {
        let n = nodes[Int(node)]
        return ByteString(Array(UnsafeBufferPointer(start: names.pointer(at: Int(n.nameStart)), count: Int(n.nameLength))))
    }

    /// Appends the node's path (components joined by `/`; the root's is empty) to `out`.
    func appendPath(of node: UInt32, to out: inout [UInt8]) {
        guard node != Self.root else { return }
        var chain: [UInt32] = []
        var current = node
        while current != Self.root {
            chain.append(current)
            current = nodes[Int(current)].parent
        }
        for (i, n) in chain.reversed().enumerated() {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            let node = nodes[Int(n)]
            out += UnsafeBufferPointer(start: names.pointer(at: Int(node.nameStart)), count: Int(node.nameLength))
        }
    }

    /// The node's path (the root's is empty).
    func path(of node: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        appendPath(of: node, to: &out)
        return out
    }

    /// Orders sibling nodes bytewise by name.
    func nameLess(_ a: UInt32, _ b: UInt32) -> Bool {
        let x = nodes[Int(a)], y = nodes[Int(b)]
        let common = Int(min(x.nameLength, y.nameLength))
        let order = common == 0 ? 0 : memcmp(names.pointer(at: Int(x.nameStart)), names.pointer(at: Int(y.nameStart)), common)
        return order != 0 ? order < 0 : x.nameLength < y.nameLength
    }

    // MARK: Changing the tree

    /// Calls `body` with every child of `node` that any layer named, present or not.
    func forEachChild(of node: UInt32, _ body: (UInt32) throws -> Void) rethrows {
        var child = nodes[Int(node)].firstChild
        while child != Self.none {
            try body(child)
            child = nodes[Int(child)].nextSibling
        }
    }

    /// Calls `body` with `node` and every present node below it.
    func forEachPresent(inSubtreeOf node: UInt32, _ body: (UInt32) -> Void) {
        var stack = [node]
        while let n = stack.popLast() {
            body(n)
            var child = nodes[Int(n)].firstChild
            while child != Self.none {
                if nodes[Int(child)].isPresent { stack.append(child) }
                child = nodes[Int(child)].nextSibling
            }
        }
    }

    /// Makes `node` and everything below it absent (a present node's parent is always a
    /// present directory, so what is below an absent node is absent too).
    mutating func remove(subtreeOf node: UInt32) {
        var stack = [node]
        while let n = stack.popLast() {
            nodes[Int(n)].isPresent = false
            var child = nodes[Int(n)].firstChild
            while child != Self.none {
                if nodes[Int(child)].isPresent { stack.append(child) }
                child = nodes[Int(child)].nextSibling
            }
        }
    }

    /// Removes the present nodes below `node`, keeping `node`.
    mutating func removeChildren(of node: UInt32) {
        var child = nodes[Int(node)].firstChild
        while child != Self.none {
            if nodes[Int(child)].isPresent { remove(subtreeOf: child) }
            child = nodes[Int(child)].nextSibling
        }
    }

    /// Puts a path anew at `node` (what it had, and everything below, is gone): it hides what a
    /// lower tree had there.
    mutating func create(_ node: UInt32, content: UInt32, isDirectory: Bool) {
        if nodes[Int(node)].isPresent { removeChildren(of: node) }
        nodes[Int(node)].content = content
        nodes[Int(node)].isPresent = true
        nodes[Int(node)].isDirectory = isDirectory
        nodes[Int(node)].hidesLower = true
    }

    mutating func resetHidesLower() {
        for i in 0..<nodes.count {
            nodes[i].hidesLower = false
            space.tick()
        }
    }
}

/// The tree of the kept layers of a partial flatten: each node's presence, kind and content
/// as they were when the last kept layer was applied.
struct KeptSnapshot: Sendable {
    private let states: Table<UInt8>
    private let contents: Table<UInt32>

    init(_ tree: FileTree, space: TableSpace) throws {
        states = try space.makeTable(name: "kept-states")
        contents = try space.makeTable(name: "kept-contents")
        for i in 0..<UInt32(tree.count) {
            let node = tree[i]
            try states.append((node.isPresent ? 1 : 0) | (node.isDirectory ? 2 : 0))
            try contents.append(node.content)
            space.tick()
        }
    }

    /// The node's kind in the kept tree; nodes made after the snapshot are absent.
    func state(_ node: UInt32) -> MergeRule.Kept {
        guard Int(node) < states.count, states[Int(node)] & 1 != 0 else { return .absent }
        return states[Int(node)] & 2 != 0 ? .directory : .nonDirectory
    }

    func content(_ node: UInt32) -> UInt32 {
        Int(node) < contents.count ? contents[Int(node)] : FileTree.implicit
    }
}
