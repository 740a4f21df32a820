/// Serves small reads of a ``FileRegion`` from one window of it, so that reading a layer's
/// headers (or its small files' contents) in order costs one system call per window rather than
/// one per entry.
///
/// The window only reads ahead while reads come in order: a read far past the window (the next
/// header after a large file) refills only a little, so a layer of large files is not read
/// twice. Reads larger than the window go straight to the file.
struct ReadAheadWindow {
    let region: FileRegion
    private let capacity: Int
    private var buffer: [UInt8]
    private var start: Int64 = 0
    private var count = 0

    /// Read-ahead after a jump: enough for a header and its PAX records.
    private static let jumpSize = 4096

    init(region: FileRegion, capacity: Int = 128 << 10) {
        self.region = region
        self.capacity = capacity
        buffer = []
    }

    /// Reads up to `target.count` bytes at `position` of the region; returns the bytes read
    /// (fewer only where the region ends).
    mutating func read(into target: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        if target.count > capacity / 2 { return try region.read(into: target, at: position) }
        if position < start || position + Int64(target.count) > start + Int64(count) {
            let sequential = position >= start && position <= start + Int64(count) + Int64(capacity)
            try refill(at: position, size: sequential ? capacity : max(Self.jumpSize, target.count))
        }
        let offset = Int(position - start)
        let n = max(0, min(target.count, count - offset))
        if n > 0 {
            buffer.withUnsafeBytes { source in
                target.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: n)
            }
        }
        return n
    }

    private mutating func refill(at position: Int64, size: Int) throws {
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: capacity) }
        start = position
        count = try buffer.withUnsafeMutableBytes { try region.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<size]), at: position) }
    }
}
