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
    /// 1.41, the newest engine API this client speaks (Docker 20.10); newer engines are spoken to in 1.41.
    public static let maximumSupported = APIVersion(major: 1, minor: 41)
}

/// The rule that picks the API version spoken to an engine.
///
/// The client speaks the lower of the engine's version and its own newest version, and refuses an
/// engine older than its oldest supported version rather than send calls it may misread.
public struct APIVersionNegotiation: Sendable, Hashable {
    /// The oldest engine API version accepted.
    public var minimum: APIVersion
    /// The newest API version this client speaks.
    public var maximum: APIVersion

    public init(minimum: APIVersion = .minimumSupported, maximum: APIVersion = .maximumSupported) {
        precondition(minimum <= maximum, "minimum API version \(minimum) is above maximum \(maximum)")
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The version to speak to an engine whose newest API version is `engineVersion`.
    ///
    /// - Throws: `DockerEngineError` (``DockerEngineError/isUnsupportedEngine``) naming both
    ///   versions when the engine is older than ``minimum``.
    public func negotiate(engineVersion: APIVersion) throws -> APIVersion {
        guard engineVersion >= minimum else {
            throw DockerEngineError.unsupportedEngine(engine: engineVersion, minimum: minimum)
        }
        return Swift.min(engineVersion, maximum)
    }

    /// Like ``negotiate(engineVersion:)`` for the engine's text, which must parse as a version.
    public func negotiate(engineVersion text: String) throws -> APIVersion {
        guard let version = APIVersion(text) else {
            throw DockerEngineError.malformedResponse(
                operation: "negotiate the API version",
                detail: "the engine reported API version '\(text)', which is not of the form 1.41"
            )
        }
        return try negotiate(engineVersion: version)
    }
}
