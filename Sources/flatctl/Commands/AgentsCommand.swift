import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl agents`
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the registered agents: state, labels, engine, image store, platform, capacity and running jobs.",
        discussion: """
            ENGINE is the product and its version (Docker 28.5.2, Podman 4.3.1); STORE is where \
            the engine keeps images, which decides whether --compression applies (containerd, \
            containers-storage) or not (graphdriver). An agent that did not report a detail \
            (an older agent) shows -.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let list = try await connection.client().agents()
        if connection.json {
            try JSONOutput.print(list)
            return
        }
        Terminal.write(Self.render(list.agents, width: Terminal.width))
    }

    /// The agents as a table, one line each. On a narrow terminal the store gives up its driver
    /// before its kind (`containers-storage` is 18 characters): the kind decides compression.
    static func render(_ agents: [AgentInfo], width: Int?, now: Date = Date()) -> String {
        var table = Table([
            .init("NAME", flexible: true), .init("STATE"), .init("LABELS", flexible: true, minimumWidth: 10),
            .init("ENGINE"), .init("API"), .init("STORE", flexible: true, minimumWidth: 18), .init("PLATFORM"),
            .init("CAPACITY"), .init("RUNNING"), .init("LAST SEEN"),
        ])
        for agent in agents {
            table.add([
                agent.name, agent.state.rawValue, Formatting.labels(agent.labels), Formatting.engine(agent),
                agent.engineAPIVersion, Formatting.reported(agent.imageStore), Formatting.reported(agent.platform),
                "\(agent.capacity)", "\(agent.runningJobs)", Formatting.ago(agent.lastSeenAt, now: now),
            ])
        }
        return table.render(width: width) + "\n"
    }
}
