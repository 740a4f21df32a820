/// Parsing and encoding of PAX extended header data (`"%d %s=%s\n"` records).
enum PAXRecords {
    /// Parses PAX header data into records in order. Throws a message naming the fault.
    static func parse(_ data: [UInt8]) throws(PAXParseError) -> [PAXRecord] {
        var records: [PAXRecord] = []
        var i = 0
        while i < data.count {
            // Some writers pad the data with NULs; nothing follows them.
            if data[i] == 0, data[i...].allSatisfy({ $0 == 0 }) { break }
            guard let space = data[i...].firstIndex(of: 0x20) else {
                throw PAXParseError("record at byte \(i) has no length field")
            }
            let lengthBytes = data[i..<space]
            guard !lengthBytes.isEmpty, lengthBytes.count <= 12, lengthBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw PAXParseError("record at byte \(i) has a non-numeric length \"\(String(decoding: lengthBytes, as: UTF8.self))\"")
            }
            let length = lengthBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard length > space - i + 1, i + length <= data.count else {
                throw PAXParseError("record at byte \(i) claims length \(length) but \(data.count - i) bytes remain")
            }
            let end = i + length
            guard data[end - 1] == 0x0a else {
                throw PAXParseError("record at byte \(i) does not end with a newline")
            }
            let body = data[(space + 1)..<(end - 1)]
            guard let eq = body.firstIndex(of: UInt8(ascii: "=")), eq > body.startIndex else {
                throw PAXParseError("record at byte \(i) has no key=value")
            }
            let key = ByteString(bytes: body[body.startIndex..<eq])
            if key.bytes.contains(0) { throw PAXParseError("record at byte \(i) has a NUL in its key") }
            records.append(PAXRecord(key: key, value: ByteString(bytes: body[(eq + 1)...])))
            i = end
        }
        return records
    }

    /// Encodes one record; the length prefix counts itself.
    static func encode(key: [UInt8], value: [UInt8], into out: inout [UInt8]) {
        let rest = 1 + key.count + 1 + value.count + 1  // " key=value\n"
        var length = rest + 1
        while String(length).utf8.count + rest != length { length = String(length).utf8.count + rest }
        out.append(contentsOf: String(length).utf8)
        out.append(0x20)
        out.append(contentsOf: key)
        out.append(UInt8(ascii: "="))
        out.append(contentsOf: value)
        out.append(0x0a)
    }
}

struct PAXParseError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension PAXRecord {
    static let pathKey: ByteString = "path"
    static let linkPathKey: ByteString = "linkpath"
    static let sizeKey: ByteString = "size"
    static let uidKey: ByteString = "uid"
    static let gidKey: ByteString = "gid"
    static let userNameKey: ByteString = "uname"
    static let groupNameKey: ByteString = "gname"
    static let mtimeKey: ByteString = "mtime"
    static let xattrPrefix: ByteString = "SCHILY.xattr."
    static let sparsePrefix: ByteString = "GNU.sparse."
}
