import FlattenSecurity
import NIOSSL

/// Where the coordinator's HTTPS certificate and key are: PEM files given as `--tls-cert` and
/// `--tls-key`, read at start and again on SIGHUP.
public struct TLSIdentityFiles: Sendable, Hashable {
    /// The certificate chain, leaf first (intermediates may follow).
    public var certificatePath: String
    /// The leaf's private key (unencrypted).
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// The certificate chain and private key the coordinator presents, read from their files and
/// checked to belong together.
struct TLSIdentity: Sendable {
    let certificateChain: [NIOSSLCertificate]
    let privateKey: NIOSSLPrivateKey

    /// Reads and checks `files`.
    ///
    /// - Throws: ``TLSIdentityError`` naming the file that is missing, unreadable or not PEM,
    ///   or saying the key does not match the certificate.
    init(files: TLSIdentityFiles) throws(TLSIdentityError) {
        let certificateBytes: [UInt8]
        do {
            certificateBytes = try FileContents.read(files.certificatePath)
        } catch {
            throw TLSIdentityError(.unreadable(option: "--tls-cert", path: files.certificatePath, reason: error.reason))
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificateBytes)
        } catch {
            throw TLSIdentityError(.invalid(option: "--tls-cert", path: files.certificatePath, reason: "not a PEM certificate chain (\(error))"))
        }
        guard !chain.isEmpty else {
            throw TLSIdentityError(.invalid(option: "--tls-cert", path: files.certificatePath, reason: "no PEM certificate in it (-----BEGIN CERTIFICATE-----)"))
        }
        let keyBytes: [UInt8]
        do {
            keyBytes = try FileContents.read(files.keyPath)
        } catch {
            throw TLSIdentityError(.unreadable(option: "--tls-key", path: files.keyPath, reason: error.reason))
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw TLSIdentityError(.invalid(option: "--tls-key", path: files.keyPath, reason: "not an unencrypted PEM private key (\(error))"))
        }
        // BoringSSL compares the key with the leaf's public key when both go into a context.
        do {
            _ = try NIOSSLContext(configuration: .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw TLSIdentityError(.mismatch(certificatePath: files.certificatePath, keyPath: files.keyPath, reason: "\(error)"))
        }
        self.certificateChain = chain
        self.privateKey = key
    }

    /// What a handshake is told to present instead of the context's own identity.
    var configurationOverride: NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = certificateChain.map { .certificate($0) }
        override.privateKey = .privateKey(privateKey)
        return override
    }
}

/// Why the coordinator's TLS certificate or key cannot be used; the description is one line
/// naming the option and the file.
public struct TLSIdentityError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Problem: Sendable, Hashable {
        case unreadable(option: String, path: String, reason: String)
        case invalid(option: String, path: String, reason: String)
        case mismatch(certificatePath: String, keyPath: String, reason: String)
    }

    let problem: Problem

    init(_ problem: Problem) {
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .unreadable(let option, let path, let reason):
            "\(option) \(path): cannot read it (\(reason))"
        case .invalid(let option, let path, let reason):
            "\(option) \(path): \(reason)"
        case .mismatch(let certificatePath, let keyPath, let reason):
            "--tls-key \(keyPath) does not belong to the certificate in --tls-cert \(certificatePath) (\(reason))"
        }
    }
}
