/// Why the agent's state directory cannot be used.
public struct StateDirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory concerned.
    public let path: String
    /// What went wrong, with what to do.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "state directory: \(path): \(reason)" }
}
