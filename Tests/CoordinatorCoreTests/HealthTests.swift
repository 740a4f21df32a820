@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing
import TestSupport

@Suite("Health, readiness, metrics and migrations")
struct HealthTests {
    @Test("healthz and readyz answer 200 on a migrated database")
    func health() async throws {
        try await TestFleet.run { fleet in
            try expectStatus(try await fleet.api.send(.get, APIPath.healthz, token: nil), .ok)
            let ready = try await fleet.api.send(.get, APIPath.readyz, token: nil)
            try expectStatus(ready, .ok)
            #expect(String(buffer: ready.body).contains("\"schemaVersion\":\(Migrations.latestVersion)"))
        }
    }

    @Test("readyz is 503 on a database that was never migrated")
    func notMigrated() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let coordinator = try Coordinator(configuration: TestFleet.configuration(databaseURL: url))
            do {
                try await coordinator.makeApplication().test(.router) { client in
                    let response = try await client.executeRequest(uri: APIPath.readyz, method: .get, headers: [:], body: nil)
                    let body = try errorBody(response, status: .serviceUnavailable)
                    #expect(body.error.code == .unavailable)
                    #expect(body.error.message.contains("migrate"))
                }
            } catch {
                await coordinator.client.close()
                throw error
            }
            await coordinator.client.close()
        }
    }

    @Test("metrics show jobs by state, claims, claim waits and request latency by route")
    func metrics() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try await fleet.api.submit(.to(.host("a")))
            _ = try #require(try await fleet.api.claim(agent))
            let response = try await fleet.api.send(.get, APIPath.metrics, token: nil)
            try expectStatus(response, .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"flatten_jobs{state="queued"} 1"#))
            #expect(text.contains(#"flatten_jobs{state="running"} 1"#))
            #expect(text.contains(#"flatten_jobs{state="failed"} 0"#))
            #expect(text.contains(#"flatten_claims_total{result="claimed"} 1"#))
            #expect(text.contains("flatten_claim_wait_seconds_count 1"))
            #expect(text.contains(#"flatten_http_request_duration_seconds_count{route="/v1/jobs",method="POST",status="201"} 2"#))
        }
    }

    @Test("two migrators racing apply each version once; a second run applies nothing")
    func concurrentMigrations() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let clients = try (0..<3).map { _ in try PostgresClient(configuration: .init(connectionString: url, maxConnections: 2)) }
            do {
                let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for client in clients {
                        group.addTask { try await Migrator(client: client).migrate() }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(applied.flatMap { $0 }.sorted() == Migrations.all.map(\.version))
                #expect(try await Migrator(client: clients[0]).migrate().isEmpty)
                #expect(try await Migrator(client: clients[0]).currentVersion() == Migrations.latestVersion)
                let rows = try await clients[0].query("SELECT count(*) AS n FROM schema_migrations")
                #expect(try rows[0].decode(Int.self, column: "n") == Migrations.all.count)
            } catch {
                for client in clients { await client.close() }
                throw error
            }
            for client in clients { await client.close() }
        }
    }

    @Test("a failing migration rolls back whole")
    func failingMigration() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let client = try PostgresClient(configuration: .init(connectionString: url, maxConnections: 1))
            let broken = Migrations.all + [Migration(version: 999, name: "broken", sql: "CREATE TABLE half (id int); SELECT nonsense FROM nowhere")]
            await #expect(throws: MigrationError.self) { try await Migrator(client: client, migrations: broken).migrate() }
            #expect(try await Migrator(client: client).currentVersion() == nil)
            let half = try await client.query("SELECT to_regclass('half') IS NULL AS absent")
            #expect(try half[0].decode(Bool.self, column: "absent"))
            await client.close()
        }
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("finished jobs past retention are pruned with their events; live and recent ones stay")
    func prune() async throws {
        try await TestFleet.run { fleet in
            let agent = try await fleet.api.register("a")
            var claims: [ClaimResponse] = []
            for _ in 0..<5 {
                _ = try await fleet.api.submit(.to(.host("a")))
                claims.append(try #require(try await fleet.api.claim(agent)))
            }
            for claim in claims.prefix(3) {
                try expectStatus(try await fleet.api.complete(agent, claim), .ok)
            }
            // Two finished jobs are old, one is recent; two are still running.
            let old = claims.prefix(2).map(\.job.id.uuidString)
            try await fleet.coordinator.client.execute("""
                UPDATE jobs SET finished_at = now() - interval '10 days' WHERE id = ANY(\(old)::uuid[])
                """)
            try await fleet.coordinator.client.execute("UPDATE batches SET created_at = now() - interval '10 days'")
            let pruner = RetentionPruner(jobs: fleet.coordinator.jobs, retention: .seconds(7 * 86_400),
                                         interval: .seconds(3600), batchSize: 1, logger: .init(label: "test"))
            let pruned = try await pruner.pruneOnce()
            #expect(pruned.jobs == 2)
            #expect(pruned.batches == 2)
            let rows = try await fleet.coordinator.client.query("""
                SELECT (SELECT count(*) FROM jobs) AS jobs,
                       (SELECT count(*) FROM job_events WHERE job_id = ANY(\(old)::uuid[])) AS old_events,
                       (SELECT count(DISTINCT job_id) FROM job_events WHERE NOT job_id = ANY(\(old)::uuid[])) AS kept_event_jobs
                """)
            #expect(try rows[0].decode(Int.self, column: "jobs") == 3)
            #expect(try rows[0].decode(Int.self, column: "old_events") == 0)
            // The events of the jobs kept stay (the pruner deletes events by job, not in bulk).
            #expect(try rows[0].decode(Int.self, column: "kept_event_jobs") == 3)
            let missing = try await fleet.api.send(.get, APIPath.job(claims[0].job.id), token: TestTokens.admin)
            try expectStatus(missing, .notFound)
        }
    }
}
