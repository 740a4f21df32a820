import ArgumentParser
import FlattenProtocol
import Foundation

/// `flatctl agents` (`flatctl agents list`)
struct AgentsListCommand: InterruptibleCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the registered agents: state, labels, engine, image store, platform, capacity and running jobs.",
        discussion: """
            STATE is online, offline, paused, draining (no new jobs; running ones finish), \\
            pending (waits for `flatctl agents approve`) or engine-unavailable (its engine does \\
            not answer, so it claims nothing). Fleet submissions (--all, --selector) reach only \\
            online agents. ENGINE is the product and its version (Docker 28.5.2, Podman 4.3.1); \\
            STORE is where the engine keeps images, which decides whether --compression applies \\
            (containerd, containers-storage) or not (graphdriver). An agent that did not report a \\
            detail (an older agent) shows -.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run(_ coordinator: EndpointScope) async throws {
        let list = try await coordinator.api().agents()
        if connection.json {
            try JSONOutput.print(list)
            return
        }
        Terminal.write(AgentsCommand.render(list.agents, width: Terminal.width))
    }
}
