import ArgumentParser
import CoordinatorCore
import FlattenSecurity
import Foundation

/// `serve`'s HTTPS and token-file options: what keeps the tokens out of the process list and
/// off the network in clear text.
struct SecurityOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp(
        "Serve HTTPS with this PEM certificate chain, leaf first (default: $FLATTEN_TLS_CERT). Re-read on SIGHUP.",
        valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp(
        "The certificate's unencrypted PEM private key (default: $FLATTEN_TLS_KEY). Re-read on SIGHUP.",
        valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("admin-token-file"), help: ArgumentHelp(
        "A file holding an operator token on one line (repeatable; default: $FLATTEN_ADMIN_TOKEN_FILE, comma-separated).",
        valueName: "file"))
    var adminTokenFiles: [String] = []

    @Option(name: .customLong("enroll-token-file"), help: ArgumentHelp(
        "A file holding an enrollment token on one line (repeatable; default: $FLATTEN_ENROLL_TOKEN_FILE, comma-separated).",
        valueName: "file"))
    var enrollTokenFiles: [String] = []

    @Option(name: .customLong("viewer-token-file"), help: ArgumentHelp(
        "A file holding a read-only dashboard token on one line (repeatable; default: $FLATTEN_VIEWER_TOKEN_FILE, comma-separated).",
        valueName: "file"))
    var viewerTokenFiles: [String] = []

    /// The certificate and key files, or nil for plain HTTP.
    ///
    /// - Throws: `ValidationError` when only one of the two is given.
    func tlsIdentity(environment: [String: String]) throws -> TLSIdentityFiles? {
        let certificate = tlsCertificate ?? environment["FLATTEN_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let key = tlsKey ?? environment["FLATTEN_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            return TLSIdentityFiles(certificatePath: certificate, keyPath: key)
        case (_?, nil):
            throw ValidationError("--tls-cert needs --tls-key (or FLATTEN_TLS_KEY): the certificate's private key")
        case (nil, _?):
            throw ValidationError("--tls-key needs --tls-cert (or FLATTEN_TLS_CERT): the certificate to serve")
        }
    }

    /// The tokens of one kind: those given on the command line (`tokens` and the files of
    /// `files`), else those of the environment (`variable` and `variable_FILE`).
    ///
    /// - Throws: `ValidationError` naming the option and the file of a token file that is
    ///   missing, unreadable or empty.
    static func tokens(
        flags tokens: [String], files: [String], fileOption: String,
        variable: String, environment: [String: String]
    ) throws -> [String] {
        if !tokens.isEmpty || !files.isEmpty {
            return tokens + (try files.map { try read($0, option: fileOption) })
        }
        let fileVariable = variable + "_FILE"
        return Serve.tokens(environment[variable])
            + (try Serve.tokens(environment[fileVariable]).map { try read($0, option: fileVariable) })
    }

    private static func read(_ path: String, option: String) throws -> String {
        do {
            return try TokenFile.read(path, option: option)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
