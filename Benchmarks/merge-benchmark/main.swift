// merge-benchmark: how fast, and in how little memory, ImageArchive flattens a large image.
//
// Generates a synthetic `docker save` archive (legacy layout) of several hundred MB in a
// temporary directory: thousands of files across six layers with overwrites, whiteouts, an
// opaque directory, hard links (and a link whose target is deleted later), and a
// metadata-only (chmod/chown copy-up) layer. Then indexes and merges it several times, writing
// the flattened layer to a sink that only counts (the merge hashes every byte for the diff ID),
// and prints throughput over the input layer bytes, the bytes read from the spool, and peak RSS.
//
//     swift build -c release --product merge-benchmark && .build/release/merge-benchmark [size-MB] [runs] [base-files]

import Crypto
import Foundation
import ImageArchive

#if canImport(Glibc)
import Glibc
#endif

// MARK: Synthetic content

/// Deterministic pseudo-random bytes (xorshift64*), cheap enough that generation is I/O bound.
struct ContentGenerator {
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt64, offset: Int64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(offset / 8) | 1
        let words = buffer.count / 8
        let p = buffer.baseAddress!.bindMemory(to: UInt64.self, capacity: words)
        for i in 0..<words {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            p[i] = state &* 0x2545_F491_4F6C_DD1D
        }
        for i in (words * 8)..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: seed &+ UInt64(i)) }
    }
}

struct GeneratedEntry {
    var entry: TarEntry
    var seed: UInt64
}

/// Streams tar bytes to a file with a fixed buffer, hashing them.
final class StreamingFile {
    let handle: FileHandle
    var buffer = [UInt8]()
    init(path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(4 << 20)
    }
    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 4 << 20 { try flush() }
    }
    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
    func close() throws { try flush(); try handle.close() }
}

func layerSize(_ entries: [GeneratedEntry]) throws -> Int64 {
    try entries.reduce(Int64(TarWriter.endOfArchive.count)) { $0 + (try TarWriter.encodedSize(of: $1.entry)) }
}

/// Writes one layer tar into the outer archive as a member; returns its diff ID.
func writeLayer(_ entries: [GeneratedEntry], member: String, to out: StreamingFile) throws -> String {
    let size = try layerSize(entries)
    try out.write(TarWriter.encodeHeader(TarEntry(name: ByteString(member), kind: .regular, mode: 0o644, size: size)))
    var hasher = SHA256()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    func emit(_ bytes: [UInt8]) throws {
        hasher.update(data: bytes)
        try out.write(bytes)
    }
    for g in entries {
        try emit(TarWriter.encodeHeader(g.entry))
        guard g.entry.kind == .regular else { continue }
        var done: Int64 = 0
        while done < g.entry.size {
            let n = Int(min(Int64(chunk.count), g.entry.size - done))
            chunk.withUnsafeMutableBytes { ContentGenerator.fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]), seed: g.seed, offset: done) }
            try emit(Array(chunk[0..<n]))
            done += Int64(n)
        }
        try emit([UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: g.entry.size)))
    }
    try emit(TarWriter.endOfArchive)
    try out.write([UInt8](repeating: 0, count: TarWriter.paddingCount(forContentSize: size)))
    return "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

func file(_ name: String, size: Int64, seed: UInt64, mode: Int64 = 0o644, uid: Int64 = 0) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .regular, mode: mode, uid: uid, gid: uid, size: size, modificationTime: TarTimestamp(seconds: 1_700_000_000 + Int64(seed % 1000))), seed: seed)
}
func dir(_ name: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name + "/"), kind: .directory, mode: 0o755, modificationTime: TarTimestamp(seconds: 1_700_000_000)), seed: 0)
}
func whiteout(_ name: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .regular, mode: 0), seed: 0)
}
func link(_ name: String, to target: String) -> GeneratedEntry {
    GeneratedEntry(entry: TarEntry(name: ByteString(name), kind: .hardLink, mode: 0o644, linkName: ByteString(target)), seed: 0)
}

