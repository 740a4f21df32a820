/// Reads the entries of a tar archive held in a ``FileRegion``, one header at a time.
///
/// Only headers are read: an entry's content is left in place and addressed by
/// ``Record/contentOffset``, to be read on demand (or never, when it is skipped). Memory use is a
/// header block plus any PAX or GNU long-name data, whatever the archive's size.
///
/// Supported: ustar and v7 headers, GNU `ustar  ` headers, PAX local (`x`) and global (`g`)
/// extended headers, GNU long names (`L`) and long link names (`K`), base-256 numeric fields.
/// Global PAX records act as defaults for every later entry, except `path`, `linkpath` and
/// `size`, which cannot sensibly apply to more than one entry and are ignored when global.
public struct TarReader {
    /// One entry and where it lies in the archive.
    public struct Record: Hashable, Sendable {
        public var entry: TarEntry
        /// Offset (within the region) of the entry's first header block, including its PAX or
        /// GNU extension headers.
        public var headerOffset: Int64
        /// Offset (within the region) of the entry's content; `entry.size` bytes are there.
        public var contentOffset: Int64
    }

    /// The most a PAX or GNU long-name header may hold; more is malformed input, not a name.
    public static let maximumExtensionSize = 1 << 20

    public let region: FileRegion
    /// Names the archive in errors, such as `layer 2 (abc/layer.tar)`.
    public let source: String
    /// Header bytes read so far (content is never read by the reader).
    public private(set) var bytesRead: Int64 = 0
    private var position: Int64 = 0
    private var finished = false
    private var globalRecords: [PAXRecord] = []
    private var lastUserName = ByteString.empty
    private var lastGroupName = ByteString.empty
    private var window: ReadAheadWindow

    public init(region: FileRegion, source: String = "") {
        self.region = region
        self.source = source
        window = ReadAheadWindow(region: region)
    }

