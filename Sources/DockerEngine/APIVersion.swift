/// A Docker Engine API version such as `1.41`, ordered numerically (`1.9 < 1.10`).
public struct APIVersion: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.41"`.
    ///
    /// - Returns: `nil` unless the text is two non-negative decimal numbers separated by a dot.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let major = Int(parts[0]), let minor = Int(parts[1])
        else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    /// The path prefix of a versioned API call: `/v1.41`.
    public var pathPrefix: String { "/v\(description)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = APIVersion(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not an API version like 1.41"
            ))
        }
        self = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// 1.40, the oldest engine API this client accepts (Docker 19.03).
    public static let minimumSupported = APIVersion(major: 1, minor: 40)
    /// 1.51, the newest engine API this client speaks (Docker 28.3 to 28.5); newer engines are
    /// spoken to in 1.51, which they still accept.
    public static let maximumSupported = APIVersion(major: 1, minor: 51)
    /// 1.48 (Docker 28.0): `save` and `load` take a `platform` parameter.
    public static let platformOnSaveAndLoad = APIVersion(major: 1, minor: 48)
}

/// The rule that picks the API version spoken to an engine.
///
/// An engine accepts a range of versions (`MinAPIVersion` to `ApiVersion` in `GET /version`;
/// Docker 29 refuses anything below 1.44) and this client speaks a range of its own. The client
/// speaks the newest version inside both ranges and refuses only when they do not meet, rather
/// than send calls the engine would refuse or misread.
public struct APIVersionNegotiation: Sendable, Hashable {
    /// The oldest API version this client speaks.
    public var minimum: APIVersion
    /// The newest API version this client speaks.
    public var maximum: APIVersion

    public init(minimum: APIVersion = .minimumSupported, maximum: APIVersion = .maximumSupported) {
        precondition(minimum <= maximum, "minimum API version \(minimum) is above maximum \(maximum)")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The version to speak to an engine that accepts `engineMinimum` through `engineVersion`.
    ///
    /// An engine that does not say its minimum (`engineMinimum` nil) is taken to accept every
    /// version up to its own, as engines before `MinAPIVersion` existed did.
    ///
    /// - Throws: `DockerEngineError` (``DockerEngineError/isUnsupportedEngine``) naming both
    ///   ranges when they do not meet.
    public func negotiate(engineVersion: APIVersion, engineMinimum: APIVersion? = nil) throws -> APIVersion {
        let spoken = Swift.min(engineVersion, maximum)
        guard spoken >= minimum, spoken >= (engineMinimum ?? spoken) else {
            throw DockerEngineError.unsupportedEngine(
                engine: (engineMinimum ?? engineVersion)...engineVersion, client: minimum...maximum
            )
        }
        return spoken
    }

    /// Like ``negotiate(engineVersion:engineMinimum:)`` for the engine's `GET /version` texts,
    /// which must parse as versions.
    public func negotiate(engineVersion text: String, engineMinimum minimumText: String? = nil) throws -> APIVersion {
        func parse(_ text: String, field: String) throws -> APIVersion {
            guard let version = APIVersion(text) else {
                throw DockerEngineError.malformedResponse(
                    operation: "negotiate the API version",
                    detail: "the engine reported \(field) '\(text)', which is not of the form 1.41"
                )
            }
            return version
        }
        let minimum = try minimumText.map { try parse($0, field: "MinAPIVersion") }
        return try negotiate(engineVersion: parse(text, field: "API version"), engineMinimum: minimum)
    }
}
