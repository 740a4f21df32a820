/// How a flatten compresses the merged layer where the engine stores layers as blobs (Docker's
/// containerd image store, Podman). Docker's classic store keeps layers unpacked, so there the
/// setting has no effect. JSON: `{"algorithm": "gzip", "level": 1}`; `level` may be left out.
public struct LayerCompressionSetting: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, Hashable, Codable, CaseIterable {
        case gzip
        case zstd
        case none
    }

    public var algorithm: Algorithm
    /// nil: the algorithm's default.
    public var level: Int?

    /// Validates `level` against the algorithm's range.
    public init(algorithm: Algorithm, level: Int? = nil) throws(LayerCompressionError) {
        if let level {
            guard let range = Self.levels(of: algorithm) else {
                throw LayerCompressionError("--compression none takes no level (got \(level))")
            }
            guard range.contains(level) else {
                throw LayerCompressionError("\(algorithm.rawValue) compression levels are \(range.lowerBound) to \(range.upperBound); got \(level)")
            }
        }
        self.algorithm = algorithm
        self.level = level
    }

    /// Parses `gzip`, `zstd` or `none`, with an optional level.
    public init(parsing text: String, level: Int? = nil) throws(LayerCompressionError) {
        guard let algorithm = Algorithm(rawValue: text.lowercased()) else {
            throw LayerCompressionError("unknown compression '\(text)'; use gzip, zstd or none")
        }
        try self.init(algorithm: algorithm, level: level)
    }

    /// The levels an algorithm accepts; nil for `none`.
    public static func levels(of algorithm: Algorithm) -> ClosedRange<Int>? {
        switch algorithm {
        case .gzip: 1...9
        case .zstd: 1...19
        case .none: nil
        }
    }

    public var description: String {
        level.map { "\(algorithm.rawValue) level \($0)" } ?? algorithm.rawValue
    }

    private enum CodingKeys: String, CodingKey { case algorithm, level }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let algorithm = try container.decode(Algorithm.self, forKey: .algorithm)
        let level = try container.decodeIfPresent(Int.self, forKey: .level)
        do { try self.init(algorithm: algorithm, level: level) } catch {
            throw DecodingError.dataCorruptedError(forKey: .level, in: container, debugDescription: error.description)
        }
    }
}

/// A compression setting that cannot be used; the message names the allowed values.
public struct LayerCompressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension LayerCompressionSetting {
    /// The setting `--compression` and `--compression-level` ask for, as both command lines
    /// read them; nil when neither is given. A level alone is refused rather than applied to
    /// whichever algorithm the agent's store defaults to, which the operator may not know.
    /// Messages name the flag at fault.
    public static func fromCommandLine(compression: String?, level: Int?) throws(LayerCompressionError) -> LayerCompressionSetting? {
        guard let compression else {
            if let level {
                throw LayerCompressionError("--compression-level \(level) needs --compression: pass --compression gzip or --compression zstd with it")
            }
            return nil
        }
        do {
            return try LayerCompressionSetting(parsing: compression, level: level)
        } catch {
            // The message names a flag already when it is about --compression none.
            guard !error.description.contains("--") else { throw error }
            let flag = Algorithm(rawValue: compression.lowercased()) == nil ? "--compression" : "--compression-level"
            throw LayerCompressionError("\(error.description) (\(flag))")
        }
    }
}
