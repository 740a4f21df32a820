/// The coordinator of one flatctl command: made from the connection options on first use (a
/// command refused before it calls anything reads no token and opens nothing) and shut down
/// once the command ends (``InterruptibleCommand`` sees to it, however the command ends), so no
/// HTTP client outlives the answer.
///
/// Used by the command's own task only.
final class EndpointScope {
    private let connection: ConnectionOptions
    private var made: CoordinatorAPI?

    init(_ connection: ConnectionOptions) {
        self.connection = connection
    }

    /// The API client, made on the first call.
    func api() throws -> CoordinatorAPI {
        if let made { return made }
        let api = try connection.client()
        made = api
        return api
    }

    /// Shuts the HTTP client down, if one was made; calls still under way fail.
    func shutdown() async {
        await made?.endpoint.shutdown()
        made = nil
    }
}
