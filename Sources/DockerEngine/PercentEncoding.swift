/// Percent-encoding for the parts of an engine URL.
enum PercentEncoding {
    /// Encodes a query key or value: everything but RFC 3986 unreserved characters.
    static func queryComponent(_ text: String) -> String {
        encode(text) { isUnreserved($0) }
    }

    /// Encodes an object name placed in a path, such as `registry:5000/team/app:tag` or
    /// `app@sha256:…`: the engine's router takes the rest of the path as the name, so `/`, `:`
    /// and `@` stay as they are.
    static func pathName(_ text: String) -> String {
        encode(text) { isUnreserved($0) || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "@") }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func encode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
