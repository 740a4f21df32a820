import ArgumentParser
import Foundation

/// `flatctl`: the operators' command line for a flatten fleet's coordinator.
@main
struct Flatctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatctl",
        abstract: "Submit, watch and cancel image flattens across a fleet of Docker hosts.",
        discussion: """
            Every command talks to the coordinator named by --coordinator (or FLATTEN_COORDINATOR) \
            with an operator token from --token-file or --token (or FLATTEN_TOKEN_FILE, \
            FLATTEN_TOKEN); --ca-file (or FLATTEN_CA_FILE) trusts a private CA for an https:// \
            coordinator. A token sent over http:// to another host draws a warning on standard \
            error. --json prints the coordinator's JSON messages instead of tables.

            Exit status: 0 success; 1 the coordinator refused the request (an unknown job, no \
            matching agent, …), or with --wait a job failed or was canceled or nothing was \
            flattened (every host skipped); 2 a usage error, an unreachable coordinator or a \
            rejected token (401, or 403 for a token that is not an operator's); 130 after \
            Control-C.
            """,
        subcommands: [
            SubmitCommand.self, JobsCommand.self, JobCommand.self, BatchCommand.self,
            CancelCommand.self, AgentsCommand.self,
        ])

    /// Runs the command, mapping errors to one line on standard error and the documented exit
    /// codes (ArgumentParser would answer 64 for usage errors).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let failure as FlatctlError {
            FileHandle.standardError.write(Data("flatctl: error: \(TerminalText.escaped(failure.message))\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