/// The image: base, update (overwrites, deletions, links), opaque dir, chmod copy-ups, more.
func generateLayers(targetBytes: Int64, fileCount: Int) -> [[GeneratedEntry]] {
    let average = max(4096, targetBytes / Int64(fileCount) * 5 / 10)
    func size(_ i: Int) -> Int64 { Int64((i * 7919) % Int(average * 2)) + 1 }
    var base: [GeneratedEntry] = []
    for d in 0..<60 { base.append(dir("usr/lib/pkg\(d)")) }
    for i in 0..<fileCount { base.append(file("usr/lib/pkg\(i % 60)/file\(i).so", size: size(i), seed: UInt64(i))) }
    base.append(dir("var/cache"))
    for i in 0..<400 { base.append(file("var/cache/entry\(i)", size: 20_000, seed: UInt64(90_000 + i))) }

    var update: [GeneratedEntry] = []
    for i in stride(from: 0, to: fileCount, by: 5) { update.append(file("usr/lib/pkg\(i % 60)/file\(i).so", size: size(i + 1), seed: UInt64(10_000 + i))) }
    for i in stride(from: 1, to: fileCount, by: 9) { update.append(whiteout("usr/lib/pkg\(i % 60)/.wh.file\(i).so")) }
    update.append(dir("opt/app"))
    for i in 0..<200 {
        update.append(file("opt/app/data\(i)", size: 50_000, seed: UInt64(20_000 + i)))
        update.append(link("opt/app/alias\(i)", to: "opt/app/data\(i)"))
    }

    var opaque: [GeneratedEntry] = [dir("var/cache"), whiteout("var/cache/.wh..wh..opq")]
    for i in 0..<100 { opaque.append(file("var/cache/new\(i)", size: 30_000, seed: UInt64(30_000 + i))) }
    // Targets of half the links go away: those links must be materialized.
    for i in stride(from: 0, to: 200, by: 2) { opaque.append(whiteout("opt/app/.wh.data\(i)")) }

    var chmod: [GeneratedEntry] = []
    for i in stride(from: 2, to: fileCount, by: 7) where i % 5 != 0 && i % 9 != 1 {
        chmod.append(file("usr/lib/pkg\(i % 60)/file\(i).so", size: size(i), seed: UInt64(i), mode: 0o755, uid: 1000))
    }

    var more: [GeneratedEntry] = [dir("srv")]
    for i in 0..<600 { more.append(file("srv/asset\(i).bin", size: size(i * 3), seed: UInt64(40_000 + i))) }
    more.append(whiteout("usr/lib/.wh.pkg7"))

    var last: [GeneratedEntry] = []
    for i in 0..<4 { last.append(file("blobs/big\(i)", size: targetBytes / 40, seed: UInt64(50_000 + i))) }
    return [base, update, opaque, chmod, more, last]
}

func generateArchive(at path: String, targetBytes: Int64, fileCount: Int) throws -> (layerBytes: Int64, entries: Int) {
    let layers = generateLayers(targetBytes: targetBytes, fileCount: fileCount)
    let out = try StreamingFile(path: path)
    var diffIDs: [String] = []
    var names: [String] = []
    var layerBytes: Int64 = 0
    for (i, entries) in layers.enumerated() {
        let member = String(format: "%064x", i + 1) + "/layer.tar"
        diffIDs.append(try writeLayer(entries, member: member, to: out))
        names.append(member)
        layerBytes += try layerSize(entries)
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
        JSONMember(key: "RepoTags", value: .array([.string("bench/image:latest")])),
        JSONMember(key: "Layers", value: .array(names.map(JSONValue.string))),
    ])]).serialized()
    try tail.append(TarEntry(name: "manifest.json", kind: .regular, size: Int64(manifest.count)), contents: manifest)
    try out.write(tail.finish())
    try out.close()
    return (layerBytes, layers.reduce(0) { $0 + $1.count })
}

// MARK: Measurement

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments

// `merge-benchmark --generate PATH MB FILES` writes the archive and prints its figures; the
// benchmark runs it as a child process so the merge's peak RSS is not the generator's.
if arguments.count == 5, arguments[1] == "--generate" {
    let generated = try generateArchive(at: arguments[2], targetBytes: (Int64(arguments[3]) ?? 400) << 20, fileCount: Int(arguments[4]) ?? 3000)
    print("\(generated.layerBytes) \(generated.entries)")
    exit(0)
}

let targetMB = arguments.count > 1 ? Int64(arguments[1]) ?? 400 : 400
let runs = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
let fileCount = arguments.count > 3 ? Int(arguments[3]) ?? 3000 : 3000
let work = NSTemporaryDirectory() + "merge-benchmark-\(getpid())"
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }
let archivePath = work + "/save.tar"

