/// A request to flatten an image on one host or across the fleet (`POST /v1/jobs`).
///
/// Only `image` and `target` are required; `options` defaults to `{}`, `priority` to 0 and
/// `maxAttempts` to 3 (it must be at least 1). Resubmitting with the same `idempotencyKey`
/// returns the first submission's batch instead of queuing new jobs.
public struct JobSubmission: Sendable, Hashable, Codable {
    /// The attempts a job gets when the submission does not say.
    public static let defaultMaxAttempts = 3

    /// The image to flatten.
    public var image: ImageReference
    /// Which agents get a job.
    public var target: JobTarget
    /// How to flatten.
    public var options: FlattenOptions
    /// Higher runs first.
    public var priority: Int
    /// How many attempts each job may use.
    public var maxAttempts: Int
    /// A client-chosen key that makes retried submissions safe.
    public var idempotencyKey: String?

    public init(
        image: ImageReference,
        target: JobTarget,
        options: FlattenOptions = FlattenOptions(),
        priority: Int = 0,
        maxAttempts: Int = JobSubmission.defaultMaxAttempts,
        idempotencyKey: String? = nil
    ) {
        self.image = image
        self.target = target
        self.options = options
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.idempotencyKey = idempotencyKey
    }

    private enum CodingKeys: String, CodingKey {
        case image, target, options, priority, maxAttempts, idempotencyKey
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decode(ImageReference.self, forKey: .image)
        target = try container.decode(JobTarget.self, forKey: .target)
        options = try container.decodeIfPresent(FlattenOptions.self, forKey: .options) ?? FlattenOptions()
        priority = try container.decodeIntegerIfPresent(Int.self, forKey: .priority, range: ProtocolLimits.priorityRange) ?? 0
        maxAttempts = try container.decodeIntegerIfPresent(Int.self, forKey: .maxAttempts, range: ProtocolLimits.maxAttemptsRange) ?? Self.defaultMaxAttempts
        guard maxAttempts >= 1 else {
            throw DecodingError.described(
                forKey: .maxAttempts, in: container,
                "\((container.codingPath + [CodingKeys.maxAttempts]).renderedPath) must be at least 1 (it is \(maxAttempts))")
        }
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
    }
}
