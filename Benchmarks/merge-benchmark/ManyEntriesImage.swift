// The entries case of issue #17: about N entries over 10 layers, small files, so the merge is
// bound by entries. Every entry is computed from its index (nothing is remembered), so the
// layers stream.
//
// Layer 0 holds half the entries: `usr/share/dD/fI` in directories of 200 files, a hard link
// `usr/share/dD/lI` after every 32nd file. Base directories with D % 50 == 7 are made opaque
// (by layer 1 + (D/50) % 9, which adds 20 new files), with D % 50 == 13 deleted whole (a
// whiteout in `usr/share`). In the other directories, upper layer 1 + (I/20) % 9 deletes files
// with I % 20 == 0 (whiteouts), overwrites those with I % 20 == 1 (this orphans base links,
// which are then materialized), and layer 1 + (I/100) % 9 hard-links those with I % 100 == 2
// (`opt/lL/links/hI`, a file of a lower layer). Each upper layer L also adds new files
// `opt/lL/dK/fJ` with a hard link after every 16th (same layer), and from layer 2 on deletes
// every 25th new file of layer L-1 (some of them link targets). Directories come before their
// contents and every layer carries its parent directories, as docker writes them.

struct ManyEntriesImage {
    static let layerCount = 10
    static let filesPerDirectory = 200
    static let opaqueNewFiles = 20

    let baseFiles: Int
    var newFilesPerLayer: Int

    init(entries: Int) {
        baseFiles = entries / 2
        newFilesPerLayer = 0
        // Calibrate the new files per upper layer from the entries the rest makes.
        var others = 0
        for layer in layers() { try? layer.entries { _ in others += 1 } }
        let perNewFile = 1.0 + 1.0 / 16 + 1.0 / Double(Self.filesPerDirectory) + 1.0 / 25 * 8 / 9
        newFilesPerLayer = max(0, Int(Double(entries - others) / Double(Self.layerCount - 1) / perNewFile))
    }

    var baseDirectories: Int { (baseFiles + Self.filesPerDirectory - 1) / Self.filesPerDirectory }

    /// The upper layer (1...9) that acts on item `n` of a class.
    static func upperLayer(_ n: Int) -> Int { 1 + n % (layerCount - 1) }

    enum DirectoryRole { case plain, opaque(layer: Int), deleted(layer: Int) }

    static func role(ofDirectory d: Int) -> DirectoryRole {
        switch d % 50 {
        case 7: return .opaque(layer: upperLayer(d / 50))
        case 13: return .deleted(layer: upperLayer(d / 50))
        default: return .plain
        }
    }

    func layers() -> [LayerSpec] {
        let base = LayerSpec { emit in
            try emit(dir("usr"))
            try emit(dir("usr/share"))
            for d in 0..<baseDirectories {
                let path = "usr/share/d\(d)"
                try emit(dir(path))
                for i in (d * Self.filesPerDirectory)..<min(baseFiles, (d + 1) * Self.filesPerDirectory) {
                    try emit(file("\(path)/f\(i)", size: ContentGenerator.smallFileSize(UInt64(i)), seed: UInt64(i)))
                    if i % 32 == 5 { try emit(link("\(path)/l\(i)", to: "\(path)/f\(i)")) }
                }
            }
        }
        return [base] + (1..<Self.layerCount).map { upper(layer: $0) }
    }

    private func upper(layer: Int) -> LayerSpec {
        LayerSpec { emit in
            let layerSeed = UInt64(layer) << 40
            try emit(dir("usr"))
            try emit(dir("usr/share"))
            for d in 0..<baseDirectories {
                let path = "usr/share/d\(d)"
                switch Self.role(ofDirectory: d) {
                case .deleted(let l) where l == layer:
                    try emit(whiteout("usr/share/.wh.d\(d)"))
                case .opaque(let l) where l == layer:
                    try emit(dir(path))
                    try emit(opaqueMarker(path))
                    for k in 0..<Self.opaqueNewFiles {
                        let seed = layerSeed | UInt64(d * Self.opaqueNewFiles + k) | 1 << 39
                        try emit(file("\(path)/n\(k)", size: ContentGenerator.smallFileSize(seed), seed: seed))
                    }
                case .plain:
                    var dirEmitted = false
                    for i in (d * Self.filesPerDirectory)..<min(baseFiles, (d + 1) * Self.filesPerDirectory) where i % 20 <= 1 && Self.upperLayer(i / 20) == layer {
                        if !dirEmitted { try emit(dir(path)); dirEmitted = true }
                        if i % 20 == 0 {
                            try emit(whiteout("\(path)/.wh.f\(i)"))
                        } else {
                            let seed = layerSeed | UInt64(i)
                            try emit(file("\(path)/f\(i)", size: ContentGenerator.smallFileSize(seed), seed: seed))
                        }
                    }
                default:
                    break
                }
            }
            try emit(dir("opt"))
            if layer >= 2 {
                // Delete every 25th new file of the layer below.
                let below = "opt/l\(layer - 1)"
                try emit(dir(below))
                for k in 0..<newDirectories {
                    try emit(dir("\(below)/d\(k)"))
                    for j in newFiles(inDirectory: k) where j % 25 == 0 { try emit(whiteout("\(below)/d\(k)/.wh.f\(j)")) }
                }
            }
            let top = "opt/l\(layer)"
            try emit(dir(top))
            for k in 0..<newDirectories {
                try emit(dir("\(top)/d\(k)"))
                for j in newFiles(inDirectory: k) {
                    let seed = layerSeed | UInt64(j) | 1 << 38
                    try emit(file("\(top)/d\(k)/f\(j)", size: ContentGenerator.smallFileSize(seed), seed: seed))
                    if j % 16 == 3 { try emit(link("\(top)/d\(k)/l\(j)", to: "\(top)/d\(k)/f\(j)")) }
                }
            }
            try emit(dir("\(top)/links"))
            for i in stride(from: 2, to: baseFiles, by: 100) where Self.upperLayer(i / 100) == layer {
                let d = i / Self.filesPerDirectory
                guard case .plain = Self.role(ofDirectory: d) else { continue }
                try emit(link("\(top)/links/h\(i)", to: "usr/share/d\(d)/f\(i)"))
            }
        }
    }

    private var newDirectories: Int { (newFilesPerLayer + Self.filesPerDirectory - 1) / Self.filesPerDirectory }

    private func newFiles(inDirectory k: Int) -> Range<Int> {
        (k * Self.filesPerDirectory)..<min(newFilesPerLayer, (k + 1) * Self.filesPerDirectory)
    }
}
