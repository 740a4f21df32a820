import ArgumentParser

/// `flatten-agent`: flattens Docker images on the host it runs on. `flatten` and `analyze`
/// work alone, with no coordinator.
@main
struct FlattenAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatten-agent",
        abstract: "Flatten Docker images on this host through the Docker Engine API.",
        subcommands: [FlattenCommand.self, AnalyzeCommand.self, RunCommand.self]
    )
}
