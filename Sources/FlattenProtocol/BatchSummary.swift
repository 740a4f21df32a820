import Foundation

/// The jobs of one submission at a glance (`GET /v1/batches/{id}`).
///
/// `counts` is encoded as an object keyed by state name, e.g. `{"queued": 2, "running": 1}`;
/// a state with no jobs may be left out, and ``count(in:)`` reads it as 0.
public struct BatchSummary: Sendable, Hashable, Codable, Identifiable {
    /// The batch ID shared by the submission's jobs.
    public var id: UUID
    /// The image the submission flattens.
    public var image: ImageReference
    /// When the submission was accepted.
    public var createdAt: Date
    /// How many jobs the submission fanned out into.
    public var jobCount: Int
    /// Jobs per state.
    public var counts: [JobState: Int]
    /// The sum of `bytesSaved` over the succeeded jobs.
    public var bytesSaved: Int64

    public init(
        id: UUID, image: ImageReference, createdAt: Date, jobCount: Int,
        counts: [JobState: Int], bytesSaved: Int64
    ) {
        self.id = id
        self.image = image
        self.createdAt = createdAt
        self.jobCount = jobCount
        self.counts = counts
        self.bytesSaved = bytesSaved
    }

    /// The number of jobs in `state`.
    public func count(in state: JobState) -> Int { counts[state] ?? 0 }

    /// Whether every job has reached a terminal state.
    public var isFinished: Bool {
        counts.filter { !$0.key.isTerminal }.values.allSatisfy { $0 == 0 }
    }

    private enum CodingKeys: String, CodingKey {
        case id, image, createdAt, jobCount, counts, bytesSaved
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        image = try container.decode(ImageReference.self, forKey: .image)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        jobCount = try container.decode(Int.self, forKey: .jobCount)
        counts = try container.decodeEnumKeyed([JobState: Int].self, forKey: .counts)
        bytesSaved = try container.decode(Int64.self, forKey: .bytesSaved)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(image, forKey: .image)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(jobCount, forKey: .jobCount)
        try container.encodeEnumKeyed(counts, forKey: .counts)
        try container.encode(bytesSaved, forKey: .bytesSaved)
    }
}
