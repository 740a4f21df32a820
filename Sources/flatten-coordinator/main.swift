import ArgumentParser
import NIOCore
import NIOPosix

// Swift concurrency's global executor becomes NIO's singleton event loops, the ones Hummingbird
// serves on: a request's handler then runs, awaits and answers on its connection's thread
// instead of hopping to the concurrency pool and back at every step. Nothing in the
// coordinator blocks a concurrency thread (libpq runs on its own thread pool, cancel requests
// on threads of their own), which is what this needs. NIO allows it once, before any task runs.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
await runAsRoot(FlattenCoordinator.self)

/// `AsyncParsableCommand`'s own `main`: named through the generic constraint, because at top
/// level the synchronous `ParsableCommand.main` wins the overload and only prints help.
func runAsRoot<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main(nil)
}
