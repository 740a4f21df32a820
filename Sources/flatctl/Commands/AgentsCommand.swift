import ArgumentParser
import FlattenProtocol
import FleetFormatting
import Foundation

/// `flatctl agents [list]`, and the agent control subcommands.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List the registered agents, or control one (pause, resume, drain, approve, remove, rotate-token).",
        subcommands: [
            AgentsListCommand.self, AgentPauseCommand.self, AgentResumeCommand.self, AgentDrainCommand.self,
            AgentApproveCommand.self, AgentRemoveCommand.self, AgentRotateTokenCommand.self,
        ],
        defaultSubcommand: AgentsListCommand.self)

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
