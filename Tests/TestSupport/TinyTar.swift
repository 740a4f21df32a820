/// A minimal ustar writer for test archives (rootfs for `importImage`, build contexts). Shared by the
/// test targets (TestSupport) and deliberately small: names up to 100 bytes, regular files, directories and symlinks.
public struct TinyTar {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Fixed so that archives of the same entries are identical.
    public var modificationTime = 1_700_000_000

    public mutating func addDirectory(_ name: String, mode: Int = 0o755) {
        appendHeader(name: name.hasSuffix("/") ? name : name + "/", mode: mode, size: 0, type: "5", linkName: "")
    }

    public mutating func addFile(_ name: String, contents: [UInt8], mode: Int = 0o644) {
        appendHeader(name: name, mode: mode, size: contents.count, type: "0", linkName: "")
        bytes += contents
        padToBlock()
    }

    public mutating func addFile(_ name: String, text: String, mode: Int = 0o644) {
        addFile(name, contents: Array(text.utf8), mode: mode)
    }

    public mutating func addSymlink(_ name: String, target: String) {
        appendHeader(name: name, mode: 0o777, size: 0, type: "2", linkName: target)
    }

    /// The archive with its two zero end blocks.
    public func finished() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 1024)
    }

    private mutating func padToBlock() {
        let remainder = bytes.count % 512
        if remainder != 0 {
            bytes += [UInt8](repeating: 0, count: 512 - remainder)
        }
    }

    private mutating func appendHeader(name: String, mode: Int, size: Int, type: Character, linkName: String) {
        precondition(name.utf8.count <= 100 && linkName.utf8.count <= 100, "TinyTar handles names up to 100 bytes")
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        func putOctal(_ value: Int, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: width - 1 - digits.count) + digits, at: offset)
        }
        put(name, at: 0)
        putOctal(mode, at: 100, width: 8)
        putOctal(0, at: 108, width: 8)
        putOctal(0, at: 116, width: 8)
        putOctal(size, at: 124, width: 12)
        putOctal(modificationTime, at: 136, width: 12)
        put("        ", at: 148)
        header[156] = type.asciiValue!
        put(linkName, at: 157)
        put("ustar", at: 257)
        put("00", at: 263)
        put("root", at: 265)
        put("root", at: 297)
        let checksum = header.reduce(0) { $0 + Int($1) }
        let digits = String(checksum, radix: 8)
        put(String(repeating: "0", count: 6 - digits.count) + digits, at: 148)
        header[154] = 0
        header[155] = UInt8(ascii: " ")
        bytes += header
    }
}
