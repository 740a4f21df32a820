import FlattenProtocol
import Foundation
import PostgresClient

extension AgentInfo {
    /// The columns ``init(row:)`` reads, for table alias `a`; each statement adds a boolean
    /// `online` (seen within its lease time, a bound value).
    static let columns = """
        a.id, a.name, a.labels, a.engine_version, a.engine_api_version, a.capacity,
        a.engine_product, a.image_store, a.platform, a.last_seen_at, a.registered_at,
        a.control, a.removed_at IS NOT NULL AS removed,
        a.engine_unavailable_since IS NULL AS engine_available, a.engine_error,
        (SELECT count(*) FROM jobs j WHERE j.agent_id = a.id AND j.state = 'running') AS running_jobs
        """

    /// Reads a row selected with ``columns`` plus a boolean `online`; the state follows
    /// ``AgentRules/state(control:removed:online:engineAvailable:runningJobs:)``.
    init(row: PostgresRow) throws {
        let controlText = try row.decode(String.self, column: "control")
        guard let control = AgentControl(rawValue: controlText) else {
            throw StoreError.corruptColumn("agents.control", "holds unknown value \(String(reflecting: controlText))")
        }
        let runningJobs = try row.decode(Int.self, column: "running_jobs")
        let engineAvailable = try row.decode(Bool.self, column: "engine_available")
        self.init(
            id: try row.decode(UUID.self, column: "id"),
            name: try row.decode(String.self, column: "name"),
            labels: try JSONColumn.decode([String: String].self, column: "labels", of: row) ?? [:],
            engineVersion: try row.decode(String.self, column: "engine_version"),
            engineAPIVersion: try row.decode(String.self, column: "engine_api_version"),
            capacity: try row.decode(Int.self, column: "capacity"),
            lastSeenAt: try row.decode(Date.self, column: "last_seen_at"),
            registeredAt: try row.decode(Date.self, column: "registered_at"),
            state: AgentRules.state(
                control: control, removed: try row.decode(Bool.self, column: "removed"),
                online: try row.decode(Bool.self, column: "online"), engineAvailable: engineAvailable,
                runningJobs: runningJobs),
            runningJobs: runningJobs,
            engineProduct: try row.decode(String?.self, column: "engine_product"),
            imageStore: try row.decode(String?.self, column: "image_store"),
            platform: try row.decode(String?.self, column: "platform"),
            engineError: engineAvailable ? nil : try row.decode(String?.self, column: "engine_error"))
    }
}
