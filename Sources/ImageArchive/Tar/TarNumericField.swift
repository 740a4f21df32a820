/// Reading and writing the numeric fields of a ustar header block.
///
/// Fields are octal ASCII padded with NUL or space; GNU tar (and Go's writer) also uses
/// base-256 (first byte's high bit set, big-endian two's complement) for values that do not fit.
enum TarNumericField {
    enum ParseError: Error {
        case notANumber(String)
        case overflow
    }

    /// Parses a numeric field.
    static func parse(_ field: UnsafeRawBufferPointer) throws(ParseError) -> Int64 {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            // Base-256: big-endian two's complement after the marker bit (0x80 positive, 0xff negative).
            let invert: UInt8 = first & 0x40 != 0 ? 0xff : 0
            var value: UInt64 = 0
            for (i, byte) in field.enumerated() {
                var b = byte ^ invert
                if i == 0 { b &= 0x7f }
                if value >> 56 != 0 { throw .overflow }
                value = value << 8 | UInt64(b)
            }
            if value >> 63 != 0 { throw .overflow }
            return invert == 0xff ? ~Int64(value) : Int64(value)
        }
        var start = 0
        var end = field.count
        while start < end && (field[start] == 0x20) { start += 1 }
        // The value ends at the first NUL; trailing spaces are padding.
        if let nul = field[start..<end].firstIndex(of: 0) { end = nul }
        while end > start && (field[end - 1] == 0x20) { end -= 1 }
        var value: Int64 = 0
        for i in start..<end {
            let c = field[i]
            guard c >= 0x30 && c <= 0x37 else {
                throw .notANumber(Self.show(field))
            }
            if value > (Int64.max >> 3) { throw .overflow }
            value = value << 3 | Int64(c - 0x30)
        }
        return value
    }

    /// The largest value an octal field of `width` bytes holds (width-1 digits and a NUL).
    static func maxOctal(width: Int) -> Int64 {
        let digits = width - 1
        if digits >= 21 { return Int64.max }
        return (Int64(1) << (3 * Int64(digits))) - 1
    }

    /// Writes `value` as zero-padded octal with a terminating NUL; the caller checked it fits.
    static func writeOctal(_ value: Int64, into block: UnsafeMutableRawBufferPointer, at offset: Int, width: Int) {
        precondition(value >= 0 && value <= maxOctal(width: width))
        var v = value
        var i = offset + width - 2
        while i >= offset {
            block[i] = UInt8(0x30 + (v & 7))
            v >>= 3
            i -= 1
        }
        block[offset + width - 1] = 0
    }

    static func show(_ field: UnsafeRawBufferPointer) -> String {
        var s = ""
        for b in field {
            if b >= 0x20 && b < 0x7f { s.append(Character(Unicode.Scalar(b))) } else { s += "\\x" + String(b, radix: 16) }
        }
        return s
    }
}
