/// Whether an agent is reachable, judged by how recently it was seen.
public enum AgentState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Seen recently (claiming or heartbeating); fleet submissions include it.
    case online
    /// Not seen for a while; fleet submissions skip it.
    case offline

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeProtocolEnum()
    }
}
