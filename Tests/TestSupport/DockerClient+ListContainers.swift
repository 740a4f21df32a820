@testable import DockerEngine
import Foundation

// Only tests list containers: a flatten removes the containers it made by their IDs.
extension DockerClient {
    /// `GET /containers/json`: the engine's containers; stopped and created ones too when `all`.
    ///
    /// - Parameter label: only containers with this label (`key` or `key=value`).
    public func listContainers(all: Bool = false, label: String? = nil) async throws -> [ContainerSummary] {
        var query: [(name: String, value: String)] = []
        if all { query.append(("all", "1")) }
        if let label {
            let filters = try JSONEncoder().encode(["label": [label]])
            query.append(("filters", String(decoding: filters, as: UTF8.self)))
        }
        return try await executor.json(DockerRequest(.GET, "/containers/json", query: query), operation: "list containers")
    }
}
