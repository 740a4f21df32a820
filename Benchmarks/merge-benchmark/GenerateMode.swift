// `--generate SPEC PATH`: the child process that writes a synthetic archive (so the merge's
// peak RSS is never the generator's). Prints "LAYER-BYTES ENTRIES" on stdout.

/// The layers an archive spec names: legacy:MB:FILES, entries:N, bytes:GB, whiteouts:N,
/// opaque:N, links:N.
func layers(forSpec spec: String) throws -> [LayerSpec] {
    let parts = spec.split(separator: ":").map(String.init)
    func int(_ i: Int) throws -> Int {
        guard i < parts.count, let n = Int(parts[i]), n >= 0 else { throw UsageError(description: "bad archive spec '\(spec)'") }
        return n
    }
    switch parts.first {
    case "legacy": return legacyLayers(targetBytes: Int64(try int(1)) << 20, fileCount: try int(2))
    case "entries": return ManyEntriesImage(entries: try int(1)).layers()
    case "bytes":
        guard parts.count == 2, let gb = Double(parts[1]), gb > 0 else { throw UsageError(description: "bad archive spec '\(spec)'") }
        return largeFileLayers(totalBytes: Int64(gb * 1e9))
    case "whiteouts": return whiteoutStressLayers(count: try int(1))
    case "opaque": return opaqueStressLayers(count: try int(1))
    case "links": return linkStressLayers(count: try int(1))
    default: throw UsageError(description: "unknown archive spec '\(spec)'")
    }
}

func runGenerateMode(spec: String, path: String) throws {
    let figures = try writeSavedImage(layers: try layers(forSpec: spec), to: path)
    print("\(figures.layerBytes) \(figures.entries)")
}
