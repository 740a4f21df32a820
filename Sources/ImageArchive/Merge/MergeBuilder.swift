/// Builds a ``MergePlan`` for ``LayerMerge/plan(layers:keepingLowest:)``: indexes each layer
/// and applies it to the merged ``FileTree`` (``apply(layer:)``, lowest first), then walks the
/// final tree against the kept layers' tree (``MergedTreeWalk``) to list the output entries
/// (``makePlan()``). The rules are ``LayerMerge``'s.
///
/// What it keeps grows with the number of paths and entries, never with content, and holds no
/// object per entry: headers in a ``RecordTable``, paths in the ``FileTree``, and per-path
/// tables indexed by node, all in one ``TableSpace`` that keeps them within the
/// ``MergeMemory`` budget.
struct MergeBuilder {
    let layers: [LayerSource]
    let keptCount: Int
    let space: TableSpace
    var records: RecordTable
    var tree: FileTree
    var kept: KeptSnapshot?
    var headerBytesRead: Int64 = 0
    var layerStats: [ImageAnalysis.Layer] = []
    let dive: ImageAnalysis.DiveTally
    /// The hard-link root of each record that is a hard link (every other record is its own).
    var linkRoots: [UInt32: UInt32] = [:]
    /// By node: the latest record of an ordinary entry at that path, to resolve hard links to
    /// earlier entries of the same layer.
    private let latestRecord: Table<UInt32>

    /// What an entry of the layer being applied does, once indexed.
    private enum LayerEntry {
        /// A path of the tree, with the record to put there.
        case ordinary(node: UInt32, record: UInt32)
        /// Deletes the path at `node` from the layers below.
        case whiteout(node: UInt32)
        /// Hides the lower children of the directory at `node`.
        case opaqueMarker(node: UInt32)
    }

    init(layers: [LayerSource], keptCount: Int, memory: MergeMemory) throws {
        self.layers = layers
        self.keptCount = keptCount
        space = TableSpace(memory: memory)
        records = try RecordTable(space: space)
        tree = try FileTree(space: space)
        dive = try ImageAnalysis.DiveTally(space: space)
        latestRecord = try space.makeTable(name: "latest-record")
    }

    func linkRoot(_ record: UInt32) -> UInt32 { linkRoots[record] ?? record }

    mutating func snapshotKept() throws {
        tree.resetHidesLower()
        kept = try KeptSnapshot(tree, space: space)
    }

    // MARK: Indexing and applying one layer

    /// Indexes layer `l` and applies it to the tree: hard links are resolved against the
    /// entries before them and the tree below, then the layer's whiteouts and opaque markers act
    /// on the layers below, then its entries are placed in tar order.
    ///
    /// `onIndexed` is told the bytes of the layer indexed so far, every few thousand entries.
    mutating func apply(layer l: Int, onIndexed: (Int64) -> Void = { _ in }) throws {
        let entries = try index(layer: l, onIndexed: onIndexed)
        try applyDeletions(entries, layer: l)
        try applyEntries(entries, layer: l)
    }

    /// Reads layer `l`'s headers into ``records`` and the paths they name into ``tree``
    /// (absent until applied), resolves its hard links, and counts its statistics into
    /// ``layerStats``.
    private mutating func index(layer l: Int, onIndexed: (Int64) -> Void) throws -> [LayerEntry] {
        let source = layers[l]
        var reader = TarReader(region: source.region, source: source.label)
        var entries: [LayerEntry] = []
        let firstRecord = UInt32(records.count)
        var entryCount = 0
        var contentBytes: Int64 = 0
        var ranges: [Range<Int>] = []
        while let record = try reader.next() {
            space.tick()
            entryCount += 1
            if entryCount % 4096 == 0 { onIndexed(record.headerOffset) }
            let name = record.entry.name
            if record.entry.kind == .regular { contentBytes += record.entry.size }
            let entry: LayerEntry? = try name.bytes.withUnsafeBufferPointer { bytes in
                if EntryPath.componentRanges(of: bytes, into: &ranges) != nil {
                    throw MergeError(.unsafePath, layer: source.label, entry: name.description, detail: "the name has a '..' component")
                }
                let directory = ranges.dropLast()
                if directory.contains(where: { bytes[$0].starts(with: WhiteoutName.metaPrefix.bytes) }) {
                    return nil  // inside an AUFS metadata directory such as .wh..wh.plnk
                }
                let role = ranges.last.map { WhiteoutName.classify(ByteString(bytes: bytes[$0])) } ?? .ordinary
                switch role {
                case .aufsMetadata:
                    return nil
                case .whiteout(let target):
                    if target.isEmpty {
                        throw MergeError(.emptyWhiteout, layer: source.label, entry: name.description, detail: "'.wh.' names no file to delete")
                    }
                    guard let dir = existingNode(bytes, directory) else { return nil }
                    let victim = target.bytes.withUnsafeBufferPointer { tree.existingChild(of: dir, named: $0) }
                    return victim.map { .whiteout(node: $0) }
                case .opaqueMarker:
                    return existingNode(bytes, directory).map { .opaqueMarker(node: $0) }
                case .ordinary:
                    var node = FileTree.root
                    for range in ranges {
                        node = try tree.child(of: node, named: UnsafeBufferPointer(rebasing: bytes[range]), create: true)!
                    }
                    return .ordinary(node: node, record: 0)
                }
            }
            guard case .ordinary(let node, _) = entry else {
                if let entry { entries.append(entry) }
                continue
            }
            let id = try records.append(record, layer: l)
            if record.entry.kind == .hardLink {
                let root = try resolveHardLink(record.entry, layer: l, firstRecordOfLayer: firstRecord)
                if root != id { linkRoots[id] = root }
            }
            if Int(node) >= latestRecord.count {
                try latestRecord.append(repeating: FileTree.none, count: Int(node) + 1 - latestRecord.count)
            }
            latestRecord[Int(node)] = id
            entries.append(.ordinary(node: node, record: id))
        }
        headerBytesRead += reader.bytesRead
        layerStats.append(ImageAnalysis.Layer(label: source.label, diffID: source.diffID, size: source.region.count, entryCount: entryCount, contentBytes: contentBytes, carriedContentBytes: 0, kept: l < keptCount))
        return entries
    }

