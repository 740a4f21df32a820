import Foundation
import Testing
@testable import ImageArchive

@Suite("Tar round trip")
struct TarRoundTripTests {
    /// Writes entries with TarWriter, reads them back with TarReader, and checks every field and
    /// every content byte survived, and that encodedSize predicted the exact bytes.
    func roundTrip(_ items: [Item]) throws -> [OutputEntry] {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bytes = try tarBytes(items)
        var predicted: Int64 = 1024
        for item in items { predicted += try TarWriter.encodedSize(of: item.entry) }
        #expect(Int64(bytes.count) == predicted)
        let read = try readTar(bytes, in: dir)
        #expect(read.count == items.count)
        for (item, out) in zip(items, read) {
            #expect(out.entry == item.entry)
            #expect(out.content == item.content)
        }
        return read
    }

    @Test func plainUSTAR() throws {
        let items: [Item] = [
            .dir("etc"), .file("etc/passwd", "root:x:0:0\n", mode: 0o600, uid: 1, gid: 2),
            .symlink("etc/link", to: "../nowhere/.."), .link("etc/hard", to: "etc/passwd"),
        ]
        _ = try roundTrip(items)
        // Plain entries need no PAX header: one block each.
        #expect(try TarWriter.encodedSize(of: items[0].entry) == 512)
    }

    @Test func longNamesSplitIntoPrefixOrUsePAX() throws {
        let splittable = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90)
        let unsplittable = String(repeating: "x", count: 150)
        let veryLong = (0..<40).map { _ in "component" }.joined(separator: "/")
        let items: [Item] = [.file(splittable, "a"), .file(unsplittable, "b"), .file(veryLong, "c"),
                             .link(String(repeating: "l", count: 130), to: veryLong),
                             .symlink("s", to: String(repeating: "t/", count: 100))]
        _ = try roundTrip(items)
        #expect(try TarWriter.encodedSize(of: items[0].entry) == 1024)  // ustar prefix, no PAX
        #expect(try TarWriter.encodeHeader(items[1].entry).count > 512)   // PAX path
    }

    @Test func bigIDsNamesAndDevices() throws {
        var e = TarEntry(name: "dev/odd", kind: .characterDevice, mode: 0o620, uid: 3_000_000, gid: 4_294_967_294,
                         userName: ByteString(String(repeating: "u", count: 40)), groupName: "tty",
                         deviceMajor: 5, deviceMinor: 1)
        var block = TarEntry(name: "dev/sda", kind: .blockDevice, mode: 0o660, deviceMajor: 8, deviceMinor: 3_000_000)
        let fifo = TarEntry(name: "run/fifo", kind: .fifo, mode: 0o000)
        e.modificationTime = TarTimestamp(seconds: 1, nanoseconds: 5)
        block.modificationTime = TarTimestamp(seconds: -1, nanoseconds: 500_000_000)
        _ = try roundTrip([.raw(e), .raw(block), .raw(fifo)])
    }

    @Test func modesAndSpecialBits() throws {
        let items = [0o4755, 0o2755, 0o1777, 0o7777, 0o000].map { mode in
            Item.file("m\(mode)", "x", mode: Int64(mode))
        }
        _ = try roundTrip(items)
    }

    @Test func fractionalAndNegativeTimes() throws {
        for (s, n, text) in [(Int64(1_700_000_000), Int32(123_456_789), "1700000000.123456789"), (0, 500_000_000, "0.5"), (-2, 500_000_000, "-1.5"), (-5, 0, "-5"), (8_589_934_592, 0, "8589934592")] {
            let t = TarTimestamp(seconds: s, nanoseconds: n)
            #expect(t.paxText == text)
            #expect(TarTimestamp(paxText: text) == t)
            _ = try roundTrip([.raw(TarEntry(name: "t", kind: .regular, modificationTime: t))])
        }
        #expect(TarTimestamp(paxText: "1.") == nil)
        #expect(TarTimestamp(paxText: "abc") == nil)
        #expect(TarTimestamp(paxText: "1.1234567891")?.nanoseconds == 123_456_789)
    }

    @Test func binaryXattrsAndUnknownRecordsSurvive() throws {
        let capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        let entry = TarEntry(name: "bin/ping", kind: .regular, mode: 0o755,
                             extendedAttributes: [ExtendedAttribute(name: "security.capability", value: capability),
                                                  ExtendedAttribute(name: "user.newline", value: Array("a\nb=c\0".utf8))],
                             paxRecords: [PAXRecord(key: "atime", value: "1700000000.25"), PAXRecord(key: "VENDOR.key", value: "v a l")])
        let read = try roundTrip([.raw(entry, Array("ELF".utf8)).withSize()])
        #expect(read[0].entry.extendedAttributes[0].value == capability)
    }

    @Test func oddNamesAreKeptBytewise() throws {
        let names: [ByteString] = ["with space", "tab\there", "new\nline", "-leading-dash", "A", "a", "ünïcödé/日本",
                                   ByteString([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9])]  // invalid UTF-8 (Latin-1 é)
        _ = try roundTrip(names.map { Item.raw(TarEntry(name: $0, kind: .regular)) })
    }

    @Test func sizesBeyondOctalUsePAXAndSparseFilesRead() throws {
        // A 9 GiB entry: header from the writer, content as a hole in a sparse file.
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let size: Int64 = 9 << 30
        let entry = TarEntry(name: "huge.bin", kind: .regular, size: size)
        let header = try TarWriter.encodeHeader(entry)
        #expect(try TarWriter.encodedSize(of: entry) == Int64(header.count) + size)
        let path = try dir.write(header, to: "huge.tar")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(header.count) + UInt64(size) + 1024)
        try handle.close()
        var reader = TarReader(region: FileRegion(file: try RandomAccessFile(path: path)))
        let record = try #require(try reader.next())
        #expect(record.entry.size == size)
        #expect(record.contentOffset == Int64(header.count))
        #expect(try reader.next() == nil)
        #expect(reader.bytesRead < 4096)  // the content was skipped, not read
    }

    @Test func readsGNULongNamesBase256AndGlobalHeaders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let longName = String(repeating: "g", count: 300)
        let longLink = String(repeating: "k", count: 200)
        var bytes: [UInt8] = []
        // Global PAX header: uname default for every later entry; path is ignored when global.
        bytes += rawHeader(name: "pax_global_header", type: "g", size: 0, extra: paxRecords(["uname": "globaluser", "path": "ignored", "SCHILY.xattr.user.g": "1"]))
        bytes += rawHeader(name: "././@LongLink", type: "L", size: 0, extra: Array(longName.utf8) + [0], magic: "ustar  \0")
        bytes += rawHeader(name: "././@LongLink", type: "K", size: 0, extra: Array(longLink.utf8) + [0], magic: "ustar  \0")
        bytes += rawHeader(name: "short", type: "1", size: 0, magic: "ustar  \0")
        bytes += rawHeader(name: "b256", type: "0", size: 0, uidField: [0x80, 0, 0, 0, 0, 0x01, 0x00, 0x00])  // uid 65536 in base-256
        bytes += rawHeader(name: "own", type: "0", size: 0, extraPAX: paxRecords(["uname": "", "SCHILY.xattr.user.own": "2"]))
        bytes += [UInt8](repeating: 0, count: 1024)
        let read = try readTar(bytes, in: dir)
        #expect(read.count == 3)
        #expect(read[0].entry.name.description == longName)
        #expect(read[0].entry.linkName.description == longLink)
        #expect(read[0].entry.kind == .hardLink)
        #expect(read[0].entry.userName == "globaluser")
        #expect(read[1].entry.uid == 65536)
        #expect(read[1].entry.extendedAttributes == [ExtendedAttribute(name: "user.g", value: Array("1".utf8))])
        #expect(read[2].entry.userName.isEmpty)
        #expect(read[2].entry.extendedAttributes.map(\.name) == ["user.g", "user.own"])
    }

    @Test func numericFieldParsing() throws {
        func parse(_ bytes: [UInt8]) throws -> Int64 { try bytes.withUnsafeBytes { try TarNumericField.parse($0) } }
        #expect(try parse(Array("0000644\0".utf8)) == 0o644)
        #expect(try parse(Array("  644 \0".utf8)) == 0o644)
        #expect(try parse(Array("\0\0\0\0".utf8)) == 0)
        #expect(try parse([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) == -1)
        #expect(try parse([0x80, 0, 0, 0, 0, 0, 0, 0x2a]) == 42)
        #expect(throws: (any Error).self) { try parse(Array("12a4\0".utf8)) }
        #expect(throws: (any Error).self) { try parse(Array("9\0".utf8)) }
    }
}

