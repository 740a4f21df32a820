import Foundation
@testable import ImageArchive

/// A unique temporary directory per test, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "imagearchive-\(safe)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// One entry of a synthetic layer, with its content.
struct Item {
    var entry: TarEntry
    var content: [UInt8]

    static func file(_ name: String, _ text: String = "", mode: Int64 = 0o644, uid: Int64 = 0, gid: Int64 = 0, mtime: Int64 = 1_700_000_000) -> Item {
        let bytes = Array(text.utf8)
        return Item(entry: TarEntry(name: ByteString(name), kind: .regular, mode: mode, uid: uid, gid: gid, size: Int64(bytes.count), modificationTime: TarTimestamp(seconds: mtime)), content: bytes)
    }

    static func dir(_ name: String, mode: Int64 = 0o755, uid: Int64 = 0, mtime: Int64 = 1_700_000_000) -> Item {
        Item(entry: TarEntry(name: ByteString(name.hasSuffix("/") ? name : name + "/"), kind: .directory, mode: mode, uid: uid, modificationTime: TarTimestamp(seconds: mtime)), content: [])
    }

    static func link(_ name: String, to target: String, mode: Int64 = 0o644) -> Item {
        Item(entry: TarEntry(name: ByteString(name), kind: .hardLink, mode: mode, modificationTime: TarTimestamp(seconds: 1_700_000_000), linkName: ByteString(target)), content: [])
    }

    static func symlink(_ name: String, to target: String) -> Item {
        Item(entry: TarEntry(name: ByteString(name), kind: .symbolicLink, mode: 0o777, modificationTime: TarTimestamp(seconds: 1_700_000_000), linkName: ByteString(target)), content: [])
    }

    static func whiteout(_ name: String) -> Item {
        Item(entry: TarEntry(name: ByteString(name), kind: .regular, mode: 0), content: [])
    }

    static func raw(_ entry: TarEntry, _ content: [UInt8] = []) -> Item { Item(entry: entry, content: content) }
}

func tarBytes(_ items: [Item]) throws -> [UInt8] {
    var writer = TarWriter()
    for item in items { try writer.append(item.entry, contents: item.content) }
    return writer.finish()
}

/// A layer source over a temporary file holding `items` as a tar.
func layer(_ items: [Item], in dir: TemporaryDirectory, label: String? = nil) throws -> LayerSource {
    let bytes = try tarBytes(items)
    let path = try dir.write(bytes, to: "layer-\(UUID().uuidString).tar")
    return LayerSource(region: FileRegion(file: try RandomAccessFile(path: path)), label: label ?? "layer \(path)", diffID: ImageConfig.digest(of: bytes))
}

/// A decoded output entry: header plus content.
struct OutputEntry: CustomStringConvertible {
    var entry: TarEntry
    var content: [UInt8]
    var name: String { entry.name.description }
    var text: String { String(decoding: content, as: UTF8.self) }
    var description: String { "\(entry.kind) \(name)" + (entry.linkName.isEmpty ? "" : " -> \(entry.linkName)") }
}

/// Reads every entry of a tar held in memory.
func readTar(_ bytes: [UInt8], in dir: TemporaryDirectory) throws -> [OutputEntry] {
    let path = try dir.write(bytes, to: "read-\(UUID().uuidString).tar")
    let region = FileRegion(file: try RandomAccessFile(path: path))
    var reader = TarReader(region: region, source: "output")
    var out: [OutputEntry] = []
    while let record = try reader.next() {
        let content = record.entry.kind == .regular ? try region.read(count: Int(record.entry.size), at: record.contentOffset) : []
        out.append(OutputEntry(entry: record.entry, content: content))
    }
    return out
}

/// Collects streamed chunks.
final class Collector: @unchecked Sendable {
    // Only touched from the one task that awaits the write; the class exists so closures can append.
    var bytes: [UInt8] = []
    var chunks = 0
    func append(_ chunk: [UInt8]) { bytes += chunk; chunks += 1 }
}

/// Plans and writes a flatten of `layers` (each a list of items), returning the plan, the output
/// tar's bytes and its decoded entries.
func flatten(_ layers: [[Item]], keep: Int = 0, in dir: TemporaryDirectory, chunkSize: Int = 4096, memory: MergeMemory = .unlimited) async throws -> (plan: MergePlan, bytes: [UInt8], entries: [OutputEntry], result: MergePlan.WriteResult) {
    let sources = try layers.enumerated().map { try layer($1, in: dir, label: "layer \($0)") }
    let plan = try LayerMerge.plan(layers: sources, keepingLowest: keep, memory: memory)
    let collector = Collector()
    let result = try await plan.write(chunkSize: chunkSize) { collector.append($0) }
    return (plan, collector.bytes, try readTar(collector.bytes, in: dir), result)
}

extension Array where Element == OutputEntry {
    subscript(named name: String) -> OutputEntry? { first { $0.name == name } }
    var names: [String] { map(\.name) }
}
