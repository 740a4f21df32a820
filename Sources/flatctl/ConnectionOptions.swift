import ArgumentParser
import Foundation

/// Where the coordinator is, the operator token, and the output format: every command's options.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The coordinator's URL (default: $FLATTEN_COORDINATOR).", valueName: "url"))
    var coordinator: String?

    @Option(help: ArgumentHelp("An operator (admin) token (default: $FLATTEN_TOKEN). Prefer the environment: flags show in the process list.", valueName: "token"))
    var token: String?

    @Flag(help: "Print the coordinator's JSON messages instead of tables.")
    var json = false

    /// The API client for the resolved coordinator and token.
    func client() throws -> CoordinatorAPI {
        let environment = ProcessInfo.processInfo.environment
        guard let url = coordinator ?? environment["FLATTEN_COORDINATOR"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw FlatctlError.usage("no coordinator: pass --coordinator URL or set FLATTEN_COORDINATOR")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw FlatctlError.usage("invalid coordinator URL \(String(reflecting: url)); expected http://HOST:PORT or https://HOST[:PORT]")
        }
        guard let token = token ?? environment["FLATTEN_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw FlatctlError.usage("no operator token: pass --token or set FLATTEN_TOKEN")
        }
        return CoordinatorAPI(baseURL: url, token: token)
    }
}
