/// The body of every error response: `{"error": {"code": "…", "message": "…"}}`.
///
/// Also an `Error`, so a client can throw the body it received.
public struct ErrorBody: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The error itself.
    public struct Detail: Sendable, Hashable, Codable {
        /// What kind of error, for programs.
        public var code: APIErrorCode
        /// What went wrong, for a person.
        public var message: String

        public init(code: APIErrorCode, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The error.
    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }

    public init(code: APIErrorCode, message: String) {
        self.error = Detail(code: code, message: message)
    }

    public var description: String { "\(error.code): \(error.message)" }
}
