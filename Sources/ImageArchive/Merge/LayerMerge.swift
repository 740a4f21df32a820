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
    /// - Parameter keptCount: how many of the lowest layers a partial flatten keeps as they are;
    ///   0 flattens everything. Must be less than `layers.count`.
    public static func plan(layers: [LayerSource], keepingLowest keptCount: Int = 0) throws -> MergePlan {
        guard keptCount >= 0, keptCount < layers.count else {
            throw MergeError(.invalidOptions, layer: "", entry: nil, detail: "cannot keep \(keptCount) of \(layers.count) layers: at least one layer must be squashed")
        }
        var builder = MergeBuilder(layers: layers, keptCount: keptCount)
        for index in layers.indices {
            try builder.apply(layer: index)
            if index == keptCount - 1 { builder.snapshotKept() }
        }
        return try builder.makePlan()
    }

    /// The number of leading layers whose diff IDs equal the base image's: the layers a
    /// `--base IMAGE` partial flatten keeps.
    public static func sharedLayerCount(diffIDs: [String], baseDiffIDs: [String]) -> Int {
        zip(diffIDs, baseDiffIDs).prefix { $0 == $1 }.count
    }
}

private struct DiveTally {
    var appearances: Int = 0
    var cumulative: Int64 = 0
    var minimum: Int64 = .max
    var lastLayer: Int32 = -1
    var lastSize: Int64 = 0
}

private struct MergeBuilder {
    let layers: [LayerSource]
    let keptCount: Int
    var indexes: [LayerIndex] = []
    var linkRoots: [[RecordRef]] = []
    var tree = FileTree()
    var kept: FileTree?
    var headerBytesRead: Int64 = 0
    var layerStats: [ImageAnalysis.Layer] = []
    var dive: [ByteString: DiveTally] = [:]

    init(layers: [LayerSource], keptCount: Int) {
        self.layers = layers
        self.keptCount = keptCount
    }

    func record(_ ref: RecordRef) -> TarReader.Record { indexes[Int(ref.layer)][Int(ref.index)] }

    mutating func snapshotKept() {
        tree.resetHidesLower()
        kept = tree
    }

    // MARK: Indexing and applying one layer

