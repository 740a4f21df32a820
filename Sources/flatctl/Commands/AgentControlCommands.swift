import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl agents pause NAME`
struct AgentPauseCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop an agent claiming jobs; its running jobs finish. Undo with resume.")

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let agent = try await coordinator.api().controlAgent(name, path: APIPath.agentPause(name))
        try AgentControlOutput.print(agent, json: connection.json)
    }
}

/// `flatctl agents resume NAME`
struct AgentResumeCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Let a paused or draining agent claim jobs again.")

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let agent = try await coordinator.api().controlAgent(name, path: APIPath.agentResume(name))
        try AgentControlOutput.print(agent, json: connection.json)
    }
}

/// `flatctl agents approve NAME`
struct AgentApproveCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve an agent that registered while the coordinator requires approval (--enroll-approval).")

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let agent = try await coordinator.api().controlAgent(name, path: APIPath.agentApprove(name))
        try AgentControlOutput.print(agent, json: connection.json)
    }
}

/// `flatctl agents drain NAME [--wait]`
struct AgentDrainCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Stop an agent claiming jobs and let its running jobs finish; it reads paused once none runs.",
        discussion: "With --wait, returns once the agent runs no job (exit 0), e.g. before maintenance of its host.")

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @Flag(help: "Wait until the agent has no running job.")
    var wait = false

    @Option(name: .customLong("interval"), help: "Seconds between looks while waiting.")
    var interval: Double = 2

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard interval > 0, interval.isFinite else {
            throw ValidationError("--interval must be a positive number of seconds (got \(interval))")
        }
    }

    func run(_ coordinator: EndpointScope) async throws {
        let api = try coordinator.api()
        var agent = try await api.controlAgent(name, path: APIPath.agentDrain(name))
        if wait {
            var announced = false
            while agent.runningJobs > 0 {
                if !announced && !connection.json {
                    Terminal.write("agent \(agent.name): draining; waiting for \(agent.runningJobs) running job(s) to finish\n")
                    announced = true
                }
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                guard let current = try await api.agents().agents.first(where: { $0.id == agent.id }) else {
                    throw FlatctlError.refused("agent \(agent.name) was removed while draining")
                }
                agent = current
            }
        }
        try AgentControlOutput.print(agent, json: connection.json)
    }
}

/// `flatctl agents remove NAME [--reason TEXT]`
struct AgentRemoveCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove an agent: its token is revoked and its queued jobs are canceled with the reason.",
        discussion: """
            Its running jobs are asked to cancel; since the agent can no longer report, they end \\
            canceled when their lease runs out. The agent's jobs keep its name. Enrolling an agent \\
            under the same name again (flatten-agent run --enroll-token) registers it afresh.
            """)

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @Option(help: "Why, recorded as the error of the jobs it cancels.")
    var reason: String?

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let removal = try await coordinator.api().removeAgent(name, reason: reason)
        if connection.json {
            try JSONOutput.print(removal)
            return
        }
        var line = "agent \(removal.agent.name): removed, token revoked; \(removal.canceledJobs) queued job(s) canceled"
        if removal.cancelRequestedJobs > 0 {
            line += ", \(removal.cancelRequestedJobs) running job(s) end canceled when their lease runs out"
        }
        Terminal.write(line + "\n")
    }
}

/// `flatctl agents rotate-token NAME`
struct AgentRotateTokenCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-token",
        abstract: "Give an agent a new token; the old one is refused at once. Prints the new token (shown only once).",
        discussion: """
            Put the new token in the agent's identity file (agentToken in \\
            <state dir>/identity.json) and restart the agent; until then it is refused (401) and \\
            claims nothing.
            """)

    @Argument(help: "The agent's name (or ID).")
    var name: String

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let rotated = try await coordinator.api().rotateAgentToken(name)
        if connection.json {
            try JSONOutput.print(rotated)
            return
        }
        // The token alone on standard output, so it can be captured; the advice on standard error.
        Terminal.write(rotated.agentToken + "\n")
        FileHandle.standardError.write(Data("flatctl: the old token of agent \(name) is refused from now on; put this one in its identity.json (agentToken) and restart it\n".utf8))
    }
}

/// What the control commands print.
enum AgentControlOutput {
    static func print(_ agent: AgentInfo, json: Bool) throws {
        if json {
            try JSONOutput.print(agent)
            return
        }
        var line = "agent \(agent.name): \(agent.state.rawValue)"
        if agent.runningJobs > 0 { line += " (\(agent.runningJobs) running job(s))" }
        Terminal.write(line + "\n")
    }
}
