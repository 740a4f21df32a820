/// Which agents a submission's jobs go to.
///
/// Encoded as an object with exactly one key: `{"host":"a"}`, `{"selector":{"k":"v"}}` or
/// `{"all":true}`. Decoding rejects objects with none or several of them, an empty host name,
/// an empty selector (use `all`), and `"all": false`.
public enum JobTarget: Sendable, Hashable, Codable {
    /// The one agent registered under this name.
    case host(String)
    /// Every live agent whose labels include all of these label equalities.
    case selector([String: String])
    /// Every live agent.
    case all

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case host, selector, all
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let present = CodingKeys.allCases.filter { container.contains($0) }
        let path = decoder.codingPath.renderedPath
        guard present.count == 1, let key = present.first else {
            let found = present.isEmpty ? "none" : present.map(\.rawValue).joined(separator: " and ")
            throw DecodingError.described(
                at: decoder.codingPath, "job target at \(path) must have exactly one of \"host\", \"selector\" or \"all\"; found \(found)"
            )
        }
        switch key {
        case .host:
            let host = try container.decode(String.self, forKey: .host)
            guard !host.isEmpty else {
                throw DecodingError.described(
                    forKey: .host, in: container, "\((container.codingPath + [CodingKeys.host]).renderedPath) must not be empty")
            }
            self = .host(host)
        case .selector:
            let selector = try container.decode([String: String].self, forKey: .selector)
            guard !selector.isEmpty else {
                throw DecodingError.described(
                    forKey: .selector, in: container,
                    "\((container.codingPath + [CodingKeys.selector]).renderedPath) must have at least one label; use {\"all\":true} to target every agent")
            }
            self = .selector(selector)
        case .all:
            guard try container.decode(Bool.self, forKey: .all) else {
                throw DecodingError.described(
                    forKey: .all, in: container,
                    "\((container.codingPath + [CodingKeys.all]).renderedPath) must be true when present")
            }
            self = .all
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .host(let host): try container.encode(host, forKey: .host)
        case .selector(let selector): try container.encode(selector, forKey: .selector)
        case .all: try container.encode(true, forKey: .all)
        }
    }

    /// Whether an agent with `name` and `labels` is a target.
    public func matches(agentName name: String, labels: [String: String]) -> Bool {
        switch self {
        case .host(let host): host == name
        case .selector(let selector): selector.allSatisfy { labels[$0.key] == $0.value }
        case .all: true
        }
    }
}
