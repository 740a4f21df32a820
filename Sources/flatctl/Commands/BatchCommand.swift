import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl batch ID [--wait]`
struct BatchCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Show a submission's jobs per host; with --wait, follow them until they finish.",
        discussion: """
            Exit status: 0 shown (with --wait: every job succeeded or was skipped, and at least \
            one host flattened the image); 1 the coordinator refused the request (unknown \
            batch) or, with --wait, a job failed or was canceled, or nothing was flattened \
            (every host skipped); 2 a usage error, an unreachable coordinator or a rejected \
            token; 130 after Control-C.
            """)

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
        if wait { try BatchReport.endWait(batch, json: connection.json) }
    }
}
