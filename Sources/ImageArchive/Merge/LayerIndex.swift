/// The indexed headers of one layer, kept compactly: a merge holds every entry of every layer
/// until the flattened layer is written, so its memory is this type's size times the number of
/// entries.
///
/// The fields nearly every entry has are inline (64 bytes an entry, plus its name); the rare ones
/// — user and group names, extended attributes, unknown PAX records, device numbers, and ids or
/// modes beyond 32 bits — go to a side table. Subscripting rebuilds the full ``TarReader/Record``.
struct LayerIndex: Sendable {
    struct Compact: Sendable {
        /// The normalized path (see ``EntryPath``).
        var name: ByteString
        var linkName: ByteString
        var size: Int64
        var contentOffset: Int64
        var headerOffset: Int64
        var mtimeSeconds: Int64
        var mtimeNanoseconds: Int32
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        /// Index into `extras`, or -1.
        var extra: Int32
        var kind: TarEntry.Kind
    }

    struct Extras: Sendable {
        var mode: Int64
        var uid: Int64
        var gid: Int64
        var userName: ByteString
        var groupName: ByteString
        var deviceMajor: Int64
        var deviceMinor: Int64
        var extendedAttributes: [ExtendedAttribute]
        var paxRecords: [PAXRecord]
    }

    private(set) var entries: [Compact] = []
    private var extras: [Extras] = []

    var count: Int { entries.count }

    mutating func append(_ record: TarReader.Record) {
        let e = record.entry
        let fits = e.mode >= 0 && e.mode <= Int64(UInt32.max) && e.uid >= 0 && e.uid <= Int64(UInt32.max) && e.gid >= 0 && e.gid <= Int64(UInt32.max)
        let plain = fits && e.userName.isEmpty && e.groupName.isEmpty && e.deviceMajor == 0 && e.deviceMinor == 0
            && e.extendedAttributes.isEmpty && e.paxRecords.isEmpty
        var extra: Int32 = -1
        if !plain {
            extra = Int32(extras.count)
            extras.append(Extras(mode: e.mode, uid: e.uid, gid: e.gid, userName: e.userName, groupName: e.groupName,
                                 deviceMajor: e.deviceMajor, deviceMinor: e.deviceMinor,
                                 extendedAttributes: e.extendedAttributes, paxRecords: e.paxRecords))
        }
        entries.append(Compact(
            name: e.name, linkName: e.linkName, size: e.size, contentOffset: record.contentOffset, headerOffset: record.headerOffset,
            mtimeSeconds: e.modificationTime.seconds, mtimeNanoseconds: e.modificationTime.nanoseconds,
            mode: fits ? UInt32(e.mode) : 0, uid: fits ? UInt32(e.uid) : 0, gid: fits ? UInt32(e.gid) : 0,
            extra: extra, kind: e.kind
        ))
    }

    /// The full entry.
    subscript(_ index: Int) -> TarReader.Record {
        let c = entries[index]
        var entry = TarEntry(
            name: c.name, kind: c.kind, mode: Int64(c.mode), uid: Int64(c.uid), gid: Int64(c.gid), size: c.size,
            modificationTime: TarTimestamp(seconds: c.mtimeSeconds, nanoseconds: c.mtimeNanoseconds), linkName: c.linkName
        )
        if c.extra >= 0 {
            let x = extras[Int(c.extra)]
            entry.mode = x.mode
            entry.uid = x.uid
            entry.gid = x.gid
            entry.userName = x.userName
            entry.groupName = x.groupName
            entry.deviceMajor = x.deviceMajor
            entry.deviceMinor = x.deviceMinor
            entry.extendedAttributes = x.extendedAttributes
            entry.paxRecords = x.paxRecords
        }
        return TarReader.Record(entry: entry, headerOffset: c.headerOffset, contentOffset: c.contentOffset)
    }

    func name(_ index: Int) -> ByteString { entries[index].name }
    func kind(_ index: Int) -> TarEntry.Kind { entries[index].kind }
    func size(_ index: Int) -> Int64 { entries[index].size }
    func contentOffset(_ index: Int) -> Int64 { entries[index].contentOffset }

    mutating func reserveCapacity(_ n: Int) { entries.reserveCapacity(n) }
}
