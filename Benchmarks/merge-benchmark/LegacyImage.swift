// The default benchmark's image: ~400 MB in 6 layers (base, update with overwrites, deletions
// and links, opaque directory, chmod copy-ups, more files, a few big blobs). Its entry lists are
// a few thousand entries, so they are built as arrays; their contents are still streamed.

func legacyLayers(targetBytes: Int64, fileCount: Int) -> [LayerSpec] {
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

    var opaque: [GeneratedEntry] = [dir("var/cache"), opaqueMarker("var/cache")]
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
    return [base, update, opaque, chmod, more, last].map(LayerSpec.init)
}
