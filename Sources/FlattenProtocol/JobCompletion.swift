/// An agent reporting that a job finished without failing (`POST /v1/jobs/{id}/complete`).
///
/// Encoded with exactly one of `result` or `skipped`:
/// `{"leaseToken": "…", "result": {…}}` or `{"leaseToken": "…", "skipped": {"reason": "…"}}`.
/// Delivery is idempotent per job and lease, so an agent retries it until acknowledged.
public struct JobCompletion: Sendable, Hashable, Codable {
    /// How the job ended.
    public enum Outcome: Sendable, Hashable {
        /// The image was flattened.
        case succeeded(FlattenResult)
        /// There was nothing to do, e.g. the image is absent on this host or the flatten would
        /// save less than `minSavings`.
        case skipped(reason: String)
    }

    /// The token from the ``ClaimResponse``.
    public var leaseToken: String
    /// How the job ended.
    public var outcome: Outcome

    public init(leaseToken: String, outcome: Outcome) {
        self.leaseToken = leaseToken
        self.outcome = outcome
    }

    private enum CodingKeys: String, CodingKey {
        case leaseToken, result, skipped
    }

    private struct Skipped: Codable {
        var reason: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        leaseToken = try container.decode(String.self, forKey: .leaseToken)
        switch (container.contains(.result), container.contains(.skipped)) {
        case (true, false):
            outcome = .succeeded(try container.decode(FlattenResult.self, forKey: .result))
        case (false, true):
            outcome = .skipped(reason: try container.decode(Skipped.self, forKey: .skipped).reason)
        case (let hasResult, _):
            throw DecodingError.described(
                at: decoder.codingPath, "job completion at \(decoder.codingPath.renderedPath) must have exactly one of \"result\" or \"skipped\"; found \(hasResult ? "both" : "neither")"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(leaseToken, forKey: .leaseToken)
        switch outcome {
        case .succeeded(let result): try container.encode(result, forKey: .result)
        case .skipped(let reason): try container.encode(Skipped(reason: reason), forKey: .skipped)
        }
    }
}
