import Foundation
import ImageArchive
import Testing
@testable import Flattening

@Suite("tree snapshots and comparison")
struct TreeComparisonTests {
    static func snapshot(_ entries: [(TarEntry, String)]) throws -> FileTreeSnapshot {
        var writer = TarWriter()
        for (entry, content) in entries {
            var entry = entry
            if entry.kind == .regular { entry.size = Int64(content.utf8.count) }
            try writer.append(entry, contents: Array(content.utf8))
        }
        let path = NSTemporaryDirectory() + "/flatten-test-tree-\(FlattenJob.makeID()).tar"
        try Data(writer.finish()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try FileTreeSnapshot(tar: FileRegion(file: RandomAccessFile(path: path)), source: path)
    }

    static let time = TarTimestamp(seconds: 1_700_000_000)

    static func tree(keepMode: Int64 = 0o644, keepContent: String = "keep", linked: Bool = true, extra: Bool = false, hostsTime: Int64 = 1) throws -> FileTreeSnapshot {
        var entries: [(TarEntry, String)] = [
            (TarEntry(name: "./", kind: .directory, mode: 0o755, modificationTime: time), ""),
            (TarEntry(name: "etc/", kind: .directory, mode: 0o755, modificationTime: TarTimestamp(seconds: hostsTime)), ""),
            (TarEntry(name: "etc/hosts", kind: .regular, mode: 0o644, modificationTime: TarTimestamp(seconds: hostsTime)), ""),
            (TarEntry(name: "data/", kind: .directory, mode: 0o755, modificationTime: time), ""),
            (TarEntry(name: "data/keep", kind: .regular, mode: keepMode, modificationTime: time), keepContent),
            (TarEntry(name: "data/link", kind: .symbolicLink, mode: 0o777, modificationTime: time, linkName: "keep"), ""),
            (TarEntry(name: "data/a", kind: .regular, mode: 0o644, modificationTime: time,
                      extendedAttributes: [ExtendedAttribute(name: "security.capability", value: [1, 2, 3])]), "shared"),
        ]
        if linked {
            entries.append((TarEntry(name: "data/b", kind: .hardLink, mode: 0o644, modificationTime: time, linkName: "data/a"), ""))
        } else {
            entries.append((TarEntry(name: "data/b", kind: .regular, mode: 0o644, modificationTime: time), "shared"))
        }
        if extra {
            entries.append((TarEntry(name: "data/extra", kind: .regular, modificationTime: time), "x"))
        }
        return try snapshot(entries)
    }

    @Test("a hard link takes its file's content and both name the group")
    func hardLinkGroups() throws {
        let tree = try Self.tree()
        #expect(tree.entries["data/b"]?.kind == .regular)
        #expect(tree.entries["data/b"]?.contentDigest == tree.entries["data/a"]?.contentDigest)
        #expect(tree.entries["data/a"]?.hardLinks == ["data/b"])
        #expect(tree.entries["data/b"]?.hardLinks == ["data/a"])
        #expect(tree.entries[""]?.kind == .directory)
    }

    @Test("equal trees have no difference; engine init paths may differ in time only")
    func equalTrees() throws {
        #expect(TreeComparison.containerExports.differences(try Self.tree(), try Self.tree(hostsTime: 99)) == [])
        #expect(TreeComparison().differences(try Self.tree(), try Self.tree(hostsTime: 99)).map(\.path) == ["etc", "etc/hosts"])
    }

    @Test("mode, content, broken hard links and extra paths are all reported")
    func differences() throws {
        let comparison = TreeComparison.containerExports
        let mode = comparison.differences(try Self.tree(), try Self.tree(keepMode: 0o600))
        #expect(mode.map(\.description) == ["/data/keep: mode 0644 vs 0600"])
        let content = comparison.differences(try Self.tree(), try Self.tree(keepContent: "KEEP"))
        #expect(content.count == 1)
        #expect(content.first?.description.hasPrefix("/data/keep: content sha256:") == true)
        let unlinked = comparison.differences(try Self.tree(), try Self.tree(linked: false))
        #expect(unlinked.map(\.path) == ["data/a", "data/b"])
        #expect(unlinked.first?.description.contains("hard links") == true)
        let extra = comparison.differences(try Self.tree(), try Self.tree(extra: true))
        #expect(extra.map(\.description) == ["/data/extra is only in the flattened image"])
    }
}
