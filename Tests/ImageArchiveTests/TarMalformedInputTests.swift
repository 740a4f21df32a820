import Foundation
import Testing
@testable import ImageArchive

@Suite("Tar malformed input")
struct TarMalformedInputTests {
    /// Reads `bytes` to the end, returning the TarError it must fail with.
    func failure(_ bytes: [UInt8]) throws -> TarError {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write(bytes, to: "bad.tar")
        var reader = TarReader(region: FileRegion(file: try RandomAccessFile(path: path)), source: "layer 7 (bad.tar)")
        do {
            while try reader.next() != nil {}
        } catch let error as TarError {
            return error
        }
        Issue.record("no error for malformed input")
        return TarError(.ioFailure, offset: -1, detail: "none")
    }

    let good = try! tarBytes([.file("first", "hello"), .file("second/file", "world")])

    @Test func badChecksumNamesEntryAndOffset() throws {
        var bytes = good
        bytes[1024 + 10] ^= 0x01  // second entry's name byte
        let error = try failure(bytes)
        #expect(error.code == .badChecksum)
        #expect(error.offset == 1024)
        #expect(error.entry == "second/fild")
        #expect(error.description.contains("layer 7 (bad.tar)"))
        #expect(error.description.contains("offset 1024"))
    }

    @Test func truncatedHeader() throws {
        let error = try failure(Array(good[..<(1024 + 300)]))
        #expect(error.code == .truncated)
        #expect(error.offset == 1024)
    }

    @Test func truncatedContent() throws {
        let error = try failure(Array(good[..<(1024 + 512 + 2)]))
        #expect(error.code == .truncated)
        #expect(error.entry == "second/file")
    }

    @Test func absurdSize() throws {
        var bytes = rawHeader(name: "big", type: "0", size: 0o77777777777)
        bytes += [UInt8](repeating: 0, count: 1024)
        let error = try failure(bytes)
        #expect(error.code == .absurdSize)
        #expect(error.entry == "big")
        // A PAX size beyond anything: also absurd, not a crash.
        var pax = rawHeader(name: "huge", type: "0", size: 0, extraPAX: paxRecords(["size": "9223372036854775807"]))
        pax += [UInt8](repeating: 0, count: 1024)
        #expect(try failure(pax).code == .absurdSize)
    }

    @Test func absurdExtensionHeader() throws {
        let bytes = rawHeader(name: "pax", type: "x", size: 50 << 20)
        let error = try failure(bytes)
        #expect(error.code == .absurdSize)
    }

    @Test func badPAXRecords() throws {
        for data in ["13 path=abc\n", "x path=abc\n", "11 pathabc\n", "12 path=abcX", "999 path=a\n", "5 =a\n"] {
            var bytes = rawHeader(name: "pax", type: "x", size: 0, extra: Array(data.utf8))
            bytes += rawHeader(name: "file", type: "0", size: 0)
            let error = try failure(bytes)
            #expect(error.code == .invalidPAXRecord, "\(data)")
        }
    }

    @Test func nonNumericPAXValues() throws {
        for record in [("uid", "12x"), ("size", "-1"), ("mtime", "soon"), ("gid", "")] where !record.1.isEmpty {
            var bytes = rawHeader(name: "f", type: "0", size: 0, extraPAX: paxRecords([record.0: record.1]))
            bytes += [UInt8](repeating: 0, count: 1024)
            let error = try failure(bytes)
            #expect(error.code == .invalidPAXRecord, "\(record)")
            #expect(error.entry == "f")
        }
    }

    @Test func nonNumericHeaderField() throws {
        var bytes = rawHeader(name: "f", type: "0", size: 0, uidField: Array("00x0000\0".utf8))
        bytes += [UInt8](repeating: 0, count: 1024)
        let error = try failure(bytes)
        #expect(error.code == .invalidNumericField)
        #expect(error.description.contains("uid"))
    }

    @Test func unsupportedTypes() throws {
        for type: Character in ["S", "M", "V"] {
            var bytes = rawHeader(name: "odd", type: type, size: 0)
            bytes += [UInt8](repeating: 0, count: 1024)
            #expect(try failure(bytes).code == .unsupportedEntryType)
        }
        var sparse = rawHeader(name: "s", type: "0", size: 0, extraPAX: paxRecords(["GNU.sparse.major": "1"]))
        sparse += [UInt8](repeating: 0, count: 1024)
        #expect(try failure(sparse).code == .unsupportedEntryType)
    }

    @Test func extensionHeaderWithoutEntry() throws {
        let bytes = rawHeader(name: "pax", type: "x", size: 0, extra: paxRecords(["path": "x"]))
        #expect(try failure(bytes).code == .truncated)
        #expect(try failure(bytes + [UInt8](repeating: 0, count: 1024)).code == .truncated)
    }

    @Test func missingEndBlocksAreAccepted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let read = try readTar(Array(good.dropLast(1024)), in: dir)
        #expect(read.map(\.text) == ["hello", "world"])
    }

    @Test func writerRefusesUnencodable() throws {
        #expect(throws: TarError.self) { try TarWriter.encodeHeader(TarEntry(name: "a\0b", kind: .regular)) }
        #expect(throws: TarError.self) { try TarWriter.encodeHeader(TarEntry(name: "d", kind: .directory, size: 3)) }
        #expect(throws: TarError.self) { try TarWriter.encodeHeader(TarEntry(name: "", kind: .regular)) }
    }
}

@Suite("Tar corruption")
struct TarCorruptionTests {
    /// Flips bytes of a valid archive at pseudo-random places: every read either succeeds or
    /// fails with a TarError; nothing traps, nothing hangs.
    @Test func randomCorruptionNeverCrashes() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let items: [Item] = [
            .dir("a"), .file("a/" + String(repeating: "n", count: 150), "long"), .link("l", to: "a/x"),
            .raw(TarEntry(name: "x", kind: .regular, uid: 5_000_000, size: 3, modificationTime: TarTimestamp(seconds: 1, nanoseconds: 7),
                          extendedAttributes: [ExtendedAttribute(name: "user.a", value: [0, 1, 2])]), [1, 2, 3]),
        ]
        let good = try tarBytes(items)
        var state: UInt64 = 0x1234_5678
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(Int.max))
        }
        var failures = 0
        for round in 0..<400 {
            var bytes = good
            for _ in 0..<(1 + round % 4) {
                bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
            }
            let path = try dir.write(bytes, to: "c\(round).tar")
            var reader = TarReader(region: FileRegion(file: try RandomAccessFile(path: path)), source: "corrupt")
            do {
                var count = 0
                while try reader.next() != nil { count += 1; if count > 100 { break } }
            } catch is TarError {
                failures += 1
            }
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(failures > 100)  // most corruptions hit a checksum
    }
}
