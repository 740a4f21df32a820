import FlattenProtocol

/// What an agent tells the coordinator about an attempt that ended: a completion (succeeded or
/// skipped) or a failure.
///
/// Encoded as `{"complete": JobCompletion}` or `{"fail": JobFailure}` in the state directory's
/// pending results.
public enum JobReport: Sendable, Hashable, Codable {
    /// `POST /v1/jobs/{id}/complete`.
    case complete(JobCompletion)
    /// `POST /v1/jobs/{id}/fail`.
    case fail(JobFailure)

    /// The lease token the report presents.
    public var leaseToken: String {
        switch self {
        case .complete(let completion): completion.leaseToken
        case .fail(let failure): failure.leaseToken
        }
    }

    /// A few words for logs: `succeeded`, `skipped`, `failed` or `failed (retryable)`.
    public var summary: String {
        switch self {
        case .complete(let completion):
            switch completion.outcome {
            case .succeeded: "succeeded"
            case .skipped: "skipped"
            }
        case .fail(let failure):
            failure.retryable ? "failed (retryable)" : "failed"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case complete, fail
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let completion = try container.decodeIfPresent(JobCompletion.self, forKey: .complete) {
            self = .complete(completion)
        } else if let failure = try container.decodeIfPresent(JobFailure.self, forKey: .fail) {
            self = .fail(failure)
        } else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a job report needs a \"complete\" or a \"fail\" key"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .complete(let completion): try container.encode(completion, forKey: .complete)
        case .fail(let failure): try container.encode(failure, forKey: .fail)
        }
    }
}
