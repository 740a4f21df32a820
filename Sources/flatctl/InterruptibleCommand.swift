import ArgumentParser
import Foundation
import UnixSignals

/// A flatctl command that talks to the coordinator through an ``EndpointScope``.
///
/// The command runs in a task of its own: the first Control-C cancels it (its waits and calls
/// end at once, the endpoint is shut down, and flatctl exits 130, as a shell expects of an
/// interrupted program); a second Control-C exits at once, whatever the command is doing.
protocol InterruptibleCommand: AsyncParsableCommand, Sendable {
    var connection: ConnectionOptions { get }

    /// The command's work, calling the coordinator through `coordinator`.
    func run(_ coordinator: EndpointScope) async throws
}

/// The exit status of an interrupted command (128 + SIGINT), as shells report one.
private let interruptedExitCode: Int32 = 130

extension InterruptibleCommand {
    func run() async throws {
        let interrupts = await UnixSignalsSequence(trapping: .sigint)
        let work = Task {
            let scope = EndpointScope(connection)
            do {
                try await run(scope)
            } catch {
                await scope.shutdown()
                throw error
            }
            await scope.shutdown()
        }
        let watcher = Task {
            var seen = 0
            for await _ in interrupts {
                seen += 1
                if seen == 1 {
                    work.cancel()
                } else {
                    Foundation.exit(interruptedExitCode)
                }
            }
        }
        defer { watcher.cancel() }
        do {
            try await work.value
        } catch {
            // Whatever the cancelled command threw (a cancelled sleep or call), it was interrupted.
            if work.isCancelled { throw ExitCode(interruptedExitCode) }
            throw error
        }
    }
}
