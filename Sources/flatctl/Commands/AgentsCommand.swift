import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl agents`
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the registered agents: state, labels, engine, capacity and running jobs.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let list = try await connection.client().agents()
        if connection.json {
            try JSONOutput.print(list)
            return
        }
        var table = Table([
            .init("NAME", flexible: true), .init("STATE"), .init("LABELS", flexible: true, minimumWidth: 10),
            .init("ENGINE"), .init("API"), .init("CAPACITY"), .init("RUNNING"), .init("LAST SEEN"),
        ])
        for agent in list.agents {
            table.add([
                agent.name, agent.state.rawValue, Formatting.labels(agent.labels), agent.engineVersion,
                agent.engineAPIVersion, "\(agent.capacity)", "\(agent.runningJobs)", Formatting.ago(agent.lastSeenAt),
            ])
        }
        Terminal.write(table.render(width: Terminal.width) + "\n")
    }
}
