import ImageArchive

/// Compares two filesystem trees entry by entry: the check behind `--verify`, usable on any
/// two ``FileTreeSnapshot``s (container exports, layers).
public struct TreeComparison: Sendable {
    /// Paths whose modification time is not compared.
    public var ignoringModificationTime: Set<ByteString>
    /// Paths left out of the comparison altogether.
    public var ignoredPaths: Set<ByteString>

    public init(ignoringModificationTime: Set<ByteString> = [], ignoredPaths: Set<ByteString> = []) {
        self.ignoringModificationTime = ignoringModificationTime
        self.ignoredPaths = ignoredPaths
    }

    /// The paths the engine writes into every container when it creates it (moby's init
    /// layer), and the directories holding them. They carry the container's creation time, so
    /// two containers of one image differ there; their other fields are still compared.
    public static let engineInitPaths: Set<ByteString> = [
        ".dockerenv", "dev", "dev/console", "dev/pts", "dev/shm", "etc", "etc/hostname", "etc/hosts",
        "etc/mtab", "etc/resolv.conf", "proc", "sys",
    ]

    /// Compares the exports of two containers created (never started) on one engine: every
    /// field of every path, except the creation times of ``engineInitPaths``.
    public static let containerExports = TreeComparison(ignoringModificationTime: engineInitPaths)

    /// Every difference, sorted by path.
    public func differences(_ first: FileTreeSnapshot, _ second: FileTreeSnapshot) -> [TreeDifference] {
        var result: [TreeDifference] = []
        let paths = Set(first.entries.keys).union(second.entries.keys).subtracting(ignoredPaths).sorted()
        for path in paths {
            switch (first.entries[path], second.entries[path]) {
            case (.some(let a), .some(let b)):
                let fields = fieldDifferences(a, b, path: path)
                if !fields.isEmpty { result.append(TreeDifference(path: path, kind: .fields(fields))) }
            case (.some, .none):
                result.append(TreeDifference(path: path, kind: .onlyInFirst))
            case (.none, .some):
                result.append(TreeDifference(path: path, kind: .onlyInSecond))
            case (.none, .none):
                break
            }
        }
        return result
    }

    func fieldDifferences(_ a: FileTreeSnapshot.Entry, _ b: FileTreeSnapshot.Entry, path: ByteString) -> [TreeDifference.Field] {
        var fields: [TreeDifference.Field] = []
        func check<Value: Equatable>(_ name: String, _ x: Value, _ y: Value, render: (Value) -> String) {
            if x != y { fields.append(TreeDifference.Field(name: name, first: render(x), second: render(y))) }
        }
        check("type", a.kind, b.kind) { "\($0)" }
        check("mode", a.mode, b.mode) { "0" + String($0, radix: 8) }
        check("uid", a.uid, b.uid) { "\($0)" }
        check("gid", a.gid, b.gid) { "\($0)" }
        if !ignoringModificationTime.contains(path) {
            check("mtime", a.modificationTime, b.modificationTime) { $0.description }
        }
        check("size", a.size, b.size) { "\($0)" }
        check("content", a.contentDigest, b.contentDigest) { $0.map { String($0.prefix(19)) } ?? "none" }
        check("link target", a.linkTarget, b.linkTarget) { $0.map { String(reflecting: $0.description) } ?? "none" }
        check("hard links", a.hardLinks, b.hardLinks) { "[" + $0.map(\.description).joined(separator: ", ") + "]" }
        check("xattrs", a.extendedAttributes, b.extendedAttributes) { "[" + $0.map(\.name.description).joined(separator: ", ") + "]" }
        check("device", a.device, b.device) { $0.map(String.init).joined(separator: ",") }
        return fields
    }
}
