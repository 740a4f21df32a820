/// A tar archive could not be read or written.
///
/// The description names the archive (``source``), the entry when its name is known, the byte
/// offset of the header block at fault and what was wrong, for example
/// `layer 2 (abc/layer.tar): entry "etc/passwd" at offset 10240: header checksum 1234 does not match computed 4321`.
public struct TarError: Error, CustomStringConvertible, Sendable {
    /// The class of problem; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case badChecksum = "bad header checksum"
            case truncated = "truncated archive"
            case invalidNumericField = "invalid numeric field"
            case invalidPAXRecord = "invalid PAX record"
            case absurdSize = "absurd size"
            case unsupportedEntryType = "unsupported entry type"
            case unencodable = "entry cannot be encoded"
            case ioFailure = "I/O failure"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The header's checksum field does not match its bytes.
        public static let badChecksum = Code(.badChecksum)
        /// The archive ends inside a header or inside an entry's content.
        public static let truncated = Code(.truncated)
        /// A numeric header field holds something that is not a number.
        public static let invalidNumericField = Code(.invalidNumericField)
        /// A PAX extended header is malformed.
        public static let invalidPAXRecord = Code(.invalidPAXRecord)
        /// A size is negative or larger than the archive can hold.
        public static let absurdSize = Code(.absurdSize)
        /// The entry type (GNU sparse, multi-volume, …) is not supported.
        public static let unsupportedEntryType = Code(.unsupportedEntryType)
        /// The writer was given an entry it cannot represent (NUL in a name, content on a link…).
        public static let unencodable = Code(.unencodable)
        /// Reading or writing the underlying file failed.
        public static let ioFailure = Code(.ioFailure)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The archive being read, such as `layer 1 (blobs/sha256/ab…)`; empty when unknown.
    public let source: String
    /// The entry's name, when the header got far enough to know it.
    public let entry: String?
    /// Byte offset of the entry's first header block within the archive.
    public let offset: Int64
    /// What exactly was wrong.
    public let detail: String

    public init(_ code: Code, source: String = "", entry: String? = nil, offset: Int64, detail: String) {
        self.code = code
        self.source = source
        self.entry = entry
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var text = source.isEmpty ? "tar" : source
        if let entry { text += ": entry \"\(entry)\"" } else { text += ": entry" }
        text += " at offset \(offset): \(code): \(detail)"
        return text
    }
}
