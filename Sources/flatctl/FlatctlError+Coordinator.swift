import CoordinatorHTTPClient

extension FlatctlError {
    /// The line for a call about `what` that failed, saying what the operator can do: which
    /// option or variable to check, which token to use, where to look for agents.
    init(_ error: CoordinatorError, baseURL: String, what: String) {
        if error.isTLSFailure {
            self = .connection(error.description)
            return
        }
        if error.isUnreachable {
            self = .connection("\(error); check --coordinator or FLATTEN_COORDINATOR and that the coordinator runs")
            return
        }
        guard let status = error.httpStatus else {
            self = .refused("\(error) (\(what))")
            return
        }
        let message = error.message ?? ""
        switch status {
        case 401:
            self = .connection("the coordinator at \(baseURL) rejected the token (401): set --token-file, --token, FLATTEN_TOKEN_FILE or FLATTEN_TOKEN to an operator (admin) token")
        case 403:
            self = .connection("the token may not do this (403): \(message); use an operator (admin) token")
        case 404:
            self = .refused(message.isEmpty ? "unknown \(what) (404)" : "\(message) (404)")
        case 422 where error.code == .noMatchingAgents:
            self = .refused("\(message); see `flatctl agents` for the agents, their labels and whether they are online")
        default:
            let code = error.code.map { " \($0)" } ?? ""
            self = .refused("the coordinator refused \(what) (HTTP \(status)\(code)): \(message)")
        }
    }
}
