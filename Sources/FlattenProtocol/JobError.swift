/// Why a job failed.
public struct JobError: Sendable, Hashable, Codable {
    /// What went wrong, for a person.
    public var message: String
    /// Whether another attempt could succeed (a network blip) or not (a corrupt image).
    public var retryable: Bool

    public init(message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }
}
