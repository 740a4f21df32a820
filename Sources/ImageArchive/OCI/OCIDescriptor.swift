/// What an OCI manifest or index says about one blob: its media type, digest and size.
public struct OCIDescriptor: Hashable, Sendable {
    public var mediaType: String
    /// `sha256:<hex>`.
    public var digest: String
    public var size: Int64

    public init(mediaType: String, digest: String, size: Int64) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
    }

    /// The member an OCI layout keeps the blob in: `blobs/sha256/<hex>`.
    public var memberName: String { Self.memberName(digest: digest) }

    /// `blobs/<algorithm>/<hex>` for `digest`.
    static func memberName(digest: String) -> String {
        "blobs/" + digest.replacingFirstColon(with: "/")
    }

    /// The digest a member named `blobs/sha256/<64 hex digits>` is named by, or nil.
    static func digest(ofBlobMember name: String) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blobs", parts[1] == "sha256", isSHA256Hex(parts[2]) else { return nil }
        return "sha256:" + parts[2]
    }

    /// Whether `digest` is `sha256:` and 64 lower-case hex digits.
    static func isSHA256Digest(_ digest: String) -> Bool {
        digest.hasPrefix("sha256:") && isSHA256Hex(digest.dropFirst("sha256:".count))
    }

    private static func isSHA256Hex(_ hex: some StringProtocol) -> Bool {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The descriptor as JSON: `mediaType`, `digest`, `size`, then any extra members.
    func json(_ extra: [JSONMember] = []) -> JSONValue {
        .object([
            JSONMember(key: "mediaType", value: .string(mediaType)),
            JSONMember(key: "digest", value: .string(digest)),
            JSONMember(key: "size", value: .number(String(size))),
        ] + extra)
    }

    /// Reads `mediaType` (may be absent: nil is returned as ""), `digest` and `size`.
    init?(json: JSONValue) {
        guard let digest = json["digest"]?.stringValue else { return nil }
        var size: Int64 = -1
        if case .number(let text)? = json["size"], let n = Int64(text) { size = n }
        self.init(mediaType: json["mediaType"]?.stringValue ?? "", digest: digest, size: size)
    }
}

private extension String {
    func replacingFirstColon(with replacement: String) -> String {
        guard let colon = firstIndex(of: ":") else { return self }
        return String(self[..<colon]) + replacement + String(self[index(after: colon)...])
    }
}
