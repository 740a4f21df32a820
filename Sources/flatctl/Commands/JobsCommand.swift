import ArgumentParser
import FlattenProtocol
import FleetFormatting
import Foundation

/// `flatctl jobs [--state S] [--host H] [--batch ID] [--limit N]`
struct JobsCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs, newest first.")

    @Option(help: ArgumentHelp("Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "state"))
    var state: JobState?

    @Option(help: ArgumentHelp("Only jobs of this host (agent name).", valueName: "name"))
    var host: String?

    @Option(help: ArgumentHelp("Only jobs of this batch (ID or unique prefix).", valueName: "id"))
    var batch: String?

    @Option(help: ArgumentHelp("Only jobs of this image.", valueName: "image"))
    var image: String?

    @Option(help: "How many jobs to show (1 to 500).")
    var limit: Int = 50

    @Flag(name: .customLong("no-trunc"), help: "Show full IDs.")
    var noTrunc = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1...500).contains(limit) else {
            throw ValidationError("--limit must be from 1 to 500 (it is \(limit))")
        }
    }

    func run(_ coordinator: EndpointScope) async throws {
        let api = try coordinator.api()
        let batchID = try await batch.asyncMap { try await IDResolver(api: api).batch($0) }
        let list = try await api.jobs(.init(state: state, agent: host, batch: batchID, image: image, limit: limit))
        if connection.json {
            try JSONOutput.print(list)
            return
        }
        var table = Table([
            .init("JOB ID"), .init("IMAGE", flexible: true, minimumWidth: 12), .init("HOST", flexible: true),
            .init("STATE"), .init("ATTEMPT"), .init("DETAIL", flexible: true, minimumWidth: 10), .init("CREATED"),
        ])
        for job in list.jobs {
            table.add([
                noTrunc ? job.id.lowercased : Formatting.shortID(job.id),
                Formatting.image(job.image), job.agentName, job.state.rawValue,
                "\(job.attempt)/\(job.maxAttempts)", Formatting.detail(job), Formatting.ago(job.createdAt),
            ])
        }
        Terminal.write(table.render(width: Terminal.width) + "\n")
        if list.nextCursor != nil, list.jobs.count == limit {
            FileHandle.standardError.write(Data("(showing the newest \(limit); use --limit or filters for others)\n".utf8))
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
