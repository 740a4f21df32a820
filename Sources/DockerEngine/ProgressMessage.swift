/// One line of the JSON-message stream that `load`, `import`, `build`, `push` and `pull` answer
/// with (moby's `jsonmessage.JSONMessage`). Fields absent from a line are `nil`.
public struct ProgressMessage: Sendable, Hashable, Codable {
    /// Text output (build steps, `Loaded image: …`).
    public var stream: String?
    /// A status line (`Pushing`, `Digest: sha256:…`, an imported image's ID).
    public var status: String?
    /// The object the status is about (a layer ID during push and pull).
    public var id: String?
    /// A rendered progress bar.
    public var progress: String?
    /// Progress figures behind ``progress``.
    public var progressDetail: ProgressDetail?
    /// The error text when the operation failed inside the stream.
    public var error: String?
    /// The error with its code when the operation failed inside the stream.
    public var errorDetail: ErrorDetail?
    /// Auxiliary data: the built image's ID, a pushed image's digest. `nil` when absent or not of
    /// the shape below.
    public var aux: Aux?

    public struct ProgressDetail: Sendable, Hashable, Codable {
        public var current: Int64?
        public var total: Int64?

        public init(current: Int64? = nil, total: Int64? = nil) {
            self.current = current
            self.total = total
        }
    }

    public struct ErrorDetail: Sendable, Hashable, Codable {
        /// For a failed `RUN`, its exit status.
        public var code: Int?
        public var message: String?

        public init(code: Int? = nil, message: String? = nil) {
            self.code = code
            self.message = message
        }
    }

    public struct Aux: Sendable, Hashable, Codable {
        /// The built image's ID (`build`).
        public var id: String?
        /// The pushed tag (`push`).
        public var tag: String?
        /// The pushed manifest's digest (`push`).
        public var digest: String?
        /// The pushed manifest's size (`push`).
        public var size: Int64?

        public init(id: String? = nil, tag: String? = nil, digest: String? = nil, size: Int64? = nil) {
            self.id = id
            self.tag = tag
            self.digest = digest
            self.size = size
        }

        enum CodingKeys: String, CodingKey {
            case id = "ID", tag = "Tag", digest = "Digest", size = "Size"
        }
    }

    public init(
        stream: String? = nil, status: String? = nil, id: String? = nil, progress: String? = nil,
        progressDetail: ProgressDetail? = nil, error: String? = nil, errorDetail: ErrorDetail? = nil,
        aux: Aux? = nil
    ) {
        self.stream = stream
        self.status = status
        self.id = id
        self.progress = progress
        self.progressDetail = progressDetail
        self.error = error
        self.errorDetail = errorDetail
        self.aux = aux
    }

    enum CodingKeys: String, CodingKey {
        case stream, status, id, progress, progressDetail, error, errorDetail, aux
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stream = try container.decodeIfPresent(String.self, forKey: .stream)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        progress = try container.decodeIfPresent(String.self, forKey: .progress)
        // Progress and aux payloads vary by endpoint and engine version (BuildKit sends aux as a
        // base64 string); a shape we do not know must not fail the whole line.
        progressDetail = try? container.decodeIfPresent(ProgressDetail.self, forKey: .progressDetail)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        errorDetail = try? container.decodeIfPresent(ErrorDetail.self, forKey: .errorDetail)
        aux = try? container.decodeIfPresent(Aux.self, forKey: .aux)
    }

    /// The failure this line reports, if any: `errorDetail.message`, else `error`.
    public var failureMessage: String? {
        if let message = errorDetail?.message, !message.isEmpty { return message }
        if let error, !error.isEmpty { return error }
        return nil
    }
}
