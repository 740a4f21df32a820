import Crypto

/// A fixed-size output buffer filled by copies and by reads straight into its free space.
struct ChunkBuffer {
    var storage: [UInt8]
    var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: capacity) }

    var free: Int { storage.count - count }
    var isFull: Bool { count == storage.count }

    /// Copies as much of `bytes[from...]` as fits; returns how many were copied.
    mutating func append(_ bytes: [UInt8], from start: Int) -> Int {
        let n = min(free, bytes.count - start)
        let at = count
        storage.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.baseAddress!.advanced(by: at).copyMemory(from: src.baseAddress!.advanced(by: start), byteCount: n)
            }
        }
        count += n
        return n
    }

    /// Lets `read` fill up to `count` bytes of the free space; returns what it filled.
    mutating func fill(count wanted: Int, _ read: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        let at = count
        let n = try storage.withUnsafeMutableBytes { try read(UnsafeMutableRawBufferPointer(rebasing: $0[at..<(at + wanted)])) }
        count += n
        return n
    }

    func hash(into hasher: inout SHA256) {
        storage.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
}