let genStart = now()
let generator = Process()
generator.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
generator.arguments = ["--generate", archivePath, String(targetMB), String(fileCount)]
let generatorOutput = Pipe()
generator.standardOutput = generatorOutput
try generator.run()
let generatorText = String(decoding: generatorOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
generator.waitUntilExit()
let generatedFigures = generatorText.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
guard generator.terminationStatus == 0, generatedFigures.count == 2 else {
    print("generating the archive failed: \(generatorText)")
    exit(1)
}
let generated = (layerBytes: generatedFigures[0], entries: Int(generatedFigures[1]))
let archiveSize = (try FileManager.default.attributesOfItem(atPath: archivePath)[.size] as? NSNumber)?.int64Value ?? 0
print(String(format: "generated %.1f MB archive (%.1f MB of layers, %d entries in 6 layers) in %.1f s (in a child process)",
             Double(archiveSize) / 1e6, Double(generated.layerBytes) / 1e6, generated.entries, now() - genStart))

final class CountingSink: @unchecked Sendable {
    // Used from one task only; a class so the sink closure can count.
    var bytes: Int64 = 0
}

var best = Double.infinity
for run in 1...runs {
    let start = now()
    let archive = try SavedImageArchive(path: archivePath)
    let image = archive.images[0]
    let (layers, _) = try archive.layerSources(of: image, temporaryDirectory: work)
    let plan = try LayerMerge.plan(layers: layers)
    let indexed = now()
    let sink = CountingSink()
    let result = try await plan.write { chunk in sink.bytes += Int64(chunk.count) }
    let end = now()
    let elapsed = end - start
    best = min(best, elapsed)
    let read = archive.headerBytesRead + plan.headerBytesRead + result.contentBytesRead
    print(String(format: "run %d: %.3f s (index %.3f s, write %.3f s) = %.0f MB/s of input layers; output %.1f MB, %d entries, diff ID %@…",
                 run, elapsed, indexed - start, end - indexed, Double(generated.layerBytes) / 1e6 / elapsed,
                 Double(sink.bytes) / 1e6, plan.entryCount, String(result.diffID.prefix(19))))
    print(String(format: "       bytes read from the spool: %.1f MB of %.1f MB (%.1f%%; headers %.2f MB, content %.1f MB); wasted %.1f MB (dive: %.1f MB, efficiency %.3f)",
                 Double(read) / 1e6, Double(archiveSize) / 1e6, 100 * Double(read) / Double(archiveSize),
                 Double(archive.headerBytesRead + plan.headerBytesRead) / 1e6, Double(result.contentBytesRead) / 1e6,
                 Double(plan.analysis.wastedBytes) / 1e6, Double(plan.analysis.diveWastedBytes) / 1e6, plan.analysis.diveEfficiency))
}
print(String(format: "best: %.0f MB/s of input layers (%.1f MB)", Double(generated.layerBytes) / 1e6 / best, Double(generated.layerBytes) / 1e6))

// The whole load archive (partial flatten keeping the base layer: it is copied from the spool).
do {
    let start = now()
    let archive = try SavedImageArchive(path: archivePath)
    let flattened = try FlattenedImage(archive: archive, keepingLowest: 1, repoTags: ["bench/image:flat"], temporaryDirectory: work)
    let sink = CountingSink()
    let result = try await flattened.writeLoadArchive { chunk in sink.bytes += Int64(chunk.count) }
    let elapsed = now() - start
    print(String(format: "load archive (keep 1 layer): %.1f MB in %.3f s = %.0f MB/s of input layers; image ID %@…",
                 Double(result.archiveSize) / 1e6, elapsed, Double(generated.layerBytes) / 1e6 / elapsed, String(result.imageID.prefix(19))))
}

// SHA-256 alone, for comparison (is hashing the bottleneck?).
let shaBuffer = [UInt8](repeating: 0xa5, count: 1 << 20)
let shaStart = now()
var hasher = SHA256()
for _ in 0..<512 { shaBuffer.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
_ = hasher.finalize()
print(String(format: "SHA-256 alone: %.0f MB/s (sha_ni: %@)", 512 * 1.048576 / (now() - shaStart),
             ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("sha_ni") ?? false) ? "yes" : "no"))
print(String(format: "peak RSS: %.1f MiB", peakRSSMiB()))
