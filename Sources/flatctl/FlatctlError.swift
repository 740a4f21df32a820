/// A failure reported as one line a person can act on, with the exit status it ends with.
struct FlatctlError: Error, CustomStringConvertible {
    /// The line, without the `flatctl: error:` prefix.
    let message: String
    /// 1 when the coordinator refused the request; 2 for a usage error, an unreachable
    /// coordinator or a rejected token (the statuses `flatctl --help` states).
    let exitCode: Int32

    var description: String { message }

    static func usage(_ message: String) -> FlatctlError {
        FlatctlError(message: message, exitCode: 2)
    }

    static func connection(_ message: String) -> FlatctlError {
        FlatctlError(message: message, exitCode: 2)
    }

    static func refused(_ message: String) -> FlatctlError {
        FlatctlError(message: message, exitCode: 1)
    }
}
