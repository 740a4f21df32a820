// Streams a synthetic `docker save` archive (legacy layout: `<id>/layer.tar` members, a config,
// manifest.json) to a file with flat memory: layers are described by functions that enumerate
// their entries, walked twice (once for the member's size, once to write), never held.

import Crypto
import Foundation
import ImageArchive

#if canImport(Glibc)
import Glibc
#endif

/// One layer of a synthetic image.
struct LayerSpec {
    /// Calls `emit` with each entry of the layer in tar order; every call gives the same entries.
    let entries: (_ emit: (GeneratedEntry) throws -> Void) throws -> Void

    init(entries: @escaping (_ emit: (GeneratedEntry) throws -> Void) throws -> Void) {
        self.entries = entries
    }

    init(_ list: [GeneratedEntry]) {
        entries = { emit in for e in list { try emit(e) } }
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
}

/// A write-only file with a fixed buffer that can hash what goes through it.
final class StreamingFile {
    private var fd: Int32
    private let path: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    private var hasher: SHA256?
    private var hashedUpTo = 0
    private(set) var written: Int64 = 0

    init(path: String, bufferSize: Int = 4 << 20) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw GeneratorError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        buffer = .allocate(byteCount: bufferSize, alignment: 4096)
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { Glibc.close(fd) }
    }

    private func flush() throws {
        if hasher != nil {
            hasher!.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[hashedUpTo..<count]))
        }
        var done = 0
        while done < count {
            let n = Glibc.write(fd, buffer.baseAddress! + done, count - done)
            guard n > 0 else { throw GeneratorError(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        count = 0
        hashedUpTo = 0
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            if count == buffer.count { try flush() }
            let n = min(bytes.count - offset, buffer.count - count)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + n)]))
            }
            count += n
            offset += n
            written += Int64(n)
        }
    }

    func writeZeros(_ total: Int) throws {
        var left = total
        while left > 0 {
            if count == buffer.count { try flush() }
            let n = min(left, buffer.count - count)
            UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + n)]).initializeMemory(as: UInt8.self, repeating: 0)
            count += n
            left -= n
            written += Int64(n)
        }
    }

    /// `size` bytes of generated content, filled in place.
    func writeContent(size: Int64, seed: UInt64) throws {
        var done: Int64 = 0
        while done < size {
            if count == buffer.count { try flush() }
            let n = Int(min(size - done, Int64(buffer.count - count)))
            ContentGenerator.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + n)]), seed: seed, offset: done)
            count += n
            done += Int64(n)
            written += Int64(n)
        }
    }

    func startHashing() {
        hasher = SHA256()
        hashedUpTo = count
    }

    /// `sha256:<hex>` of what was written since ``startHashing()``.
    func finishHashing() -> String {
        hasher!.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[hashedUpTo..<count]))
        hashedUpTo = count
        let digest = hasher!.finalize()
        hasher = nil
        return "sha256:" + digest.map { String(format: "%02x", $0) }.joined()
    }

    func close() throws {
        try flush()
        let status = Glibc.close(fd)
        fd = -1  // deinit must not close it again
        guard status == 0 else { throw GeneratorError(description: "cannot close \(path): \(String(cString: strerror(errno)))") }
    }
}

/// What a generated archive holds.
struct GeneratedFigures {
    var layerBytes: Int64
    var entries: Int
}

/// Writes the saved image of `layers` (lowest first) to `path`.
func writeSavedImage(layers: [LayerSpec], to path: String, tag: String = "bench/image:latest") throws -> GeneratedFigures {
    let out = try StreamingFile(path: path)
    var diffIDs: [String] = []
    var names: [String] = []
    var layerBytes: Int64 = 0
    var entryCount = 0
    for (i, layer) in layers.enumerated() {
        // Pass 1: the layer tar's exact size, for the member header.
        var size = Int64(TarWriter.endOfArchive.count)
        try layer.entries { size += try TarWriter.encodedSize(of: $0.entry) }
        let member = String(format: "%064x", i + 1) + "/layer.tar"
        try out.write(TarWriter.encodeHeader(TarEntry(name: ByteString(member), kind: .regular, mode: 0o644, size: size, modificationTime: TarTimestamp(seconds: syntheticTime))))
        // Pass 2: the layer tar itself.
        let start = out.written
        out.startHashing()
        try layer.entries { g in
            try out.write(TarWriter.encodeHeader(g.entry))
            entryCount += 1
            guard g.entry.kind == .regular, g.entry.size > 0 else { return }
            try out.writeContent(size: g.entry.size, seed: g.seed)
            try out.writeZeros(TarWriter.paddingCount(forContentSize: g.entry.size))
        }
        try out.write(TarWriter.endOfArchive)
        diffIDs.append(out.finishHashing())
        guard out.written - start == size else {
            throw GeneratorError(description: "layer \(i) was planned at \(size) bytes but \(out.written - start) were written (its entries differ between passes)")
        }
        try out.writeZeros(TarWriter.paddingCount(forContentSize: size))
        names.append(member)
        layerBytes += size
    }
    let config = JSONValue.object([
        JSONMember(key: "architecture", value: .string("amd64")),
        JSONMember(key: "config", value: .object([JSONMember(key: "Cmd", value: .array([.string("/bin/sh")]))])),
        JSONMember(key: "history", value: .array(diffIDs.indices.map { .object([JSONMember(key: "created_by", value: .string("RUN step \($0)"))]) })),
        JSONMember(key: "os", value: .string("linux")),
        JSONMember(key: "rootfs", value: .object([JSONMember(key: "type", value: .string("layers")), JSONMember(key: "diff_ids", value: .array(diffIDs.map(JSONValue.string)))])),
    ]).serialized()
    let configName = String(ImageConfig.digest(of: config).dropFirst(7)) + ".json"
    var tail = TarWriter()
    try tail.append(TarEntry(name: ByteString(configName), kind: .regular, size: Int64(config.count)), contents: config)
    let manifest = JSONValue.array([.object([
        JSONMember(key: "Config", value: .string(configName)),
        JSONMember(key: "RepoTags", value: .array([.string(tag)])),
        JSONMember(key: "Layers", value: .array(names.map(JSONValue.string))),
    ])]).serialized()
    try tail.append(TarEntry(name: "manifest.json", kind: .regular, size: Int64(manifest.count)), contents: manifest)
    try out.write(tail.finish())
    try out.close()
    return GeneratedFigures(layerBytes: layerBytes, entries: entryCount)
}