extension Item {
    func withSize() -> Item { var c = self; c.entry.size = Int64(content.count); return c }
}

/// PAX data for a header made by hand.
func paxRecords(_ records: KeyValuePairs<String, String>) -> [UInt8] {
    var out: [UInt8] = []
    for (k, v) in records { PAXRecords.encode(key: Array(k.utf8), value: Array(v.utf8), into: &out) }
    return out
}

/// A header block (plus `extra` as its data) built by hand, for layouts TarWriter never emits.
func rawHeader(name: String, type: Character, size: Int64, extra: [UInt8] = [], extraPAX: [UInt8]? = nil,
               magic: String = "ustar\0", uidField: [UInt8]? = nil, checksumDelta: Int = 0) -> [UInt8] {
    var out: [UInt8] = []
    if let extraPAX {
        out += rawHeader(name: "PaxHeaders/\(name)", type: "x", size: 0, extra: extraPAX)
    }
    var block = [UInt8](repeating: 0, count: 512)
    let dataSize = extra.isEmpty ? size : Int64(extra.count)
    func put(_ s: [UInt8], _ at: Int) { for (i, b) in s.enumerated() { block[at + i] = b } }
    put(Array(name.utf8.prefix(100)), 0)
    put(Array("0000644\0".utf8), 100)
    put(uidField ?? Array("0000000\0".utf8), 108)
    put(Array("0000000\0".utf8), 116)
    put(Array((String(repeating: "0", count: 11 - String(dataSize, radix: 8).count) + String(dataSize, radix: 8) + "\0").utf8), 124)
    put(Array("14000000000\0".utf8), 136)
    block[156] = type.asciiValue!
    put(Array(magic.utf8), 257)
    if magic == "ustar\0" { put(Array("00".utf8), 263) }
    for i in 148..<156 { block[i] = 0x20 }
    let sum = block.reduce(0) { $0 + Int($1) } + checksumDelta
    put(Array((String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8) + "\0 ").utf8), 148)
    out += block
    out += extra
    out += [UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: Int64(extra.count)))
    return out
}