    /// The node some layer named at the path `ranges` of `bytes` give, if any did.
    private func existingNode(_ bytes: UnsafeBufferPointer<UInt8>, _ ranges: ArraySlice<Range<Int>>) -> UInt32? {
        var node = FileTree.root
        for range in ranges {
            guard let child = tree.existingChild(of: node, named: UnsafeBufferPointer(rebasing: bytes[range])) else { return nil }
            node = child
        }
        return node
    }

    /// Whiteouts and opaque markers act on the layers below, never on their own layer.
    private mutating func applyDeletions(_ entries: [LayerEntry], layer l: Int) throws {
        for entry in entries {
            space.tick()
            switch entry {
            case .whiteout(let victim):
                // A present node's parent is a present directory: no need to look above it.
                guard tree[victim].isPresent else { continue }
                try dive.appear(victim, size: contentBytes(under: victim), layer: l)
                tree.remove(subtreeOf: victim)
            case .opaqueMarker(let dir):
                guard tree[dir].isPresent, tree[dir].isDirectory else { continue }
                try tree.forEachChild(of: dir) { child in
                    if tree[child].isPresent { try dive.appear(child, size: contentBytes(under: child), layer: l) }
                }
                tree.removeChildren(of: dir)
                tree[dir].hidesLower = true
            case .ordinary:
                continue
            }
        }
    }

    /// The layer's entries, in tar order (a later entry for the same path wins).
    private mutating func applyEntries(_ entries: [LayerEntry], layer l: Int) throws {
        var chain: [UInt32] = []
        for entry in entries {
            guard case .ordinary(let node, let record) = entry else { continue }
            space.tick()
            let kind = records.kind(record)
            let isDirectory = kind == .directory
            try dive.appear(node, size: kind == .regular ? records.size(record) : 0, layer: l)
            guard node != FileTree.root else {
                guard isDirectory else {
                    throw MergeError(.rootNotDirectory, layer: layers[l].label, entry: "./", detail: "the root is a \(kind)")
                }
                tree[FileTree.root].content = record
                continue
            }
            // The directories on the way, from the nearest present directory down (a present
            // directory's ancestors are all present directories).
            chain.removeAll(keepingCapacity: true)
            var ancestor = tree[node].parent
            while ancestor != FileTree.root, !(tree[ancestor].isPresent && tree[ancestor].isDirectory) {
                chain.append(ancestor)
                ancestor = tree[ancestor].parent
            }
            for directory in chain.reversed() {
                switch MergeRule.parent(lower: lower(directory)) {
                case .descend:
                    continue
                case .createImplicitDirectory, .replaceWithImplicitDirectory:
                    tree.create(directory, content: FileTree.implicit, isDirectory: true)
                }
            }
            switch MergeRule.decide(lower: lower(node), upper: isDirectory ? .directory : .nonDirectory) {
            case .mergeDirectory:
                tree[node].content = record
            case .add, .replace:
                tree.create(node, content: record, isDirectory: isDirectory)
            }
        }
    }

    private func lower(_ node: UInt32) -> MergeRule.Lower {
        let n = tree[node]
        return n.isPresent ? (n.isDirectory ? .directory : .nonDirectory) : .absent
    }

