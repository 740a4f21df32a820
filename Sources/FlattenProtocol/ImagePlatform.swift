/// An image platform, `os/architecture[/variant]` (`linux/amd64`, `linux/arm/v7`), as Docker's
/// `--platform` spells it.
public struct ImagePlatform: Sendable, Hashable, Codable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses `linux/amd64` or `linux/arm64/v8`.
    public init(parsing text: String) throws(ImagePlatformError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let wellFormed = (2...3).contains(parts.count) && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 32 && part.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7a).contains($0) }
        }
        guard wellFormed else {
            throw ImagePlatformError("'\(text)' is not a platform; write os/architecture[/variant] in lower case, such as linux/amd64 or linux/arm64/v8")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// Whether an image of `other` is what this platform asks for: a platform without a variant
    /// accepts any variant.
    public func matches(_ other: ImagePlatform) -> Bool {
        os == other.os && architecture == other.architecture && (variant == nil || variant == other.variant)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A platform that cannot be parsed; the message shows the expected form.
public struct ImagePlatformError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