    /// The next entry, or nil at the end of the archive.
    public mutating func next() throws -> Record? {
        if finished { return nil }
        let start = position
        var local: [PAXRecord] = []
        var longName: [UInt8]?
        var longLink: [UInt8]?
        var block = [UInt8](repeating: 0, count: 512)
        while true {
            let remaining = region.count - position
            if remaining == 0 {
                // End of data without the two zero blocks: accepted at an entry boundary, as
                // Go's archive/tar does, but not after extension headers that promise an entry.
                finished = true
                if position == start && local.isEmpty && longName == nil && longLink == nil { return nil }
                throw error(.truncated, start, nil, "archive ends after extension headers, before their entry")
            }
            guard remaining >= 512 else {
                throw error(.truncated, start, nil, "archive ends inside a header block (\(remaining) of 512 bytes)")
            }
            let got = try block.withUnsafeMutableBytes { try readRegion(into: $0, at: position) }
            bytesRead += Int64(got)
            guard got == 512 else { throw error(.truncated, start, nil, "short read of header block") }
            if block.allSatisfy({ $0 == 0 }) {
                finished = true
                if position != start {
                    throw error(.truncated, start, nil, "end-of-archive block follows extension headers")
                }
                return nil
            }
            let header = try block.withUnsafeBytes { try parseBlock($0, start: start) }
            for (field, value) in [("mode", header.mode), ("uid", header.uid), ("gid", header.gid), ("devmajor", header.deviceMajor), ("devminor", header.deviceMinor)] where value < 0 {
                throw error(.invalidNumericField, start, header.displayName, "\(field) is negative (\(value))")
            }
            let contentOffset = position + 512
            if header.size < 0 {
                throw error(.absurdSize, start, header.displayName, "negative size \(header.size)")
            }
            switch header.typeFlag {
            case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
                guard header.size <= Self.maximumExtensionSize else {
                    throw error(.absurdSize, start, header.displayName, "extension header of \(header.size) bytes (limit \(Self.maximumExtensionSize))")
                }
                guard contentOffset + header.size <= region.count else {
                    throw error(.truncated, start, header.displayName, "extension header needs \(header.size) bytes, \(region.count - contentOffset) remain")
                }
                let data = try readBytes(count: Int(header.size), at: contentOffset)
                position = contentOffset + Self.padded(header.size)
                switch header.typeFlag {
                case UInt8(ascii: "x"):
                    do { local.append(contentsOf: try PAXRecords.parse(data)) } catch {
                        throw self.error(.invalidPAXRecord, start, nil, error.message)
                    }
                case UInt8(ascii: "g"):
                    do {
                        for record in try PAXRecords.parse(data) {
                            globalRecords.removeAll { $0.key == record.key }
                            if !record.value.isEmpty { globalRecords.append(record) }
                        }
                    } catch {
                        throw self.error(.invalidPAXRecord, start, nil, "global header: " + error.message)
                    }
                case UInt8(ascii: "L"):
                    longName = Array(data.prefix { $0 != 0 })
                default:
                    longLink = Array(data.prefix { $0 != 0 })
                }
                continue
            default:
                break
            }
            var entry = try makeEntry(header, local: local, longName: longName, longLink: longLink, start: start)
            // Entries of one archive mostly share their user and group names: share the storage.
            if entry.userName == lastUserName { entry.userName = lastUserName } else { lastUserName = entry.userName }
            if entry.groupName == lastGroupName { entry.groupName = lastGroupName } else { lastGroupName = entry.groupName }
            let contentSize = entry.kind == .regular ? entry.size : 0
            if entry.kind != .regular { entry.size = 0 }
            guard contentSize <= region.count else {
                throw error(.absurdSize, start, entry.name.description, "size \(contentSize) is larger than the whole archive (\(region.count) bytes)")
            }
            guard contentOffset + contentSize <= region.count else {
                throw error(.truncated, start, entry.name.description, "content of \(contentSize) bytes needs \(contentOffset + contentSize - region.count) more bytes than the archive has")
            }
            position = contentOffset + Self.padded(contentSize)
            if position > region.count { position = region.count }  // final padding may be missing
            return Record(entry: entry, headerOffset: start, contentOffset: contentOffset)
        }
    }

    private static let interpretedKeys: Set<ByteString> = [
        PAXRecord.pathKey, PAXRecord.linkPathKey, PAXRecord.sizeKey, PAXRecord.uidKey, PAXRecord.gidKey,
        PAXRecord.userNameKey, PAXRecord.groupNameKey, PAXRecord.mtimeKey,
    ]

    /// Whether `region` ends with tar's end-of-archive marker, two 512-byte blocks of zeros.
    /// Every complete archive a tar writer closes has it; one whose stream stopped early lacks
    /// it, unless the cut happened to fall after 1024 zero bytes of content.
    public static func endsWithEndOfArchiveMarker(_ region: FileRegion) throws -> Bool {
        let marker = TarWriter.endOfArchive.count
        guard region.count >= Int64(marker) else { return false }
        let tail = try region.read(count: marker, at: region.count - Int64(marker))
        return tail.count == marker && tail.allSatisfy { $0 == 0 }
    }

    /// Rounds a content size up to whole 512-byte blocks.
    public static func padded(_ size: Int64) -> Int64 { (size + 511) & ~511 }

    // MARK: Private

    private struct RawHeader {
        var name: [UInt8]
        var mode: Int64
        var uid: Int64
        var gid: Int64
        var size: Int64
        var mtime: Int64
        var typeFlag: UInt8
        var linkName: [UInt8]
        var userName: [UInt8]
        var groupName: [UInt8]
        var deviceMajor: Int64
        var deviceMinor: Int64
        var displayName: String { String(decoding: name, as: UTF8.self) }
    }

    private mutating func readRegion(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        do { return try window.read(into: buffer, at: offset) } catch let e as FileAccessError {
            throw error(.ioFailure, offset, nil, e.description)
        }
    }