    mutating func apply(layer l: Int) throws {
        let source = layers[l]
        var reader = TarReader(region: source.region, source: source.label)
        var index = LayerIndex()
        // What each entry's base name makes of it; the entry's name is replaced by its
        // normalized path (the same storage when normalizing changes nothing), which then
        // serves as the key everywhere a path is looked up.
        var roles: [WhiteoutName] = []
        var contentBytes: Int64 = 0
        while var record = try reader.next() {
            let components: [ByteString]
            switch EntryPath.components(of: record.entry.name) {
            case .success(let c): components = c
            case .failure:
                throw MergeError(.unsafePath, layer: source.label, entry: record.entry.name.description, detail: "the name has a '..' component")
            }
            var role = components.last.map(WhiteoutName.classify) ?? .ordinary
            if components.dropLast().contains(where: { $0.hasPrefix(WhiteoutName.metaPrefix) }) {
                role = .aufsMetadata  // inside an AUFS metadata directory such as .wh..wh.plnk
            }
            if case .whiteout(let target) = role, target.isEmpty {
                throw MergeError(.emptyWhiteout, layer: source.label, entry: record.entry.name.description, detail: "'.wh.' names no file to delete")
            }
            let normalized = EntryPath.join(components)
            if normalized != record.entry.name { record.entry.name = normalized }
            if record.entry.kind == .regular { contentBytes += record.entry.size }
            index.append(record)
            roles.append(role)
        }
        headerBytesRead += reader.bytesRead
        indexes.append(index)
        layerStats.append(ImageAnalysis.Layer(label: source.label, diffID: source.diffID, size: source.region.count, entryCount: index.count, contentBytes: contentBytes, kept: l < keptCount))

        let layerIndex = Int32(l)
        // Pass 1: resolve hard links against the entries before them and the tree below.
        var roots: [RecordRef] = []
        roots.reserveCapacity(index.count)
        var seen: [ByteString: Int32] = [:]
        for i in 0..<index.count {
            let own = RecordRef(layer: layerIndex, index: Int32(i))
            var root = own
            if index.kind(i) == .hardLink {
                root = try resolveHardLink(index[i].entry, layer: l, seen: seen, rootsSoFar: roots)
            }
            roots.append(root)
            if case .ordinary = roles[i] { seen[index.name(i)] = Int32(i) }
        }
        linkRoots.append(roots)
        seen = [:]

        // Pass 2: whiteouts and opaque markers act on the layers below.
        for (i, role) in roles.enumerated() {
            switch role {
            case .whiteout(let target):
                let dirPath = EntryPath.split(index.name(i)).dropLast()
                guard let dir = tree.lookup(dirPath), tree[dir].isDirectory,
                      let victim = tree[dir].children[target] else { continue }
                tallyRemoval(of: victim, path: EntryPath.join(Array(dirPath) + [target]), layer: layerIndex)
                tree[dir].children[target] = nil
            case .opaqueMarker:
                let dirPath = EntryPath.split(index.name(i)).dropLast()
                guard let dir = tree.lookup(dirPath), tree[dir].isDirectory else { continue }
                for (name, child) in tree[dir].children {
                    tallyRemoval(of: child, path: EntryPath.join(Array(dirPath) + [name]), layer: layerIndex)
                }
                tree[dir].children = [:]
                tree[dir].hidesLower = true
            case .ordinary, .aufsMetadata:
                continue
            }
        }

        // Pass 3: entries, in tar order (a later entry for the same path wins).
        for (i, role) in roles.enumerated() {
            guard case .ordinary = role else { continue }
            let kind = index.kind(i)
            let ref = RecordRef(layer: layerIndex, index: Int32(i))
            let isDirectory = kind == .directory
            tally(path: index.name(i), size: kind == .regular ? index.size(i) : 0, layer: layerIndex)
            let components = EntryPath.split(index.name(i))
            guard let name = components.last else {
                guard isDirectory else {
                    throw MergeError(.rootNotDirectory, layer: source.label, entry: "./", detail: "the root is a \(kind)")
                }
                tree[FileTree.root].content = .entry(ref)
                continue
            }
            var current = FileTree.root
            for component in components.dropLast() {
                let existing = tree[current].children[component]
                let lower: MergeRule.Lower = existing.map { tree[$0].isDirectory ? .directory : .nonDirectory } ?? .absent
                switch MergeRule.parent(lower: lower) {
                case .descend:
                    current = existing!
                case .createImplicitDirectory, .replaceWithImplicitDirectory:
                    let node = tree.addNode(content: .implicitDirectory, isDirectory: true)
                    tree[current].children[component] = node
                    current = node
                }
            }
            let existing = tree[current].children[name]
            let lower: MergeRule.Lower = existing.map { tree[$0].isDirectory ? .directory : .nonDirectory } ?? .absent
            switch MergeRule.decide(lower: lower, upper: isDirectory ? .directory : .nonDirectory) {
            case .mergeDirectory:
                tree[existing!].content = .entry(ref)
            case .add, .replace:
                let node = tree.addNode(content: .entry(ref), isDirectory: isDirectory)
                tree[current].children[name] = node
            }
        }
    }

    private func resolveHardLink(_ entry: TarEntry, layer l: Int, seen: [ByteString: Int32], rootsSoFar: [RecordRef]) throws -> RecordRef {
        let label = layers[l].label
        let target: [ByteString]
        switch EntryPath.components(of: entry.linkName) {
        case .success(let c): target = c
        case .failure:
            throw MergeError(.unsafeHardLink, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" has a '..' component")
        }
        if target.isEmpty {
            throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is the root directory")
        }
        if let earlier = seen[EntryPath.join(target)] {
            guard indexes[l].kind(Int(earlier)) != .directory else {
                throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is a directory")
            }
            return rootsSoFar[Int(earlier)]
        }
        // Not in this layer before the link: the file at that path in the layers below.
        guard let node = tree.lookup(target) else {
            throw MergeError(.hardLinkTargetMissing, layer: label, entry: entry.name.description, detail: "\"\(entry.linkName)\" is neither an earlier entry of this layer nor a file in the layers below")
        }
        guard !tree[node].isDirectory, case .entry(let ref) = tree[node].content else {
            throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is a directory in the layers below")
        }
        return linkRoots[Int(ref.layer)][Int(ref.index)]
    }

    // MARK: Analysis

    private mutating func tally(path: ByteString, size: Int64, layer: Int32) {
        var t = dive[path, default: DiveTally()]
        if t.lastLayer == layer {
            // The same path twice in one layer: the later entry is the layer's version.
            t.cumulative += size - t.lastSize
        } else {
            t.appearances += 1
            t.cumulative += size
        }
        t.minimum = min(t.minimum, size)
        t.lastLayer = layer
        t.lastSize = size
        dive[path] = t
    }

    private mutating func tallyRemoval(of node: Int32, path: ByteString, layer: Int32) {
        var bytes: Int64 = 0
        for n in [node] + tree.descendants(of: node) {
            if case .entry(let ref) = tree[n].content {
                let layer = indexes[Int(ref.layer)]
                if layer.kind(Int(ref.index)) == .regular { bytes += layer.size(Int(ref.index)) }
            }
        }
        tally(path: path, size: bytes, layer: layer)
    }

