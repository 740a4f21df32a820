import ArgumentParser
import DockerEngine
import Flattening
import Foundation

/// Ends a command with one line on standard error and exit status 1.
enum CommandFailure {
    /// Prints `flatten-agent: <message>` to standard error and answers the exit code to throw.
    static func report(_ error: any Error) -> ExitCode {
        let message: String
        switch error {
        case let error as FlattenError: message = error.description
        case let error as DockerEngineError: message = error.description
        case let error as CustomStringConvertible: message = error.description
        default: message = "\(error)"
        }
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("flatten-agent: error: \(line)\n".utf8))
        return ExitCode(1)
    }
}
