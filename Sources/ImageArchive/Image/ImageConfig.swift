import Crypto

/// An image config (`<id>.json`, the `application/vnd.oci.image.config.v1+json` document),
/// kept as an order-preserving JSON tree so every field this code does not know survives.
///
/// Only `rootfs.diff_ids` and `history` are ever replaced; the image ID of a config is the
/// SHA-256 of the exact bytes ``serialized()`` returns.
public struct ImageConfig: Hashable, Sendable {
    /// The whole document.
    public var json: JSONValue

    /// Parses config bytes.
    public init(bytes: some Collection<UInt8>) throws {
        do { json = try JSONValue(parsing: bytes) } catch let error as JSONParseError {
            throw ImageArchiveError(.invalidConfig, detail: error.description)
        }
        guard case .object = json else { throw ImageArchiveError(.invalidConfig, detail: "the config is not a JSON object") }
        _ = try diffIDs()
    }

    public init(json: JSONValue) { self.json = json }

    /// `rootfs.diff_ids`, lowest layer first.
    public func diffIDs() throws -> [String] {
        guard let rootfs = json["rootfs"], case .object = rootfs else {
            throw ImageArchiveError(.invalidConfig, detail: "no rootfs object")
        }
        guard let ids = rootfs["diff_ids"]?.arrayValue else {
            if rootfs["diff_ids"] == .null || rootfs["diff_ids"] == nil { return [] }
            throw ImageArchiveError(.invalidConfig, detail: "rootfs.diff_ids is not an array")
        }
        return try ids.map {
            guard let s = $0.stringValue else { throw ImageArchiveError(.invalidConfig, detail: "rootfs.diff_ids holds a non-string") }
            return s
        }
    }

    /// The `history` entries (empty when absent).
    public var history: [JSONValue] { json["history"]?.arrayValue ?? [] }

    /// The config with `rootfs.diff_ids` and `history` replaced and everything else untouched.
    /// A config without `history` gets one only if `history` is non-empty.
    public func replacing(diffIDs: [String], history: [JSONValue]) -> ImageConfig {
        var root = json
        let rootfs = (json["rootfs"] ?? .object([])).setting("diff_ids", to: .array(diffIDs.map(JSONValue.string)))
        root = root.setting("rootfs", to: rootfs)
        if json["history"] != nil || !history.isEmpty {
            root = root.setting("history", to: .array(history))
        }
        return ImageConfig(json: root)
    }

    /// The compact JSON bytes of the config.
    public func serialized() -> [UInt8] { json.serialized() }

    /// `sha256:<hex>` of `bytes`: the image ID of a config, the diff ID of a layer.
    public static func digest(of bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return "sha256:" + hasher.finalize().hexString
    }

    /// Whether a history entry stands for no layer (`"empty_layer": true`).
    public static func isEmptyLayer(_ entry: JSONValue) -> Bool { entry["empty_layer"]?.boolValue == true }

    /// The config of the image flattened from this one: the lowest `keptCount` diff IDs and
    /// `newDiffID`; the kept layers' history entries and every `empty_layer` entry (ENV, CMD…)
    /// stay where they are; the history entries of the squashed layers are replaced by one entry
    /// (at the place of the last of them) whose `created_by` reads
    /// `flatten-fleet: squashed N layers (<short diff ids>)`. So the entries without
    /// `empty_layer` still line up one-to-one with `rootfs.diff_ids`, as moby requires.
    ///
    /// The new entry's `created` is the last squashed entry's (or the image's), so the result
    /// depends only on the input: the same image flattens to the same image ID.
    public func flattened(keepingLowest keptCount: Int, newDiffID: String) throws -> ImageConfig {
        let ids = try diffIDs()
        guard keptCount >= 0, keptCount < ids.count else {
            throw ImageArchiveError(.invalidArgument, detail: "cannot keep \(keptCount) of \(ids.count) layers")
        }
        let squashed = ids[keptCount...]
        let short = squashed.map { id -> String in
            let hex = id.split(separator: ":").last.map(String.init) ?? id
            return String(hex.prefix(12))
        }
        var created = json["created"]
        var newHistory: [JSONValue] = []
        var insertAt: Int?
        var layerIndex = 0
        for entry in history {
            if Self.isEmptyLayer(entry) { newHistory.append(entry); continue }
            defer { layerIndex += 1 }
            if layerIndex < keptCount { newHistory.append(entry); continue }
            if let c = entry["created"] { created = c }
            insertAt = newHistory.count
        }
        var members: [JSONMember] = []
        if let created { members.append(JSONMember(key: "created", value: created)) }
        members.append(JSONMember(key: "created_by", value: .string("flatten-fleet: squashed \(squashed.count) layers (\(short.joined(separator: ", ")))")))
        members.append(JSONMember(key: "comment", value: .string("flatten-fleet")))
        newHistory.insert(.object(members), at: insertAt ?? newHistory.count)
        return replacing(diffIDs: Array(ids[..<keptCount]) + [newDiffID], history: newHistory)
    }
}
