import CoordinatorCore
import Foundation
import NIOCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What `flatten-coordinator serve` says when it cannot start: an address it cannot listen on,
/// a missing admin token.
@Suite("Coordinator start-up errors", .serialized)
struct StartupErrorTests {
    @Test("a bind's errno becomes a ListenError naming the address and what to do; other errors stay as they are")
    func listenErrorMessages() {
        let address = ListenAddress(host: "127.0.0.1", port: 80)
        func message(_ errno: CInt) -> String? {
            ListenError(IOError(errnoCode: errno, reason: "bind(descriptor:ptr:bytes:)"), address: address)?.description
        }
        #expect(message(EADDRINUSE) == "cannot listen on 127.0.0.1:80: the address is already in use (another coordinator or program listens there); stop that one, or pass --listen (or FLATTEN_LISTEN) another port, 127.0.0.1:0 for any free one")
        #expect(message(EADDRNOTAVAIL)?.hasPrefix("cannot listen on 127.0.0.1:80: 127.0.0.1 is not an address of this machine; pass --listen") == true)
        #expect(message(EACCES)?.hasPrefix("cannot listen on 127.0.0.1:80: port 80 is reserved for privileged programs") == true)
        #expect(message(ECONNRESET) == nil)
        #expect(ListenError(CancellationError(), address: address) == nil)
        #expect(ListenError(IOError(errnoCode: EADDRINUSE, reason: "bind"), address: ListenAddress(host: "::1", port: 8080))?
            .description.hasPrefix("cannot listen on [::1]:8080: the address is already in use") == true)
    }

    /// `serve` on a scratch database with an admin token and `--listen address`, to its end.
    static func serve(listen address: String, databaseURL: String) async throws -> ProgramRun {
        try await ProgramRun.run(
            try CoordinatorProcess.executableURL(),
            ["serve", "--listen", address, "--database-url", databaseURL, "--admin-token", TestTokens.admin],
            timeout: .seconds(120))
    }

    @Test("a port another coordinator holds, or an address not of this machine, stops the start with a line naming it, not the errno")
    func busyAndForeignAddresses() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let first = try await CoordinatorProcess.start(databaseURL: url)
            do {
                let busy = try await Self.serve(listen: "127.0.0.1:\(first.port)", databaseURL: url)
                #expect(busy.status == 1, "\(busy)")
                #expect(busy.standardError.contains("Error: cannot listen on 127.0.0.1:\(first.port): the address is already in use"), "\(busy)")
                #expect(!busy.standardError.contains("errno"), "\(busy)")
                #expect(!busy.standardOutput.contains("listening on"), "\(busy)")

                // 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address.
                let foreign = try await Self.serve(listen: "192.0.2.1:0", databaseURL: url)
                #expect(foreign.status == 1, "\(foreign)")
                #expect(foreign.standardError.contains("Error: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine"), "\(foreign)")
                #expect(!foreign.standardError.contains("errno"), "\(foreign)")
            } catch {
                await first.stop()
                throw error
            }
            await first.stop()
        }
    }

    @Test("no admin token: serve's usage (not the top-level one) and exit 64")
    func missingAdminTokenShowsServeUsage() async throws {
        let run = try await ProgramRun.run(
            try CoordinatorProcess.executableURL(),
            ["serve", "--listen", "127.0.0.1:0", "--database-url", "postgresql://nobody@127.0.0.1:1/none"],
            timeout: .seconds(60))
        #expect(run.status == 64, "\(run)")
        #expect(run.standardError.hasPrefix("Error: no admin token: pass --admin-token-file"), "\(run)")
        #expect(run.standardError.contains("Usage: flatten-coordinator serve "), "\(run)")
        #expect(run.standardError.contains("See 'flatten-coordinator serve --help'"), "\(run)")
        #expect(!run.standardError.contains("<subcommand>"), "\(run)")

        // Without the subcommand's name, serve is the default and answers the same.
        let bare = try await ProgramRun.run(
            try CoordinatorProcess.executableURL(),
            ["--listen", "127.0.0.1:0", "--database-url", "postgresql://nobody@127.0.0.1:1/none"],
            timeout: .seconds(60))
        #expect(bare.status == 64, "\(bare)")
        #expect(bare.standardError.contains("Usage: flatten-coordinator serve "), "\(bare)")
    }
}
