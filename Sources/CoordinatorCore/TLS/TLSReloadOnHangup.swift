import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the coordinator's TLS certificate and key on every SIGHUP (what `systemctl reload`
/// and certificate renewal hooks send), until the service group shuts down.
struct TLSReloadOnHangup: Service {
    let reloader: TLSIdentityReloader

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                // A failed reload is logged by the reloader and keeps the old identity.
                try? reloader.reload()
            }
        }
    }
}
