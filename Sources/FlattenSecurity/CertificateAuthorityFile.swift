import NIOSSL

/// The certificate authorities a client trusts for an `https` coordinator, read from a PEM file
/// (`--ca-file`, `FLATTEN_CA_FILE`): the coordinator's certificate must chain to one of them.
///
/// Like curl's `--cacert`, the file replaces the system's trust store for these connections:
/// a coordinator's certificate from a private CA is then trusted, and nothing else is.
public struct CertificateAuthorityFile: Sendable {
    /// The file read.
    public let path: String
    /// Its certificates, at least one.
    public let certificates: [NIOSSLCertificate]

    /// Reads every certificate in the PEM file at `path`.
    ///
    /// - Parameter option: the option or variable that named the file, for the error message.
    /// - Throws: ``CertificateAuthorityFileError`` naming `option` and `path` when the file is
    ///   missing, unreadable, or holds no PEM certificate.
    public init(path: String, option: String) throws(CertificateAuthorityFileError) {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw CertificateAuthorityFileError(option: option, path: path, problem: "cannot read it (\(error.reason))")
        }
        guard bytes.firstRange(of: Array("-----BEGIN CERTIFICATE-----".utf8)) != nil else {
            throw CertificateAuthorityFileError(option: option, path: path, problem: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw CertificateAuthorityFileError(option: option, path: path, problem: "it is not a PEM certificate file (\(error))")
        }
        guard !certificates.isEmpty else {
            throw CertificateAuthorityFileError(option: option, path: path, problem: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        self.path = path
        self.certificates = certificates
    }

    /// A client configuration that trusts these certificates (and only them), verifying the
    /// coordinator's host name as usual.
    public var clientTLSConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(certificates)
        return configuration
    }
}

/// A CA file that cannot be used; the description names the option and the file.
public struct CertificateAuthorityFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The option or environment variable that named the file.
    public let option: String
    /// The file.
    public let path: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "\(option) \(path): \(problem)" }
}
