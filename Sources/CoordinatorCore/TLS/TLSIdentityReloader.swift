import Logging
import NIOConcurrencyHelpers
import NIOSSL

/// The coordinator's HTTPS identity, replaceable while it serves: ``reload()`` re-reads the
/// certificate and key files (on SIGHUP), and every connection accepted afterwards gets the new
/// certificate; connections already open keep theirs.
///
/// The server's `TLSConfiguration` carries an `sslContextCallback` that, at each client hello,
/// hands the handshake the current identity. A reload that fails (a file missing, not PEM, or a
/// key that does not match) leaves the current identity in place, so a botched certificate
/// renewal never takes HTTPS down.
public final class TLSIdentityReloader: Sendable {
    /// The files read at start and on every reload.
    public let files: TLSIdentityFiles
    private let current: NIOLockedValueBox<TLSIdentity>
    private let logger: Logger

    /// Reads the files.
    ///
    /// - Throws: ``TLSIdentityError`` naming the file when the identity cannot be used.
    public init(files: TLSIdentityFiles, logger: Logger) throws(TLSIdentityError) {
        self.files = files
        self.current = NIOLockedValueBox(try TLSIdentity(files: files))
        self.logger = logger
    }

    /// The server configuration: the identity read at start, replaced per connection by the
    /// current one.
    public var serverTLSConfiguration: TLSConfiguration {
        let identity = current.withLockedValue { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: identity.certificateChain.map { .certificate($0) },
            privateKey: .privateKey(identity.privateKey))
        configuration.sslContextCallback = { [current] _, promise in
            promise.succeed(current.withLockedValue { $0.configurationOverride })
        }
        return configuration
    }

    /// Re-reads the files; on success new connections get the new identity, on failure the old
    /// one stays and the error is logged and thrown.
    public func reload() throws(TLSIdentityError) {
        do {
            let identity = try TLSIdentity(files: files)
            current.withLockedValue { $0 = identity }
            logger.notice("TLS certificate reloaded; new connections get it", metadata: [
                "certificate": "\(files.certificatePath)", "subject": "\(Self.subject(of: identity))",
            ])
        } catch {
            logger.error("TLS certificate reload failed; still serving the previous certificate", metadata: [
                "error": "\(error)",
            ])
            throw error
        }
    }

    /// The leaf certificate's description (subject and validity), for the log.
    static func subject(of identity: TLSIdentity) -> String {
        identity.certificateChain.first.map { "\($0)" } ?? "none"
    }
}
