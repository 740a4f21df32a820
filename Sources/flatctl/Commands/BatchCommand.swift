import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl batch ID [--wait]`
struct BatchCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Show a submission's jobs per host; with --wait, follow them until they finish.",
        discussion: "Exit status with --wait: 0 when every job succeeded or was skipped, 1 otherwise.")

    @Argument(help: "The batch ID (or a unique prefix of it).")
    var id: String

    @Flag(help: "Follow the jobs until they finish.")
    var wait = false

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let api = try coordinator.api()
        let batchID = try await IDResolver(api: api).batch(id)
        let batch = wait
            ? try await BatchWatcher(api: api, showsProgress: !connection.json).wait(for: batchID)
            : try await api.batch(batchID)
        if connection.json {
            try JSONOutput.print(batch)
        } else {
            Terminal.write(BatchReport.render(batch, width: Terminal.width))
        }
        if wait {
            let code = BatchReport.exitCode(batch)
            if code != 0 { throw ExitCode(code) }
        }
    }
}