    // MARK: Output

    mutating func makePlan() throws -> MergePlan {
        let keptTree = kept ?? FileTree()
        var entries: [PlannedEntry] = []
        var layerSize: Int64 = Int64(TarWriter.endOfArchive.count)
        var contentBytes: Int64 = 0

        // Roots some hard link resolves to: only their members can form groups in the output.
        var linkedRoots = Set<RecordRef>()
        for (l, layerRoots) in linkRoots.enumerated() {
            for (i, root) in layerRoots.enumerated() where root != RecordRef(layer: Int32(l), index: Int32(i)) {
                linkedRoots.insert(root)
            }
        }
        var groupFirst: [RecordRef: ByteString] = [:]

        func add(_ planned: PlannedEntry) throws {
            let header = header(for: planned)
            layerSize += try TarWriter.encodedSize(of: header)
            if header.kind == .regular { contentBytes += header.size }
            entries.append(planned)
        }

        if case .entry(let ref) = tree[FileTree.root].content, tree[FileTree.root].content != keptTree[FileTree.root].content {
            try add(PlannedEntry(name: "./", action: .entry(ref, root: ref)))
        }

        struct Frame {
            var final: Int32
            var kept: Int32?
            var prefix: [UInt8]
            var names: [ByteString]
            var next: Int
        }
        func frame(_ f: Int32, _ k: Int32?, _ prefix: [UInt8]) -> Frame {
            var names = Set(tree[f].children.keys)
            if let k { names.formUnion(keptTree[k].children.keys) }
            return Frame(final: f, kept: k, prefix: prefix, names: names.sorted(), next: 0)
        }
        var keptRoot: Int32? = kept == nil ? nil : FileTree.root
        if keptRoot != nil, tree[FileTree.root].hidesLower {
            // An opaque marker at the top of a squashed layer hides every kept path.
            try add(PlannedEntry(name: WhiteoutName.opaqueMarkerName, action: .opaqueMarker))
            keptRoot = nil
        }
        var stack = [frame(FileTree.root, keptRoot, [])]
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
            let path = prefix + name.bytes
            if out.writeWhiteout {
                try add(PlannedEntry(name: ByteString(prefix + WhiteoutName.prefix.bytes + name.bytes), action: .whiteout))
            }
            if out.writeEntry, let fc, case .entry(let ref) = tree[fc].content {
                let root = linkRoots[Int(ref.layer)][Int(ref.index)]
                if tree[fc].isDirectory {
                    try add(PlannedEntry(name: ByteString(path + [UInt8(ascii: "/")]), action: .entry(ref, root: ref)))
                } else if linkedRoots.contains(root), let first = groupFirst[root] {
                    try add(PlannedEntry(name: ByteString(path), action: .hardLink(ref, target: first)))
                } else {
                    // A file's output name is its normalized name: share the record's storage.
                    let recordName = indexes[Int(ref.layer)].name(Int(ref.index))
                    let name = recordName.bytes == path ? recordName : ByteString(path)
                    if linkedRoots.contains(root) { groupFirst[root] = name }
                    try add(PlannedEntry(name: name, action: .entry(ref, root: root)))
                }
            }
            if out.writeOpaqueMarker {
                try add(PlannedEntry(name: ByteString(path + [UInt8(ascii: "/")] + WhiteoutName.opaqueMarkerName.bytes), action: .opaqueMarker))
            }
            if out.descend, let fc {
                stack.append(frame(fc, out.descendWithKept ? kc : nil, path + [UInt8(ascii: "/")]))
            }
        }

        // dive's metrics.
        var wasted: Int64 = 0
        var minimumSum: Int64 = 0
        var cumulativeSum: Int64 = 0
        for tally in dive.values {
            if tally.appearances > 1 { wasted += tally.cumulative }
            minimumSum += tally.minimum
            cumulativeSum += tally.cumulative
        }
        let analysis = ImageAnalysis(
            layers: layerStats,
            wastedBytes: wasted,
            efficiency: cumulativeSum == 0 ? 1 : Double(minimumSum) / Double(cumulativeSum),
            flattenedLayerSize: layerSize,
            flattenedEntryCount: entries.count,
            flattenedContentBytes: contentBytes
        )
        return MergePlan(layers: layers, keptLayerCount: keptCount, indexes: indexes, entries: entries, layerSize: layerSize, headerBytesRead: headerBytesRead, analysis: analysis)
    }

    func header(for planned: PlannedEntry) -> TarEntry {
        MergePlan.header(for: planned, indexes: indexes)
    }
}
