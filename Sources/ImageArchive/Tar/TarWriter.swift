/// Encodes ``TarEntry`` values as tar headers.
///
/// An entry is written as a single ustar block when every field fits; otherwise a PAX extended
/// header (`x`) carrying only the fields that do not fit precedes it: names longer than 100
/// bytes that cannot be split into ustar's prefix and name, link names over 100 bytes, user or
/// group names over 32 bytes, ids over 2097151, sizes of 8 GiB and more, mtimes with fractions
/// or outside the octal range, device numbers over 2097151, extended attributes and unknown PAX
/// records. The encoding is deterministic, and ``encodedSize(of:)`` gives its exact length
/// (headers plus padded content) without building it.
///
/// `TarWriter` itself also builds small archives in memory (tests, fixtures); large archives are
/// streamed by their producers with ``encodeHeader(_:)``.
public struct TarWriter: Sendable {
    /// The two zero blocks that end an archive.
    public static let endOfArchive = [UInt8](repeating: 0, count: 1024)

    /// The archive built so far by ``append(_:contents:)``.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends an entry and its content (which must be `entry.size` bytes for regular files).
    public mutating func append(_ entry: TarEntry, contents: [UInt8] = []) throws {
        var entry = entry
        if entry.kind == .regular && entry.size != Int64(contents.count) {
            if entry.size == 0 { entry.size = Int64(contents.count) } else {
                throw TarError(.unencodable, entry: entry.name.description, offset: Int64(bytes.count), detail: "size \(entry.size) but \(contents.count) content bytes given")
            }
        }
        if entry.kind != .regular && !contents.isEmpty {
            throw TarError(.unencodable, entry: entry.name.description, offset: Int64(bytes.count), detail: "only regular files have content")
        }
        bytes += try Self.encodeHeader(entry)
        bytes += contents
        bytes += [UInt8](repeating: 0, count: Self.paddingCount(forContentSize: Int64(contents.count)))
    }

    /// Appends the end-of-archive blocks and returns the archive.
    public mutating func finish() -> [UInt8] {
        bytes += Self.endOfArchive
        return bytes
    }

    /// Zero bytes that follow content of `size` bytes to fill its last block.
    public static func paddingCount(forContentSize size: Int64) -> Int {
        Int(TarReader.padded(size) - size)
    }

    /// The exact number of bytes the entry takes: its header blocks plus its padded content.
    public static func encodedSize(of entry: TarEntry) throws -> Int64 {
        try validate(entry)
        let pax = try paxData(for: entry)
        let headers: Int64 = pax.isEmpty ? 512 : 512 + TarReader.padded(Int64(pax.count)) + 512
        return headers + (entry.kind == .regular ? TarReader.padded(entry.size) : 0)
    }

    /// The header blocks for `entry`: a PAX extended header when needed, then the ustar block.
    public static func encodeHeader(_ entry: TarEntry) throws -> [UInt8] {
        try validate(entry)
        let pax = try paxData(for: entry)
        var out: [UInt8] = []
        out.reserveCapacity(pax.isEmpty ? 512 : 1536 + pax.count)
        if !pax.isEmpty {
            // The extended header's own name is fixed so the output is deterministic.
            let paxEntry = TarEntry(name: "././@PaxHeader", kind: .regular, mode: 0o644, size: Int64(pax.count))
            out += ustarBlock(for: paxEntry, typeFlag: UInt8(ascii: "x"))
            out += pax
            out += [UInt8](repeating: 0, count: paddingCount(forContentSize: Int64(pax.count)))
        }
        out += ustarBlock(for: entry, typeFlag: entry.kind.typeFlag)
        return out
    }

    // MARK: Field fitting

    private static let maxID = TarNumericField.maxOctal(width: 8)
    private static let maxSize = TarNumericField.maxOctal(width: 12)

    private static func validate(_ entry: TarEntry) throws {
        func fail(_ detail: String) -> TarError {
            TarError(.unencodable, entry: entry.name.description, offset: 0, detail: detail)
        }
        if entry.name.isEmpty { throw fail("empty name") }
        if entry.name.bytes.contains(0) { throw fail("NUL byte in name") }
        if entry.linkName.bytes.contains(0) { throw fail("NUL byte in link name") }
        if entry.size < 0 || entry.size > Int64.max / 2 { throw fail("size \(entry.size) out of range") }
        if entry.kind != .regular && entry.size != 0 { throw fail("\(entry.kind) entry with size \(entry.size)") }
        if entry.uid < 0 || entry.gid < 0 { throw fail("negative uid/gid") }
        if entry.mode < 0 || entry.mode > maxID { throw fail("mode \(entry.mode) out of range") }
        if entry.deviceMajor < 0 || entry.deviceMinor < 0 { throw fail("negative device number") }
        for record in entry.paxRecords where record.key.bytes.contains(UInt8(ascii: "=")) || record.key.isEmpty {
            throw fail("PAX key \"\(record.key)\" is empty or contains '='")
        }
    }