    private func resolveHardLink(_ entry: TarEntry, layer l: Int, firstRecordOfLayer: UInt32) throws -> UInt32 {
        let label = layers[l].label
        var ranges: [Range<Int>] = []
        let target: UInt32? = try entry.linkName.bytes.withUnsafeBufferPointer { bytes in
            if EntryPath.componentRanges(of: bytes, into: &ranges) != nil {
                throw MergeError(.unsafeHardLink, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" has a '..' component")
            }
            if ranges.isEmpty {
                throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is the root directory")
            }
            return existingNode(bytes, ranges[...])
        }
        if let target, Int(target) < latestRecord.count, latestRecord[Int(target)] != FileTree.none,
           latestRecord[Int(target)] >= firstRecordOfLayer {
            let earlier = latestRecord[Int(target)]
            guard records.kind(earlier) != .directory else {
                throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is a directory")
            }
            return linkRoot(earlier)
        }
        // Not in this layer before the link: the file at that path in the layers below.
        guard let target, tree[target].isPresent else {
            throw MergeError(.hardLinkTargetMissing, layer: label, entry: entry.name.description, detail: "\"\(entry.linkName)\" is neither an earlier entry of this layer nor a file in the layers below")
        }
        guard !tree[target].isDirectory, tree[target].content != FileTree.implicit else {
            throw MergeError(.hardLinkToDirectory, layer: label, entry: entry.name.description, detail: "link target \"\(entry.linkName)\" is a directory in the layers below")
        }
        return linkRoot(tree[target].content)
    }

    /// The regular-file content of `node` and everything below it (what deleting it removes).
    private func contentBytes(under node: UInt32) -> Int64 {
        var bytes: Int64 = 0
        tree.forEachPresent(inSubtreeOf: node) { n in
            space.tick()
            let content = tree[n].content
            if content != FileTree.implicit { bytes += records.regularSize(content) }
        }
        return bytes
    }

    // MARK: Output

    mutating func makePlan() throws -> MergePlan {
        let entries: Table<PlannedEntry> = try space.makeTable(name: "output")
        var layerSize: Int64 = Int64(TarWriter.endOfArchive.count)
        var contentBytes: Int64 = 0
        // Content the flattened layer carries, by the layer it is read from.
        var carried = [Int64](repeating: 0, count: layers.count)

        // Roots some hard link resolves to: only their members can form groups in the output.
        let linkedRoots = Set(linkRoots.values)
        // The node of each group's first member written.
        var groupFirst: [UInt32: UInt32] = [:]

        func add(_ planned: PlannedEntry) throws {
            let header = MergePlan.header(for: planned, tree: tree, records: records)
            layerSize += try TarWriter.encodedSize(of: header)
            if header.kind == .regular {
                contentBytes += header.size
                if planned.action == .entry { carried[records.layer(planned.source)] += header.size }
            }
            try entries.append(planned)
        }

        let root = tree[FileTree.root].content
        if root != FileTree.implicit, root != kept?.content(FileTree.root) ?? FileTree.implicit {
            try add(PlannedEntry(node: FileTree.root, action: .entry, record: root, source: root))
        }

        var walk = MergedTreeWalk(final: tree, kept: kept, space: space)
        if walk.hidesEveryKeptPath {
            try add(PlannedEntry(node: FileTree.root, action: .opaqueMarker))
        }
        while let step = walk.next() {
            let out = step.output
            let node = step.node
            if out.writeWhiteout {
                try add(PlannedEntry(node: node, action: .whiteout))
            }
            let record = tree[node].content
            if out.writeEntry, step.isPresent, record != FileTree.implicit {
                let root = linkRoot(record)
                if tree[node].isDirectory {
                    try add(PlannedEntry(node: node, action: .entry, record: record, source: record))
                } else if linkedRoots.contains(root), let first = groupFirst[root] {
                    try add(PlannedEntry(node: node, action: .hardLink, record: record, source: first))
                } else {
                    if linkedRoots.contains(root) { groupFirst[root] = node }
                    try add(PlannedEntry(node: node, action: .entry, record: record, source: root))
                }
            }
            if out.writeOpaqueMarker {
                try add(PlannedEntry(node: node, action: .opaqueMarker))
            }
        }

        for l in layerStats.indices { layerStats[l].carriedContentBytes = carried[l] }
        let (diveWasted, diveEfficiency) = dive.figures
        let analysis = ImageAnalysis(
            layers: layerStats,
            diveWastedBytes: diveWasted,
            diveEfficiency: diveEfficiency,
            flattenedLayerSize: layerSize,
            flattenedEntryCount: entries.count,
            flattenedContentBytes: contentBytes
        )
        return MergePlan(layers: layers, keptLayerCount: keptCount, space: space, records: records, tree: tree, entries: entries, layerSize: layerSize, headerBytesRead: headerBytesRead, analysis: analysis)
    }
}
