/// One member of a tar archive: everything its headers (ustar, PAX, GNU long names) said.
///
/// The reader fills every field from the effective header (global PAX defaults, then the
/// entry's own PAX records, then the ustar block); the writer turns the same value back into
/// headers, choosing ustar when everything fits and PAX records otherwise. Unknown PAX records
/// (`atime`, `ctime`, vendor keys) are kept in ``paxRecords`` so they survive a round trip.
public struct TarEntry: Hashable, Sendable {
    /// What an entry is.
    public enum Kind: Hashable, Sendable {
        case regular
        case hardLink
        case symbolicLink
        case characterDevice
        case blockDevice
        case directory
        case fifo

        /// The ustar type flag written for this kind.
        public var typeFlag: UInt8 {
            switch self {
            case .regular: UInt8(ascii: "0")
            case .hardLink: UInt8(ascii: "1")
            case .symbolicLink: UInt8(ascii: "2")
            case .characterDevice: UInt8(ascii: "3")
            case .blockDevice: UInt8(ascii: "4")
            case .directory: UInt8(ascii: "5")
            case .fifo: UInt8(ascii: "6")
            }
        }
    }

    /// The name as written in the archive (not normalized).
    public var name: ByteString
    public var kind: Kind
    /// Permission and special bits (setuid 0o4000, setgid 0o2000, sticky 0o1000), kept as read.
    public var mode: Int64
    public var uid: Int64
    public var gid: Int64
    public var userName: ByteString
    public var groupName: ByteString
    /// Content size in bytes; only regular files have content.
    public var size: Int64
    public var modificationTime: TarTimestamp
    /// Target of a symbolic link (data, never followed) or the earlier member a hard link names.
    public var linkName: ByteString
    public var deviceMajor: Int64
    public var deviceMinor: Int64
    /// Extended attributes from `SCHILY.xattr.NAME` records, in the order read; values are binary.
    public var extendedAttributes: [ExtendedAttribute]
    /// PAX records this code does not interpret, in the order read.
    public var paxRecords: [PAXRecord]

    public init(
        name: ByteString,
        kind: Kind,
        mode: Int64 = 0o644,
        uid: Int64 = 0,
        gid: Int64 = 0,
        userName: ByteString = .empty,
        groupName: ByteString = .empty,
        size: Int64 = 0,
        modificationTime: TarTimestamp = .zero,
        linkName: ByteString = .empty,
        deviceMajor: Int64 = 0,
        deviceMinor: Int64 = 0,
        extendedAttributes: [ExtendedAttribute] = [],
        paxRecords: [PAXRecord] = []
    ) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.size = size
        self.modificationTime = modificationTime
        self.linkName = linkName
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.extendedAttributes = extendedAttributes
        self.paxRecords = paxRecords
    }
}

/// An extended attribute carried as a `SCHILY.xattr.NAME` PAX record.
public struct ExtendedAttribute: Hashable, Sendable {
    /// The attribute name, such as `security.capability`.
    public var name: ByteString
    /// The binary value, kept exactly.
    public var value: [UInt8]

    public init(name: ByteString, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// A PAX extended header record (`key=value`) kept verbatim.
public struct PAXRecord: Hashable, Sendable {
    public var key: ByteString
    public var value: ByteString

    public init(key: ByteString, value: ByteString) {
        self.key = key
        self.value = value
    }
}
