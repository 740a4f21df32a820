extension ImageReference: Codable {
    /// Decodes a reference string; an invalid one fails with the field path and the reason.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        // Checked before parsing so that a huge value is neither parsed nor echoed in the error.
        guard string.utf8.count <= ProtocolLimits.maxImageReferenceBytes else {
            throw DecodingError.described(
                in: container,
                "\(decoder.codingPath.renderedPath) must be at most \(ProtocolLimits.maxImageReferenceBytes) bytes (it has \(string.utf8.count))"
            )
        }
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
