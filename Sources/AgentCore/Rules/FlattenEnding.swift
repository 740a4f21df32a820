import FlattenProtocol

/// How one flatten attempt ended on the engine, before anything is reported.
public enum FlattenEnding: Sendable, Hashable {
    /// The image was flattened and tagged.
    case flattened(FlattenResult)
    /// Nothing was done on purpose (e.g. `minSavings` not reached).
    case skipped(reason: String)
    /// The flatten threw; what it made was removed.
    case failed(FlattenFailure)
}

/// The facts about a failed flatten the report depends on, as a plain value (the Flattening
/// module's error is read into one by ``AgentFlattener``).
public struct FlattenFailure: Sendable, Hashable {
    /// One line a person can act on.
    public var message: String
    /// Whether another attempt could succeed.
    public var isRetryable: Bool
    /// The image (or `--base` image) is not on the engine.
    public var isImageNotFound: Bool
    /// The flatten stopped because its task was cancelled.
    public var isCanceled: Bool
    /// The engine did not answer when checked after the failure: the engine vanished, the job
    /// is not at fault (whatever the failure looked like: a cut save can end cleanly).
    public var isEngineUnavailable: Bool

    public init(
        message: String, isRetryable: Bool, isImageNotFound: Bool = false, isCanceled: Bool = false,
        isEngineUnavailable: Bool = false
    ) {
        self.message = message
        self.isRetryable = isRetryable
        self.isImageNotFound = isImageNotFound
        self.isCanceled = isCanceled
        self.isEngineUnavailable = isEngineUnavailable
    }
}
