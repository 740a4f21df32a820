import Foundation
import Testing
@testable import ImageArchive

/// The merge's packed tables, without I/O: what goes in comes out exactly.
@Suite("Merge tables")
struct MergeTablesTests {
    /// The tables in memory, and mapped from temporary files under a budget so small that
    /// every check drops their pages.
    static let memories = ["memory", "spilled"]

    private static func space(_ kind: String, in dir: TemporaryDirectory) -> TableSpace {
        TableSpace(memory: kind == "memory" ? .unlimited : MergeMemory(budget: 1, directory: dir.path))
    }

    private func child(_ tree: inout FileTree, _ parent: UInt32, _ name: String, create: Bool = true) throws -> UInt32? {
        try Array(name.utf8).withUnsafeBufferPointer { try tree.child(of: parent, named: $0, create: create) }
    }

    @Test(arguments: memories)
    func treeFindsEveryPathAfterTheIndexGrows(memory: String) throws {
        let work = try TemporaryDirectory(); defer { work.cleanup() }
        let space = Self.space(memory, in: work)
        var tree = try FileTree(space: space)
        let dir = try #require(try child(&tree, FileTree.root, "usr"))
        var nodes: [UInt32] = []
        for i in 0..<5000 { nodes.append(try #require(try child(&tree, dir, "file\(i)"))) }
        space.enforceBudget()
        // The index grew several times: every name still finds its own node, and only it.
        for i in 0..<5000 {
            #expect(try child(&tree, dir, "file\(i)", create: false) == nodes[i])
            #expect(String(decoding: tree.path(of: nodes[i]), as: UTF8.self) == "usr/file\(i)")
        }
        #expect(try child(&tree, dir, "file5000", create: false) == nil)
        #expect(try child(&tree, FileTree.root, "file1", create: false) == nil, "the same name under another parent is another path")
        #expect(tree.count == 5002)
    }

    @Test func removingASubtreeLeavesSiblingsAndAllowsReuse() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var tree = try FileTree(space: Self.space("memory", in: dir))
        let a = try #require(try child(&tree, FileTree.root, "a"))
        let b = try #require(try child(&tree, a, "b"))
        let c = try #require(try child(&tree, b, "c"))
        let d = try #require(try child(&tree, a, "d"))
        tree.create(a, content: FileTree.implicit, isDirectory: true)
        tree.create(b, content: 1, isDirectory: true)
        tree.create(c, content: 2, isDirectory: false)
        tree.create(d, content: 3, isDirectory: false)
        tree.remove(subtreeOf: b)
        #expect(!tree[b].isPresent && !tree[c].isPresent)
        #expect(tree[a].isPresent && tree[d].isPresent)
        // The path comes back as the same node, and nothing below it comes back with it.
        #expect(try child(&tree, a, "b") == b)
        tree.create(b, content: 4, isDirectory: true)
        #expect(tree[b].isPresent && tree[b].hidesLower && !tree[c].isPresent)
        var present: [UInt32] = []
        tree.forEachPresent(inSubtreeOf: a) { present.append($0) }
        #expect(Set(present) == [a, b, d])
    }

    @Test func siblingsOrderBytewise() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        var tree = try FileTree(space: Self.space("memory", in: dir))
        let names = ["b", "a", "ab", "", "\u{e9}", "B", "a\u{0}"]
        var nodes: [UInt32] = []
        for name in names { nodes.append(try #require(try child(&tree, FileTree.root, name))) }
        let sorted = nodes.sorted(by: tree.nameLess).map { tree.name(of: $0) }
        #expect(sorted == names.map { ByteString($0) }.sorted())
    }

    @Test(arguments: memories)
    func recordsComeBackExactly(memory: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let space = Self.space(memory, in: dir)
        var table = try RecordTable(space: space)
        let entries: [TarReader.Record] = [
            .init(entry: TarEntry(name: "a", kind: .regular, mode: 0o4755, uid: 0, gid: 0, size: 12, modificationTime: TarTimestamp(seconds: 1_700_000_000, nanoseconds: 5)), headerOffset: 0, contentOffset: 512),
            .init(entry: TarEntry(name: "b", kind: .symbolicLink, mode: 0o777, uid: 1 << 40, gid: 65534, userName: "root", groupName: "nogroup", modificationTime: TarTimestamp(seconds: -86_400, nanoseconds: 999_999_999), linkName: "../x"), headerOffset: 1024, contentOffset: 3072),
            .init(entry: TarEntry(name: "c", kind: .characterDevice, mode: 0o600, deviceMajor: 1, deviceMinor: 3), headerOffset: 1 << 40, contentOffset: (1 << 40) + 512),
            .init(entry: TarEntry(name: "d", kind: .directory, mode: 0o755, userName: "root", groupName: "root",
                                  extendedAttributes: [ExtendedAttribute(name: "security.capability", value: [0, 1, 2, 255])],
                                  paxRecords: [PAXRecord(key: "atime", value: "1.5")]), headerOffset: 4096, contentOffset: 5120),
            .init(entry: TarEntry(name: "e", kind: .regular, size: Int64.max / 2), headerOffset: 6000, contentOffset: 6512),
        ]
        var ids: [UInt32] = []
        for (layer, record) in entries.enumerated() { ids.append(try table.append(record, layer: layer)) }
        space.enforceBudget()
        for (layer, (id, record)) in zip(ids, entries).enumerated() {
            let back = table[id]
            var expected = record.entry
            expected.name = .empty
            #expect(back.entry == expected)
            #expect(back.layer == layer)
            #expect(back.headerOffset == record.headerOffset && back.contentOffset == record.contentOffset)
            #expect(table.kind(id) == record.entry.kind && table.size(id) == record.entry.size)
        }
    }

    @Test(arguments: memories)
    func tablesKeepTheirValuesAcrossGrowthAndDroppedPages(memory: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanup() }
        let space = Self.space(memory, in: dir)
        let table: Table<UInt64> = try space.makeTable(name: "test")
        for i in 0..<600_000 {
            try table.append(UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
            space.tick()
        }
        for i in stride(from: 0, to: 600_000, by: 3) { table[i] = ~table[i] }
        space.enforceBudget()
        for i in 0..<600_000 {
            let value = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            if table[i] != (i % 3 == 0 ? ~value : value) {
                Issue.record("element \(i) changed")
                break
            }
        }
        if memory == "spilled" {
            #expect(space.trims > 0, "a budget of 1 byte drops the pages at every check")
            #expect(space.spilledBytes >= 600_000 * 8)
            // The files were unlinked when made: nothing is left in the directory, even now.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        } else {
            #expect(space.trims == 0 && space.spilledBytes == 0)
        }
    }
}
