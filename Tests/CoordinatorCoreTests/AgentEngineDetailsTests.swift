@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresClient
import Testing
import TestSupport

@Suite("Agents' engine product, image store and platform")
struct AgentEngineDetailsTests {
    static func registration(
        _ name: String, product: String? = "Docker", store: String? = "containerd (overlayfs)", platform: String? = "linux/amd64"
    ) -> AgentRegistration {
        AgentRegistration(name: name, engineVersion: "28.5.2", engineAPIVersion: "1.51", capacity: 1,
                          engineProduct: product, imageStore: store, platform: platform)
    }

    func agents(_ fleet: TestFleet) async throws -> [AgentInfo] {
        try decode(AgentList.self, from: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin)).agents
    }

    @Test("what an agent reports is stored and listed; an agent that reports nothing is listed without it")
    func roundTrip() async throws {
        try await TestFleet.run { fleet in
            let reporting = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment, json: Self.registration("new"))
            try expectStatus(reporting, .created)
            // An agent built before these fields: its JSON has no such keys.
            let older = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                rawJSON: #"{"name": "old", "engineVersion": "20.10.24", "engineAPIVersion": "1.41", "protocolVersion": 1, "capacity": 1}"#)
            try expectStatus(older, .created)

            let list = try await agents(fleet)
            #expect(list.map(\.name) == ["new", "old"])
            #expect(list[0].engineProduct == "Docker")
            #expect(list[0].imageStore == "containerd (overlayfs)")
            #expect(list[0].platform == "linux/amd64")
            #expect(list[0].engineVersion == "28.5.2")
            #expect(list[1].engineProduct == nil)
            #expect(list[1].imageStore == nil)
            #expect(list[1].platform == nil)
            // Nothing reported is left out of the JSON, as an older coordinator would send it.
            let json = String(buffer: try await fleet.api.send(.get, APIPath.agents, token: TestTokens.admin).body)
            #expect(json.components(separatedBy: "\"imageStore\"").count == 2, "\(json)")
        }
    }

    @Test("re-registering replaces the details, and an agent that stopped reporting them clears them")
    func reRegister() async throws {
        try await TestFleet.run { fleet in
            let created = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                json: Self.registration("a", store: "graphdriver (overlay2)"))
            try expectStatus(created, .created)
            let token = try decode(AgentRegistrationResponse.self, from: created).agentToken
            let headers: HTTPFields = [Authenticator.enrollmentTokenHeader: TestTokens.enrollment]

            let switched = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: token,
                json: Self.registration("a", product: "Podman", store: "containers-storage (overlay)", platform: "linux/arm64"),
                headers: headers)
            try expectStatus(switched, .ok)
            var agent = try #require(try await agents(fleet).first)
            #expect(agent.engineProduct == "Podman")
            #expect(agent.imageStore == "containers-storage (overlay)")
            #expect(agent.platform == "linux/arm64")

            // Downgraded to a build that does not report them: what it had is no longer true.
            let downgraded = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: token,
                json: Self.registration("a", product: nil, store: nil, platform: nil), headers: headers)
            try expectStatus(downgraded, .ok)
            agent = try #require(try await agents(fleet).first)
            #expect(agent.engineProduct == nil)
            #expect(agent.imageStore == nil)
            #expect(agent.platform == nil)
        }
    }

    @Test("a detail of the wrong type is 400 naming it")
    func wrongType() async throws {
        try await TestFleet.run { fleet in
            let response = try await fleet.api.send(
                .post, APIPath.agentsRegister, token: TestTokens.enrollment,
                rawJSON: #"{"name": "a", "engineVersion": "1", "engineAPIVersion": "1.41", "protocolVersion": 1, "capacity": 1, "imageStore": 5}"#)
            #expect(try errorBody(response, status: .badRequest).error.message.contains("imageStore"))
        }
    }

    @Test("migration 3 adds the columns to a schema-2 database, keeping its agents")
    func migrationOnExistingSchema() async throws {
        try await withScratchDatabase(prefix: "coord_test") { url in
            let client = try PostgresClient(configuration: .init(connectionString: url, maxConnections: 2))
            do {
                let before = Migrations.all.filter { $0.version <= 2 }
                #expect(try await Migrator(client: client, migrations: before).migrate() == [1, 2])
                let id = UUID()
                // A row as a schema-2 coordinator writes it.
                try await client.execute("""
                    INSERT INTO agents (id, name, labels, engine_version, engine_api_version, protocol_version, capacity, token_hash)
                    VALUES (\(id), 'old', '{"zone": "1"}'::jsonb, '20.10.24', '1.41', 1, 2, 'hash-of-old')
                    """)

                // 3 and every later migration (the store reads their columns too).
                #expect(try await Migrator(client: client).migrate() == Array(3...Migrations.latestVersion))
                #expect(try await Migrator(client: client).currentVersion() == Migrations.latestVersion)

                let store = AgentStore(client: client)
                let listed = try #require(try await store.agents(onlineWithin: .seconds(30)).first)
                #expect(listed.id == id)
                #expect(listed.labels == ["zone": "1"])
                #expect(listed.capacity == 2)
                #expect(listed.engineProduct == nil)
                #expect(listed.imageStore == nil)
                #expect(listed.platform == nil)

                // The agent registers again with its token: the new columns fill in.
                let registered = try await store.register(
                    Self.registration("old"), presentedTokenHash: "hash-of-old", newTokenHash: "unused")
                #expect(registered.id == id)
                #expect(!registered.created)
                let updated = try #require(try await store.agents(onlineWithin: .seconds(30)).first)
                #expect(updated.engineProduct == "Docker")
                #expect(updated.imageStore == "containerd (overlayfs)")
                #expect(updated.platform == "linux/amd64")
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }
}
