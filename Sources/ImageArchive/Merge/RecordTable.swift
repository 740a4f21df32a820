/// The headers of every entry of every layer of a merge, packed into one byte arena.
///
/// A merge must remember each entry's header until the flattened layer is written, so this
/// table's size per entry is most of the merge's memory. Names are not kept here (the path is a
/// node of the ``FileTree``); everything else is encoded as variable-length integers, about 20
/// bytes for a typical entry, with no per-entry allocation. User and group names are interned
/// (a layer repeats `root` a million times), and the rare fields (extended attributes, unknown
/// PAX records) go to a side table.
///
/// Records are numbered across layers in the order they were appended.
struct RecordTable: Sendable {
    private let arena: Table<UInt8>
    private let starts: Table<UInt32>
    private var scratch: [UInt8] = []
    private var names: [ByteString] = [.empty]
    private var nameIDs: [ByteString: UInt32] = [.empty: 0]
    private var rare: [Rare] = []

    private struct Rare: Sendable {
        var extendedAttributes: [ExtendedAttribute]
        var paxRecords: [PAXRecord]
    }

    private enum Flag {
        static let linkName: UInt8 = 1
        static let ownerNames: UInt8 = 2
        static let device: UInt8 = 4
        static let rare: UInt8 = 8
    }

    /// A record the table returns: the header without its name, and where it lies in its layer.
    struct Record {
        var layer: Int
        var entry: TarEntry
        var headerOffset: Int64
        var contentOffset: Int64
    }

    init(space: TableSpace) throws {
        arena = try space.makeTable(name: "headers")
        starts = try space.makeTable(name: "header-index")
    }

    var count: Int { starts.count }

    /// Bytes held, for reports.
    var byteCount: Int { arena.byteCount + starts.byteCount }

    /// Appends `record` of `layer` and returns its number.
    mutating func append(_ record: TarReader.Record, layer: Int) throws -> UInt32 {
        guard arena.count < Int(UInt32.max) - 1 << 20, starts.count < Int(UInt32.max) - 1 else {
            throw MergeError(.tooLarge, layer: "", entry: nil, detail: "more than 4 GB of packed headers")
        }
        let id = UInt32(starts.count)
        try starts.append(UInt32(arena.count))
        scratch.removeAll(keepingCapacity: true)
        let e = record.entry
        var flags: UInt8 = 0
        if !e.linkName.isEmpty { flags |= Flag.linkName }
        if !e.userName.isEmpty || !e.groupName.isEmpty { flags |= Flag.ownerNames }
        if e.deviceMajor != 0 || e.deviceMinor != 0 { flags |= Flag.device }
        if !e.extendedAttributes.isEmpty || !e.paxRecords.isEmpty { flags |= Flag.rare }
        scratch.append(e.kind.code)
        scratch.append(flags)
        putVarint(UInt64(layer))
        putVarint(UInt64(e.size))
        putVarint(UInt64(record.headerOffset))
        putVarint(UInt64(record.contentOffset - record.headerOffset))
        putVarint(UInt64(e.mode))
        putVarint(UInt64(e.uid))
        putVarint(UInt64(e.gid))
        putVarint(UInt64(bitPattern: (e.modificationTime.seconds << 1) ^ (e.modificationTime.seconds >> 63)))
        putVarint(UInt64(e.modificationTime.nanoseconds))
        if flags & Flag.linkName != 0 {
            putVarint(UInt64(e.linkName.count))
            scratch += e.linkName.bytes
        }
        if flags & Flag.ownerNames != 0 {
            putVarint(UInt64(intern(e.userName)))
            putVarint(UInt64(intern(e.groupName)))
        }
        if flags & Flag.device != 0 {
            putVarint(UInt64(e.deviceMajor))
            putVarint(UInt64(e.deviceMinor))
        }
        if flags & Flag.rare != 0 {
            putVarint(UInt64(rare.count))
            rare.append(Rare(extendedAttributes: e.extendedAttributes, paxRecords: e.paxRecords))
        }
        try scratch.withUnsafeBufferPointer { try arena.append(contentsOf: $0) }
        return id
    }

    // MARK: Reading

    func kind(_ id: UInt32) -> TarEntry.Kind { TarEntry.Kind(code: arena[Int(starts[Int(id)])]) }

    /// The layer the record came from.
    func layer(_ id: UInt32) -> Int {
        var position = Int(starts[Int(id)]) + 2
        return Int(varint(&position))
    }

    /// The content size (a directory's or link's is 0 unless the archive said otherwise).
    func size(_ id: UInt32) -> Int64 {
        var position = Int(starts[Int(id)]) + 2
        _ = varint(&position)
        return Int64(varint(&position))
    }

    /// The record's content size if it is a regular file, else 0.
    func regularSize(_ id: UInt32) -> Int64 { kind(id) == .regular ? size(id) : 0 }

    /// The full record, with an empty name.
    subscript(_ id: UInt32) -> Record {
        var position = Int(starts[Int(id)])
        let kind = TarEntry.Kind(code: arena[position])
        let flags = arena[position + 1]
        position += 2
        let layer = Int(varint(&position))
        let size = Int64(varint(&position))
        let headerOffset = Int64(varint(&position))
        let contentOffset = headerOffset + Int64(varint(&position))
        let mode = Int64(varint(&position))
        let uid = Int64(varint(&position))
        let gid = Int64(varint(&position))
        let zigzag = varint(&position)
        let seconds = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        let nanoseconds = Int32(varint(&position))
        var entry = TarEntry(name: .empty, kind: kind, mode: mode, uid: uid, gid: gid, size: size,
                             modificationTime: TarTimestamp(seconds: seconds, nanoseconds: nanoseconds))
        if flags & Flag.linkName != 0 {
            let length = Int(varint(&position))
            entry.linkName = ByteString(Array(UnsafeBufferPointer(start: arena.pointer(at: position), count: length)))
            position += length
        }
        if flags & Flag.ownerNames != 0 {
            entry.userName = names[Int(varint(&position))]
            entry.groupName = names[Int(varint(&position))]
        }
        if flags & Flag.device != 0 {
            entry.deviceMajor = Int64(varint(&position))
            entry.deviceMinor = Int64(varint(&position))
        }
        if flags & Flag.rare != 0 {
            let extra = rare[Int(varint(&position))]
            entry.extendedAttributes = extra.extendedAttributes
            entry.paxRecords = extra.paxRecords
        }
        return Record(layer: layer, entry: entry, headerOffset: headerOffset, contentOffset: contentOffset)
    }

    // MARK: Encoding

    private mutating func intern(_ name: ByteString) -> UInt32 {
        if let id = nameIDs[name] { return id }
        let id = UInt32(names.count)
        names.append(name)
        nameIDs[name] = id
        return id
    }

    private mutating func putVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            scratch.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        scratch.append(UInt8(v))
    }

    private func varint(_ position: inout Int) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = arena[position]
            position += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }
}

extension TarEntry.Kind {
    /// A one-byte code for packed tables.
    var code: UInt8 {
        switch self {
        case .regular: 0
        case .hardLink: 1
        case .symbolicLink: 2
        case .characterDevice: 3
        case .blockDevice: 4
        case .directory: 5
        case .fifo: 6
        }
    }

    init(code: UInt8) {
        switch code {
        case 0: self = .regular
        case 1: self = .hardLink
        case 2: self = .symbolicLink
        case 3: self = .characterDevice
        case 4: self = .blockDevice
        case 5: self = .directory
        default: self = .fifo
        }
    }
}
