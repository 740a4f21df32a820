import Foundation
import Testing
@testable import ImageArchive

/// A deliberately naive model of applying layers (a flat path map, prefix deletes), used as the
/// oracle for randomized merges: applying the flattened layer must give the same tree as
/// applying the original layers, for a full flatten and for every partial one (kept layers +
/// the squashed layer).
struct ReferenceModel {
    struct Node: Equatable, CustomStringConvertible {
        var kind: TarEntry.Kind
        var mode: Int64
        var uid: Int64
        var content: [UInt8]
        var target: ByteString
        /// Identity of the file (hard links share it); directories have none.
        var inode: Int
        /// The layer whose entry put the node here.
        var layer: Int = 0

        var description: String { "\(kind) \(String(mode, radix: 8)) \(uid) \(String(decoding: content, as: UTF8.self)) \(target)" }
    }

    var nodes: [String: Node] = [:]
    private var nextInode = 1

    mutating func removeSubtree(_ path: String) {
        nodes[path] = nil
        let prefix = path.isEmpty ? "" : path + "/"
        for key in nodes.keys where key.hasPrefix(prefix) && key != path { nodes[key] = nil }
    }

    static func normalize(_ name: ByteString) -> String {
        EntryPath.join(try! EntryPath.components(of: name).get()).description
    }

    mutating func apply(_ items: [Item], layer: Int) {
        // Hard links first, against the entries before them and the tree below.
        var linkNode: [Int: Node] = [:]
        var seen: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let path = Self.normalize(item.entry.name)
            let base = path.split(separator: "/").last.map(String.init) ?? ""
            if item.entry.kind == .hardLink {
                let target = Self.normalize(item.entry.linkName)
                if let j = seen[target] {
                    linkNode[i] = linkNode[j] ?? node(for: items[j], index: j)
                } else {
                    linkNode[i] = nodes[target]!
                }
            }
            if !base.hasPrefix(".wh.") { seen[path] = i }
            if linkNode[i] == nil && item.entry.kind != .hardLink { linkNode[i] = node(for: item, index: i) }
        }
        for item in items {
            let path = Self.normalize(item.entry.name)
            let parts = path.split(separator: "/").map(String.init)
            guard let base = parts.last, base.hasPrefix(".wh.") else { continue }
            let dir = parts.dropLast().joined(separator: "/")
            if base == ".wh..wh..opq" {
                for key in nodes.keys where key.hasPrefix(dir.isEmpty ? "" : dir + "/") && key != dir { nodes[key] = nil }
            } else {
                removeSubtree((dir.isEmpty ? "" : dir + "/") + base.dropFirst(4))
            }
        }
        for (i, item) in items.enumerated() {
            let path = Self.normalize(item.entry.name)
            let parts = path.split(separator: "/").map(String.init)
            guard let base = parts.last, !base.hasPrefix(".wh.") else { continue }
            for depth in 1..<parts.count {
                let ancestor = parts[..<depth].joined(separator: "/")
                if let existing = nodes[ancestor], existing.kind != .directory { removeSubtree(ancestor) }
                if nodes[ancestor] == nil { nodes[ancestor] = Node(kind: .directory, mode: -1, uid: -1, content: [], target: .empty, inode: 0) }
            }
            var new = linkNode[i]!
            new.layer = layer
            if let existing = nodes[path], existing.kind == .directory, new.kind == .directory {
                nodes[path] = new
            } else {
                removeSubtree(path)
                nodes[path] = new
            }
        }
        nextInode += items.count
    }

    private func node(for item: Item, index: Int) -> Node {
        let e = item.entry
        return Node(kind: e.kind, mode: e.mode, uid: e.uid, content: item.content,
                    target: e.kind == .symbolicLink ? e.linkName : .empty, inode: e.kind == .directory ? 0 : nextInode + index)
    }

    /// The tree without inode numbers, plus the hard-link groups as sets of paths.
    ///
    /// With `keptBelow`, groups are split between members placed by the kept layers and the
    /// others: a layer tar cannot hard-link to a file of another layer, so a link from the
    /// squashed part to a kept file (made by a link to a lower layer's file) becomes a copy.
    func comparable(keptBelow keep: Int = 0) -> (nodes: [String: String], groups: Set<[String]>) {
        var byInode: [[Int]: [String]] = [:]
        for (path, node) in nodes where node.inode != 0 {
            byInode[[node.inode, node.layer < keep ? 0 : 1], default: []].append(path)
        }
        return (nodes.mapValues(\.description), Set(byInode.values.filter { $0.count > 1 }.map { $0.sorted() }))
    }
}

