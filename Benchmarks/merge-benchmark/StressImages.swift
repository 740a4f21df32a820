// The stress cases of issue #17, images whose merge would show a path that grows faster than
// the entries: many whiteouts in one directory, a huge directory made opaque, many hard links.
// Files are tiny (under 256 bytes) so time goes to entries.

private func tinySize(_ seed: UInt64) -> Int64 { Int64(ContentGenerator.mix(seed) % 256) }

/// (a) Layer 1 deletes all `count` files of directory `data` of layer 0, one whiteout each.
func whiteoutStressLayers(count: Int) -> [LayerSpec] {
    let base = LayerSpec { emit in
        try emit(dir("data"))
        for i in 0..<count { try emit(file("data/f\(i)", size: tinySize(UInt64(i)), seed: UInt64(i))) }
        try emit(dir("etc"))
        try emit(file("etc/keep", size: 100, seed: 1))
    }
    let deletes = LayerSpec { emit in
        try emit(dir("data"))
        for i in 0..<count { try emit(whiteout("data/.wh.f\(i)")) }
    }
    return [base, deletes]
}

/// (b) Directory `big` of layer 0 holds `count` files; layer 1 makes it opaque and adds 10.
func opaqueStressLayers(count: Int) -> [LayerSpec] {
    let base = LayerSpec { emit in
        try emit(dir("big"))
        for i in 0..<count { try emit(file("big/e\(i)", size: tinySize(UInt64(i)), seed: UInt64(i))) }
        try emit(dir("etc"))
        try emit(file("etc/keep", size: 100, seed: 1))
    }
    let opaque = LayerSpec { emit in
        try emit(dir("big"))
        try emit(opaqueMarker("big"))
        for k in 0..<10 { try emit(file("big/new\(k)", size: 100, seed: UInt64(1_000_000 + k))) }
    }
    return [base, opaque]
}

/// (c) `count` hard links: 4/5 in layer 1 to files of layer 1 (`app/fG` followed by `app/fG.l1`
/// naming it and `app/fG.l2` naming the link), 1/5 in layer 1 to files of layer 0 (`lib/fI`).
/// Layer 2 deletes a quarter of the targets of each kind, so the rest of their groups stay links
/// or are materialized.
func linkStressLayers(count: Int) -> [LayerSpec] {
    let lower = count / 5
    let groups = (count - lower) / 2
    let base = LayerSpec { emit in
        try emit(dir("lib"))
        for i in 0..<lower { try emit(file("lib/f\(i)", size: tinySize(UInt64(i)), seed: UInt64(i))) }
    }
    let links = LayerSpec { emit in
        try emit(dir("app"))
        for g in 0..<groups {
            let seed = UInt64(1 << 32 + g)
            try emit(file("app/f\(g)", size: tinySize(seed), seed: seed))
            try emit(link("app/f\(g).l1", to: "app/f\(g)"))
            try emit(link("app/f\(g).l2", to: "app/f\(g).l1"))
        }
        try emit(dir("app/base"))
        for i in 0..<lower { try emit(link("app/base/h\(i)", to: "lib/f\(i)")) }
    }
    let deletes = LayerSpec { emit in
        try emit(dir("app"))
        for g in stride(from: 0, to: groups, by: 4) { try emit(whiteout("app/.wh.f\(g)")) }
        try emit(dir("lib"))
        for i in stride(from: 1, to: lower, by: 4) { try emit(whiteout("lib/.wh.f\(i)")) }
    }
    return [base, links, deletes]
}