    private mutating func readBytes(count: Int, at offset: Int64) throws -> [UInt8] {
        var data = [UInt8](repeating: 0, count: count)
        let n = try data.withUnsafeMutableBytes { try readRegion(into: $0, at: offset) }
        bytesRead += Int64(n)
        guard n == count else { throw error(.truncated, offset, nil, "short read") }
        return data
    }

    private func error(_ code: TarError.Code, _ offset: Int64, _ entry: String?, _ detail: String) -> TarError {
        TarError(code, source: source, entry: entry, offset: offset, detail: detail)
    }

    private static func cString(_ block: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        let field = block[range]
        let end = field.firstIndex(of: 0) ?? range.upperBound
        return Array(block[range.lowerBound..<end])
    }

    private func parseBlock(_ block: UnsafeRawBufferPointer, start: Int64) throws -> RawHeader {
        var name = Self.cString(block, 0..<100)
        let display = String(decoding: name, as: UTF8.self)
        // Checksum: the sum of all bytes with the checksum field read as spaces. Some old
        // writers summed signed bytes; both are accepted.
        let stored: Int64
        do { stored = try TarNumericField.parse(UnsafeRawBufferPointer(rebasing: block[148..<156])) } catch {
            throw self.error(.invalidNumericField, start, display, "checksum field \"\(TarNumericField.show(UnsafeRawBufferPointer(rebasing: block[148..<156])))\" is not octal")
        }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for i in 0..<512 {
            let b = (148..<156).contains(i) ? UInt8(0x20) : block[i]
            unsigned += Int64(b)
            signed += Int64(Int8(bitPattern: b))
        }
        guard stored == unsigned || stored == signed else {
            throw error(.badChecksum, start, display, "header checksum \(stored) does not match computed \(unsigned)")
        }
        func number(_ field: String, _ range: Range<Int>) throws -> Int64 {
            let bytes = UnsafeRawBufferPointer(rebasing: block[range])
            do { return try TarNumericField.parse(bytes) } catch {
                throw self.error(.invalidNumericField, start, display, "\(field) field \"\(TarNumericField.show(bytes))\" is not a number")
            }
        }
        let typeFlag = block[156]
        let magic = Array(block[257..<263])
        let version = Array(block[263..<265])
        let isUSTAR = magic == Array("ustar\0".utf8)
        let isGNU = magic == Array("ustar ".utf8) && version == [0x20, 0]
        if isUSTAR {
            let prefix = Self.cString(block, 345..<500)
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        let hasDevices = isUSTAR || isGNU
        return RawHeader(
            name: name,
            mode: try number("mode", 100..<108),
            uid: try number("uid", 108..<116),
            gid: try number("gid", 116..<124),
            size: try number("size", 124..<136),
            mtime: try number("mtime", 136..<148),
            typeFlag: typeFlag,
            linkName: Self.cString(block, 157..<257),
            userName: (isUSTAR || isGNU) ? Self.cString(block, 265..<297) : [],
            groupName: (isUSTAR || isGNU) ? Self.cString(block, 297..<329) : [],
            deviceMajor: hasDevices && (typeFlag == UInt8(ascii: "3") || typeFlag == UInt8(ascii: "4")) ? try number("devmajor", 329..<337) : 0,
            deviceMinor: hasDevices && (typeFlag == UInt8(ascii: "3") || typeFlag == UInt8(ascii: "4")) ? try number("devminor", 337..<345) : 0
        )
    }

    private func makeEntry(_ header: RawHeader, local: [PAXRecord], longName: [UInt8]?, longLink: [UInt8]?, start: Int64) throws -> TarEntry {
        var name = ByteString(longName ?? header.name)
        let kind: TarEntry.Kind
        switch header.typeFlag {
        case UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .regular
        case 0: kind = name.bytes.last == UInt8(ascii: "/") ? .directory : .regular  // v7 directories
        case UInt8(ascii: "1"): kind = .hardLink
        case UInt8(ascii: "2"): kind = .symbolicLink
        case UInt8(ascii: "3"): kind = .characterDevice
        case UInt8(ascii: "4"): kind = .blockDevice
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "6"): kind = .fifo
        default:
            let flag = header.typeFlag >= 0x20 && header.typeFlag < 0x7f ? "'\(Character(Unicode.Scalar(header.typeFlag)))'" : "0x\(String(header.typeFlag, radix: 16))"
            throw error(.unsupportedEntryType, start, name.description, "type flag \(flag) (GNU sparse, multi-volume and vendor types are not supported)")
        }
        var entry = TarEntry(
            name: name, kind: kind, mode: header.mode, uid: header.uid, gid: header.gid,
            userName: ByteString(header.userName), groupName: ByteString(header.groupName),
            size: header.size, modificationTime: TarTimestamp(seconds: header.mtime),
            linkName: ByteString(longLink ?? header.linkName),
            deviceMajor: header.deviceMajor, deviceMinor: header.deviceMinor
        )
        func decimal(_ record: PAXRecord) throws -> Int64 {
            let v = record.value.bytes
            guard !v.isEmpty, v.count <= 19, v.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = Int64(String(decoding: v, as: UTF8.self)) else {
                throw error(.invalidPAXRecord, start, name.description, "\(record.key) value \"\(record.value)\" is not a non-negative decimal number")
            }
            return n
        }
        // Globals first, then the entry's own records; an empty local value cancels a global.
        var effective: [PAXRecord] = []
        for g in globalRecords where g.key != PAXRecord.pathKey && g.key != PAXRecord.linkPathKey && g.key != PAXRecord.sizeKey {
            if !local.contains(where: { $0.key == g.key }) { effective.append(g) }
        }
        effective.append(contentsOf: local)
        for record in effective {
            let key = record.key
            if key.hasPrefix(PAXRecord.xattrPrefix) {
                let attr = ByteString(bytes: key.bytes.dropFirst(PAXRecord.xattrPrefix.count))
                entry.extendedAttributes.removeAll { $0.name == attr }
                entry.extendedAttributes.append(ExtendedAttribute(name: attr, value: record.value.bytes))
                continue
            }
            if key.hasPrefix(PAXRecord.sparsePrefix) {
                throw error(.unsupportedEntryType, start, name.description, "GNU sparse file (PAX \(key))")
            }
            if record.value.isEmpty {
                // An empty value deletes the keyword (POSIX): the ustar field stands. Unknown
                // keys keep their empty record.
                if !Self.interpretedKeys.contains(key) {
                    entry.paxRecords.removeAll { $0.key == key }
                    entry.paxRecords.append(record)
                }
                continue
            }
            switch key {
            case PAXRecord.pathKey: name = record.value; entry.name = name
            case PAXRecord.linkPathKey: entry.linkName = record.value
            case PAXRecord.sizeKey: entry.size = try decimal(record)
            case PAXRecord.uidKey: entry.uid = try decimal(record)
            case PAXRecord.gidKey: entry.gid = try decimal(record)
            case PAXRecord.userNameKey: entry.userName = record.value
            case PAXRecord.groupNameKey: entry.groupName = record.value
            case PAXRecord.mtimeKey:
                guard let text = record.value.string, let t = TarTimestamp(paxText: text) else {
                    throw error(.invalidPAXRecord, start, name.description, "mtime value \"\(record.value)\" is not a decimal time")
                }
                entry.modificationTime = t
            default:
                entry.paxRecords.removeAll { $0.key == key }
                entry.paxRecords.append(record)
            }
        }
        if entry.kind == .regular && header.typeFlag == 0 && entry.name.bytes.last == UInt8(ascii: "/") {
            entry.kind = .directory
        }
        if entry.name.isEmpty {
            throw error(.invalidPAXRecord, start, nil, "entry has an empty name")
        }
        return entry
    }
}