    /// Splits a name into ustar prefix and name, if it fits that way.
    private static func splitName(_ name: [UInt8]) -> (prefix: ArraySlice<UInt8>, name: ArraySlice<UInt8>)? {
        if name.count <= 100 { return ([], name[...]) }
        if name.count > 256 { return nil }
        // The separator must leave at most 155 bytes before it and 1...100 after it.
        var i = min(name.count - 1, 155)
        while i > 0 {
            if name[i] == UInt8(ascii: "/") {
                let rest = name.count - i - 1
                if rest == 0 { i -= 1; continue }
                if rest > 100 { return nil }
                return (name[..<i], name[(i + 1)...])
            }
            i -= 1
        }
        return nil
    }

    private static func fitsOctal(_ value: Int64, width: Int) -> Bool {
        value >= 0 && value <= TarNumericField.maxOctal(width: width)
    }

    /// The PAX data an entry needs (empty when plain ustar suffices).
    static func paxData(for entry: TarEntry) throws -> [UInt8] {
        var out: [UInt8] = []
        if splitName(entry.name.bytes) == nil { PAXRecords.encode(key: Array("path".utf8), value: entry.name.bytes, into: &out) }
        if entry.linkName.count > 100 { PAXRecords.encode(key: Array("linkpath".utf8), value: entry.linkName.bytes, into: &out) }
        if entry.kind == .regular && entry.size > maxSize { PAXRecords.encode(key: Array("size".utf8), value: Array(String(entry.size).utf8), into: &out) }
        if entry.uid > maxID { PAXRecords.encode(key: Array("uid".utf8), value: Array(String(entry.uid).utf8), into: &out) }
        if entry.gid > maxID { PAXRecords.encode(key: Array("gid".utf8), value: Array(String(entry.gid).utf8), into: &out) }
        if entry.userName.count > 32 { PAXRecords.encode(key: Array("uname".utf8), value: entry.userName.bytes, into: &out) }
        if entry.groupName.count > 32 { PAXRecords.encode(key: Array("gname".utf8), value: entry.groupName.bytes, into: &out) }
        let t = entry.modificationTime
        if t.nanoseconds != 0 || !fitsOctal(t.seconds, width: 12) {
            PAXRecords.encode(key: Array("mtime".utf8), value: Array(t.paxText.utf8), into: &out)
        }
        if entry.deviceMajor > maxID || entry.deviceMinor > maxID {
            // PAX has no standard keyword for device numbers; base-256 covers them instead.
        }
        for attr in entry.extendedAttributes {
            PAXRecords.encode(key: PAXRecord.xattrPrefix.bytes + attr.name.bytes, value: attr.value, into: &out)
        }
        for record in entry.paxRecords {
            PAXRecords.encode(key: record.key.bytes, value: record.value.bytes, into: &out)
        }
        return out
    }

    private static func ustarBlock(for entry: TarEntry, typeFlag: UInt8) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        block.withUnsafeMutableBytes { b in
            func put(_ bytes: some Collection<UInt8>, at offset: Int, width: Int) {
                for (i, byte) in bytes.prefix(width).enumerated() { b[offset + i] = byte }
            }
            func number(_ value: Int64, at offset: Int, width: Int) {
                if fitsOctal(value, width: width) {
                    TarNumericField.writeOctal(value, into: b, at: offset, width: width)
                } else if value >= 0 {
                    // Base-256 keeps the field meaningful for readers without PAX support.
                    var v = value
                    for i in stride(from: offset + width - 1, to: offset, by: -1) { b[i] = UInt8(v & 0xff); v >>= 8 }
                    b[offset] = 0x80
                }
            }
            if let split = splitName(entry.name.bytes) {
                put(split.name, at: 0, width: 100)
                put(split.prefix, at: 345, width: 155)
            } else {
                put(entry.name.bytes, at: 0, width: 100)
            }
            number(entry.mode, at: 100, width: 8)
            number(entry.uid, at: 108, width: 8)
            number(entry.gid, at: 116, width: 8)
            number(entry.kind == .regular ? entry.size : 0, at: 124, width: 12)
            number(max(0, entry.modificationTime.seconds), at: 136, width: 12)
            b[156] = typeFlag
            put(entry.linkName.bytes, at: 157, width: 100)
            put("ustar\0".utf8, at: 257, width: 6)
            put("00".utf8, at: 263, width: 2)
            put(entry.userName.bytes, at: 265, width: 32)
            put(entry.groupName.bytes, at: 297, width: 32)
            if entry.kind == .characterDevice || entry.kind == .blockDevice {
                number(entry.deviceMajor, at: 329, width: 8)
                number(entry.deviceMinor, at: 337, width: 8)
            }
            // Checksum: computed with the field as spaces, written as 6 octal digits, NUL, space.
            for i in 148..<156 { b[i] = 0x20 }
            var sum: Int64 = 0
            for i in 0..<512 { sum += Int64(b[i]) }
            TarNumericField.writeOctal(sum, into: b, at: 148, width: 7)
            b[155] = 0x20
        }
        return block
    }
}
