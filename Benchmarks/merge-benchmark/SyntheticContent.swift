// Deterministic pseudo-random file contents and sizes for the synthetic images.

/// Deterministic pseudo-random bytes (xorshift64*), cheap enough that generation is I/O bound.
enum ContentGenerator {
    static func fill(_ buffer: UnsafeMutableRawBufferPointer, seed: UInt64, offset: Int64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(offset / 8) | 1
        let words = buffer.count / 8
        for i in 0..<words {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            // Unaligned stores: a file's content starts wherever the output buffer is.
            buffer.storeBytes(of: state &* 0x2545_F491_4F6C_DD1D, toByteOffset: i * 8, as: UInt64.self)
        }
        for i in (words * 8)..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: seed &+ UInt64(i)) }
    }

    /// A well-mixed 64-bit hash of `value` (splitmix64's finalizer).
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The size of a small file: 93% under 1 KiB, 6.5% 1 to 8 KiB, 0.5% 8 to 40 KiB (~0.9 KB
    /// on average), so a image of many of them is bound by entries, not bytes.
    static func smallFileSize(_ seed: UInt64) -> Int64 {
        let h = mix(seed)
        let r = h % 1000
        let s = Int64((h >> 20) % (1 << 30))
        if r < 930 { return s % 1025 }
        if r < 995 { return 1024 + s % 7168 }
        return 8192 + s % 32768
    }
}