/// Random layer stacks in Docker's style: every entry's parent directories are in the same layer.
struct RandomStack {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Int(state % UInt64(bound))
    }

    mutating func path() -> [String] {
        let names = ["a", "b", "c", "a.wh.x", ".whd"]
        return (0...next(3)).map { _ in names[next(names.count)] }
    }

    mutating func layers() -> [[Item]] {
        var model = ReferenceModel()
        var result: [[Item]] = []
        for layerIndex in 0..<(2 + next(4)) {
            var items: [Item] = []
            var latest: [String: Item] = [:]  // in this layer, by path
            var deletions: [Item] = []
            for _ in 0..<(1 + next(7)) {
                let p = path()
                for depth in 1..<p.count {
                    let dir = p[..<depth].joined(separator: "/")
                    let item = Item.dir(dir, mode: Int64(0o700 + next(2) * 0o55), uid: Int64(next(3)))
                    items.append(item)
                    latest[dir] = item
                }
                let name = p.joined(separator: "/")
                let mode = Int64([0o644, 0o600, 0o4755][next(3)])
                switch next(8) {
                case 0, 1, 2:
                    let item = Item.file(name, "L\(layerIndex)-\(next(1000))", mode: mode, uid: Int64(next(3)))
                    items.append(item); latest[name] = item
                case 3:
                    let item = Item.dir(name, mode: Int64(0o755), uid: Int64(next(3)))
                    items.append(item); latest[name] = item
                case 4:
                    let item = Item.symlink(name, to: ["../x", "/abs", "loop"][next(3)])
                    items.append(item); latest[name] = item
                case 5:
                    // A hard link to an earlier non-directory of this layer, or to a file below.
                    let candidates = latest.filter { $0.value.entry.kind != .directory && $0.key != name }.keys.sorted()
                    let lower = model.nodes.filter { $0.value.kind != .directory && $0.key != name && latest[$0.key] == nil }.keys.sorted()
                    if !candidates.isEmpty && (lower.isEmpty || next(2) == 0) {
                        let target = candidates[next(candidates.count)]
                        var item = Item.link(name, to: target)
                        let t = latest[target]!.entry
                        item.entry.mode = t.mode
                        item.entry.uid = t.uid
                        items.append(item); latest[name] = item
                    } else if !lower.isEmpty {
                        let target = lower[next(lower.count)]
                        var item = Item.link(name, to: target)
                        item.entry.mode = model.nodes[target]!.mode
                        item.entry.uid = model.nodes[target]!.uid
                        items.append(item); latest[name] = item
                    }
                case 6:
                    let dir = p.dropLast().joined(separator: "/")
                    deletions.append(.whiteout((dir.isEmpty ? "" : dir + "/") + ".wh." + p.last!))
                default:
                    let dir = p.dropLast().joined(separator: "/")
                    deletions.append(.whiteout((dir.isEmpty ? "" : dir + "/") + ".wh..wh..opq"))
                }
            }
            // Whiteouts may sit anywhere in their layer.
            for d in deletions { items.insert(d, at: next(items.count + 1)) }
            model.apply(items, layer: layerIndex)
            result.append(items)
        }
        return result
    }
}

@Suite("Merge properties (randomized, against a reference model)")
struct MergePropertyTests {
    @Test(arguments: 0..<200)
    func flattenedLayerRebuildsTheSameTree(seed: Int) async throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var random = RandomStack(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1)
        let layers = random.layers()
        var expected = ReferenceModel()
        for (i, l) in layers.enumerated() { expected.apply(l, layer: i) }
        for keep in 0..<layers.count {
            let out = try await flatten(layers, keep: keep, in: dir)
            var rebuilt = ReferenceModel()
            for (i, l) in layers.prefix(keep).enumerated() { rebuilt.apply(l, layer: i) }
            rebuilt.apply(out.entries.map { Item(entry: $0.entry, content: $0.content) }, layer: keep)
            let a = expected.comparable(keptBelow: keep), b = rebuilt.comparable(keptBelow: keep)
            let differences = Set(a.nodes.keys).union(b.nodes.keys).sorted().filter { a.nodes[$0] != b.nodes[$0] }
                .map { "\($0): expected \(a.nodes[$0] ?? "absent"), rebuilt \(b.nodes[$0] ?? "absent")" }
            #expect(differences.isEmpty, "seed \(seed) keep \(keep):\n\(differences.joined(separator: "\n"))\nlayers: \(layers.map { $0.map(\.entry.name.description) })\noutput: \(out.entries)")
            #expect(a.groups == b.groups, "seed \(seed) keep \(keep)")
            if keep == 0 {
                #expect(out.entries.allSatisfy { !($0.name.split(separator: "/").last ?? "").hasPrefix(".wh.") })
            }
        }
    }
}
