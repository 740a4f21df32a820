/// One entry of `DELETE /images/{name}`: a reference untagged or an image deleted.
public enum ImageDeleteItem: Sendable, Hashable, Codable {
    /// A `name:tag` or `name@digest` reference that was removed.
    case untagged(String)
    /// An image (`sha256:…`) whose data was deleted.
    case deleted(String)

    enum CodingKeys: String, CodingKey {
        case untagged = "Untagged", deleted = "Deleted"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let reference = try container.decodeIfPresent(String.self, forKey: .untagged) {
            self = .untagged(EngineSpelling.familiar(reference))
        } else if let id = try container.decodeIfPresent(String.self, forKey: .deleted) {
            self = .deleted(EngineSpelling.imageID(id))
        } else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "an image delete entry has neither 'Untagged' nor 'Deleted'"
            ))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .untagged(let reference): try container.encode(reference, forKey: .untagged)
        case .deleted(let id): try container.encode(id, forKey: .deleted)
        }
    }
}
