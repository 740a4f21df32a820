import ArgumentParser
import CoordinatorHTTPClient
import FlattenProtocol
import FlattenSecurity
import Foundation

/// Where the coordinator is, the operator token, and the output format: every command's options.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's URL (default: $FLATTEN_COORDINATOR).", valueName: "url"))
    var coordinator: String?

    @Option(help: ArgumentHelp("An operator (admin) token (default: $FLATTEN_TOKEN). Prefer --token-file: flags show in the process list.", valueName: "token"))
    var token: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "A file holding the operator token on one line (default: $FLATTEN_TOKEN_FILE).", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "Trust the CA certificates in this PEM file (and only them) for an https:// coordinator (default: $FLATTEN_CA_FILE).",
        valueName: "file"))
    var caFile: String?

    @Flag(help: "Print the coordinator's JSON messages instead of tables.")
    var json = false

    /// The API client for the resolved coordinator, token and CA file, with an HTTP client of
    /// its own that the caller shuts down (``EndpointScope`` does). Warns on standard error
    /// when the token would cross the network in clear text.
    func client() throws -> CoordinatorAPI {
        let environment = ProcessInfo.processInfo.environment
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let url = coordinator ?? variable("FLATTEN_COORDINATOR") else {
            throw FlatctlError.usage("no coordinator: pass --coordinator URL or set FLATTEN_COORDINATOR")
        }
        do {
            try CoordinatorEndpoint.validate(baseURL: url)
        } catch {
            throw FlatctlError.usage(error.description)
        }
        let token = try resolvedToken(variable)
        let authority: CertificateAuthorityFile?
        do {
            if let caFile {
                authority = try CertificateAuthorityFile(path: caFile, option: "--ca-file")
            } else if let path = variable("FLATTEN_CA_FILE") {
                authority = try CertificateAuthorityFile(path: path, option: "FLATTEN_CA_FILE")
            } else {
                authority = nil
            }
        } catch {
            throw FlatctlError.usage(error.description)
        }
        if let warning = PlaintextTokenWarning(url: url) {
            FileHandle.standardError.write(Data("flatctl: warning: \(warning.message)\n".utf8))
        }
        return CoordinatorAPI(endpoint: CoordinatorEndpoint(
            baseURL: url, token: token, certificateAuthority: authority,
            userAgent: "flatctl/\(FlattenProtocolVersion.current)", requestTimeout: .seconds(30)))
    }

    /// `--token`, `--token-file`, `FLATTEN_TOKEN`, `FLATTEN_TOKEN_FILE`: the first given.
    private func resolvedToken(_ variable: (String) -> String?) throws -> String {
        if token != nil && tokenFile != nil {
            throw FlatctlError.usage("--token and --token-file both give the operator token; pass only one")
        }
        if let token { return token }
        do {
            if let tokenFile { return try TokenFile.read(tokenFile, option: "--token-file") }
            if let token = variable("FLATTEN_TOKEN") { return token }
            if let path = variable("FLATTEN_TOKEN_FILE") { return try TokenFile.read(path, option: "FLATTEN_TOKEN_FILE") }
        } catch {
            throw FlatctlError.usage(error.description)
        }
        throw FlatctlError.usage("no operator token: pass --token-file (or --token), or set FLATTEN_TOKEN_FILE (or FLATTEN_TOKEN)")
    }
}
