import NIOCore

/// Splits a byte stream into newline-terminated lines, whatever the chunk boundaries.
///
/// The engine ends each JSON message with `\r\n`; a message may arrive split over several
/// chunks, and a chunk may carry several messages. Blank lines are dropped.
struct JSONLineSplitter: Sendable {
    private var pending = ByteBuffer()
    /// The longest line accepted, so that a stream without newlines cannot grow memory without end.
    let maximumLineLength: Int

    init(maximumLineLength: Int = 16 * 1024 * 1024) {
        self.maximumLineLength = maximumLineLength
    }

    /// Adds a chunk and returns the complete lines it finishes, without their line endings.
    mutating func append(_ chunk: ByteBuffer) throws -> [ByteBuffer] {
        var chunk = chunk
        pending.writeBuffer(&chunk)
        var lines: [ByteBuffer] = []
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            let line = pending.readSlice(length: length)!
            pending.moveReaderIndex(forwardBy: 1)
            if let trimmed = Self.trimmed(line) {
                lines.append(trimmed)
            }
        }
        pending.discardReadBytes()
        if pending.readableBytes > maximumLineLength {
            throw LineTooLong(length: pending.readableBytes, limit: maximumLineLength)
        }
        return lines
    }

    /// The last line when the stream ended without a final newline.
    mutating func finish() -> ByteBuffer? {
        defer { pending.clear() }
        return Self.trimmed(pending)
    }

    struct LineTooLong: Error {
        var length: Int
        var limit: Int
    }

    private static func trimmed(_ line: ByteBuffer) -> ByteBuffer? {
        let view = line.readableBytesView
        func isSpace(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
        }
        guard let first = view.firstIndex(where: { !isSpace($0) }),
              let last = view.lastIndex(where: { !isSpace($0) })
        else { return nil }
        return line.getSlice(at: first, length: last - first + 1)
    }
}
