/// Builds a ``MergePlan`` for ``LayerMerge/plan(layers:keepingLowest:)``: indexes each layer
/// and applies it to the merged ``FileTree`` (``apply(layer:)``, lowest first), then walks the
/// final tree against the kept layers' tree (``MergedTreeWalk``) to list the output entries
/// (``makePlan()``). The rules are ``LayerMerge``'s.
struct MergeBuilder {
    let layers: [LayerSource]
    let keptCount: Int
    var indexes: [LayerIndex] = []
    var linkRoots: [[RecordRef]] = []
    var tree = FileTree()
    var kept: FileTree?
    var headerBytesRead: Int64 = 0
    var layerStats: [ImageAnalysis.Layer] = []
    var dive = ImageAnalysis.DiveTally()

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

    /// Indexes layer `l` and applies it to the tree: hard links are resolved against the
    /// entries before them and the tree below, then the layer's whiteouts and opaque markers act
    /// on the layers below, then its entries are placed in tar order.
    mutating func apply(layer l: Int) throws {
        let (index, roles) = try readIndex(of: l)
        try resolveHardLinks(index, roles: roles, layer: l)
        applyDeletions(index, roles: roles, layer: Int32(l))
        try applyEntries(index, roles: roles, layer: l)
    }

    /// Reads layer `l`'s headers into ``indexes`` (names normalized) and its statistics into
    /// ``layerStats``; returns the index and what each entry's base name makes of it.
    private mutating func readIndex(of l: Int) throws -> (LayerIndex, [WhiteoutName]) {
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
        layerStats.append(ImageAnalysis.Layer(label: source.label, diffID: source.diffID, size: source.region.count, entryCount: index.count, contentBytes: contentBytes, carriedContentBytes: 0, kept: l < keptCount))
        return (index, roles)
    }

    /// Pass 1: each entry's hard-link root (itself unless it is a hard link).
    private mutating func resolveHardLinks(_ index: LayerIndex, roles: [WhiteoutName], layer l: Int) throws {
        let layerIndex = Int32(l)
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
    }

    /// Pass 2: whiteouts and opaque markers act on the layers below, never on their own layer.
    private mutating func applyDeletions(_ index: LayerIndex, roles: [WhiteoutName], layer layerIndex: Int32) {
        for (i, role) in roles.enumerated() {
            switch role {
            case .whiteout(let target):
                let dirPath = EntryPath.split(index.name(i)).dropLast()
                guard let dir = tree.lookup(dirPath), tree[dir].isDirectory,
                      let victim = tree[dir].children[target] else { continue }
                dive.appear(EntryPath.join(Array(dirPath) + [target]), size: contentBytes(under: victim), layer: layerIndex)
                tree[dir].children[target] = nil
            case .opaqueMarker:
                let dirPath = EntryPath.split(index.name(i)).dropLast()
                guard let dir = tree.lookup(dirPath), tree[dir].isDirectory else { continue }
                for (name, child) in tree[dir].children {
                    dive.appear(EntryPath.join(Array(dirPath) + [name]), size: contentBytes(under: child), layer: layerIndex)
                }
                tree[dir].children = [:]
                tree[dir].hidesLower = true
            case .ordinary, .aufsMetadata:
                continue
            }
        }
    }

    /// Pass 3: the layer's entries, in tar order (a later entry for the same path wins).
    private mutating func applyEntries(_ index: LayerIndex, roles: [WhiteoutName], layer l: Int) throws {
        let layerIndex = Int32(l)
        let source = layers[l]
        for (i, role) in roles.enumerated() {
            guard case .ordinary = role else { continue }
            let kind = index.kind(i)
            let ref = RecordRef(layer: layerIndex, index: Int32(i))
            let isDirectory = kind == .directory
            dive.appear(index.name(i), size: kind == .regular ? index.size(i) : 0, layer: layerIndex)
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

    /// The regular-file content of `node` and everything below it (what deleting it removes).
    private func contentBytes(under node: Int32) -> Int64 {
        var bytes: Int64 = 0
        for n in [node] + tree.descendants(of: node) {
            if case .entry(let ref) = tree[n].content {
                let layer = indexes[Int(ref.layer)]
                if layer.kind(Int(ref.index)) == .regular { bytes += layer.size(Int(ref.index)) }
            }
        }
        return bytes
    }

    // MARK: Output

    mutating func makePlan() throws -> MergePlan {
        let keptTree = kept ?? FileTree()
        var entries: [PlannedEntry] = []
        var layerSize: Int64 = Int64(TarWriter.endOfArchive.count)
        var contentBytes: Int64 = 0
        // Content the flattened layer carries, by the layer it is read from.
        var carried = [Int64](repeating: 0, count: layers.count)

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
            if header.kind == .regular {
                contentBytes += header.size
                if case .entry(_, let root) = planned.action { carried[Int(root.layer)] += header.size }
            }
            entries.append(planned)
        }

        if case .entry(let ref) = tree[FileTree.root].content, tree[FileTree.root].content != keptTree[FileTree.root].content {
            try add(PlannedEntry(name: "./", action: .entry(ref, root: ref)))
        }

        var walk = MergedTreeWalk(final: tree, kept: kept)
        if walk.hidesEveryKeptPath {
            try add(PlannedEntry(name: WhiteoutName.opaqueMarkerName, action: .opaqueMarker))
        }
        while let step = walk.next() {
            let out = step.output
            let path = step.path
            if out.writeWhiteout {
                try add(PlannedEntry(name: ByteString(step.prefix + WhiteoutName.prefix.bytes + step.name.bytes), action: .whiteout))
            }
            if out.writeEntry, let fc = step.node, case .entry(let ref) = tree[fc].content {
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
        return MergePlan(layers: layers, keptLayerCount: keptCount, indexes: indexes, entries: entries, layerSize: layerSize, headerBytesRead: headerBytesRead, analysis: analysis)
    }

    func header(for planned: PlannedEntry) -> TarEntry {
        MergePlan.header(for: planned, indexes: indexes)
    }
}
