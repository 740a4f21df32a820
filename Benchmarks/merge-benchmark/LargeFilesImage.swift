// The bytes case of issue #17: 11 large files totalling the given size over 4 layers, so the
// merge is bound by bytes (reading, hashing, writing), not entries.
//
// Layer 0: `data/blob0…7`, 1/16 of the total each. Layer 1 overwrites blob0 and blob1, deletes
// blob2, adds `srv/big0` (1/8). Layer 2 adds `srv/big1` (1/8) with a hard link to it, and a
// hard link to `data/blob3` of layer 0. Layer 3 adds `opt/big2` (1/8) and deletes `srv/big0`.

func largeFileLayers(totalBytes: Int64) -> [LayerSpec] {
    let sixteenth = totalBytes / 16
    let eighth = totalBytes / 8
    var base: [GeneratedEntry] = [dir("data")]
    for k in 0..<8 { base.append(file("data/blob\(k)", size: sixteenth, seed: UInt64(100 + k))) }
    let update: [GeneratedEntry] = [
        dir("data"),
        file("data/blob0", size: sixteenth, seed: 200),
        file("data/blob1", size: sixteenth, seed: 201),
        whiteout("data/.wh.blob2"),
        dir("srv"),
        file("srv/big0", size: eighth, seed: 202),
    ]
    let links: [GeneratedEntry] = [
        dir("srv"),
        file("srv/big1", size: eighth, seed: 300),
        link("srv/big1.link", to: "srv/big1"),
        link("srv/blob3.link", to: "data/blob3"),
    ]
    let last: [GeneratedEntry] = [
        dir("opt"),
        file("opt/big2", size: eighth, seed: 400),
        dir("srv"),
        whiteout("srv/.wh.big0"),
    ]
    return [base, update, links, last].map(LayerSpec.init)
}
