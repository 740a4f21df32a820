extension ImageReference: Codable {
    /// Decodes a reference string; an invalid one fails with the field path and the reason.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            try self.init(string)
        } catch {
            throw DecodingError.described(
                in: container,
                "\(decoder.codingPath.renderedPath): \(error.description)"
            )
        }
    }

    /// Encodes the normalized ``description``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
