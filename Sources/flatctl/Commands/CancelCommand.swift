import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl cancel ID`
struct CancelCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a job: a queued job at once, a running one at its agent's next heartbeat.")

    @Argument(help: "The job ID (or a unique prefix of it).")
    var id: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let api = try coordinator.api()
        let job = try await api.cancel(try await IDResolver(api: api).job(id))
        if connection.json {
            try JSONOutput.print(job)
        } else if job.state == .canceled {
            Terminal.write("job \(job.id.lowercased) on \(TerminalText.escaped(job.agentName)): canceled\n")
        } else {
            Terminal.write("job \(job.id.lowercased) on \(TerminalText.escaped(job.agentName)): cancel requested; the agent stops the flatten and removes what it made at its next heartbeat\n")
        }
    }
}
