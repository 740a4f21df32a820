import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

// Swift concurrency's global executor becomes NIO's singleton event loops, the ones Hummingbird
// serves on: a request's handler then runs, awaits and answers on its connection's thread
// instead of hopping to the concurrency pool and back at every step. Nothing in the
// coordinator blocks a concurrency thread (libpq runs on its own thread pool, cancel requests
// on threads of their own), which is what this needs. NIO allows it once, before any task runs.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
await runAsRoot(FlattenCoordinator.self)

/// `AsyncParsableCommand`'s own `main`, except that a `ValidationError` thrown while a
/// subcommand runs (`serve` without an admin token) shows that subcommand's usage and exits 64,
/// as one found while parsing does, not the top-level usage. Named through the generic
/// constraint, because at top level the synchronous `ParsableCommand.main` wins the overload.
func runAsRoot<Root: AsyncParsableCommand>(_ root: Root.Type) async {
    let command: any ParsableCommand
    do {
        command = try root.parseAsRoot()
    } catch {
        root.exit(withError: error)
    }
    do {
        if var command = command as? any AsyncParsableCommand {
            try await command.run()
        } else {
            var command = command
            try command.run()
        }
    } catch let error as ValidationError where type(of: command) != root {
        let subcommand = type(of: command)
        let name = root._commandName + " " + subcommand._commandName
        let text = "Error: \(error.message)\nUsage: \(root.usageString(for: subcommand))\n  See '\(name) --help' for more information.\n"
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    } catch {
        root.exit(withError: error)
    }
}
