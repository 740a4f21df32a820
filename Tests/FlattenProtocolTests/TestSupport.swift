import Foundation
import Testing
@testable import FlattenProtocol

/// Encodes with the protocol encoder and decodes the bytes back.
func roundTrip<Value: Codable>(_ value: Value) throws -> Value {
    let data = try JSONEncoder.flattenProtocol.encode(value)
    return try JSONDecoder.flattenProtocol.decode(Value.self, from: data)
}

/// Decodes a JSON string literal with the protocol decoder.
func decode<Value: Decodable>(_: Value.Type, _ json: String) throws -> Value {
    try JSONDecoder.flattenProtocol.decode(Value.self, from: Data(json.utf8))
}

/// Encodes `value` and parses the bytes back as a plain JSON object, to inspect key names.
func jsonObject<Value: Encodable>(_ value: Value) throws -> [String: Any] {
    let data = try JSONEncoder.flattenProtocol.encode(value)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The readable description of the `DecodingError` thrown by decoding `json`, or nil.
func decodingFailure<Value: Decodable>(_ type: Value.Type, _ json: String) -> String? {
    do {
        _ = try decode(type, json)
        return nil
    } catch let error as DecodingError {
        return error.readableDescription
    } catch {
        return "unexpected error type: \(error)"
    }
}

func ref(_ string: String) throws -> ImageReference {
    try ImageReference(string)
}

/// Sample messages used by the round-trip and fixture tests.
enum Samples {
    static let jobID = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!
    static let batchID = UUID(uuidString: "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE")!
    static let agentID = UUID(uuidString: "0F0F0F0F-0000-4000-8000-000000000001")!
    /// 2024-05-01T12:00:00Z
    static let created = Date(timeIntervalSince1970: 1_714_564_800)
    /// 2024-05-01T12:00:05.25Z
    static let started = Date(timeIntervalSince1970: 1_714_564_805.25)

    static func result() -> FlattenResult {
        FlattenResult(
            originalImageId: "sha256:" + String(repeating: "a", count: 64),
            newImageId: "sha256:" + String(repeating: "b", count: 64),
            originalSize: 120_000_000, originalLayerCount: 9,
            newSize: 80_000_000, newLayerCount: 1,
            bytesSaved: 40_000_000,
            phaseDurations: [.saving: 1.5, .merging: 3.25, .loading: 2],
            strategy: .merge, verified: true,
            tags: ["docker.io/library/app:1.2-flat"],
            warnings: ["security.capability on /bin/ping could not be kept"]
        )
    }

    static func options() throws -> FlattenOptions {
        FlattenOptions(
            strategy: .export, newTag: try ref("registry.example.com/app:slim"),
            partial: .keepLayers(2), verify: true, push: true,
            minSavings: .percent(12.5), replace: true
        )
    }

    static func job(state: JobState = .succeeded) throws -> Job {
        Job(
            id: jobID, batchId: batchID, agentId: agentID, agentName: "host-a",
            image: try ref("app:1.2"), state: state, attempt: 1, maxAttempts: 3, priority: 5,
            createdAt: created, startedAt: started, finishedAt: started.addingTimeInterval(10),
            updatedAt: started.addingTimeInterval(10), options: try options(),
            progress: JobProgress(phase: .merging, bytesDone: 10, bytesTotal: 100),
            cancelRequested: false, result: result(), error: nil, skipReason: nil
        )
    }

    static func batch() throws -> BatchSummary {
        BatchSummary(
            id: batchID, image: try ref("app:1.2"), createdAt: created, jobCount: 3,
            counts: [.succeeded: 1, .running: 1, .queued: 1], bytesSaved: 40_000_000
        )
    }

    static func agentInfo() -> AgentInfo {
        AgentInfo(
            id: agentID, name: "host-a", labels: ["region": "eu"], engineVersion: "20.10.24",
            engineAPIVersion: "1.41", capacity: 2, lastSeenAt: started, registeredAt: created,
            state: .online, runningJobs: 1
        )
    }
}

/// `json` with keys sorted and whitespace removed, for comparing documents.
func canonicalJSON(_ json: Data) throws -> String {
    let object = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
}

/// Checks that `json` decodes to `expected` and that `expected` encodes to the same document.
func expectFixture<Value: Codable & Equatable>(
    _ json: String, decodesTo expected: Value, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let decoded = try decode(Value.self, json)
    #expect(decoded == expected, sourceLocation: sourceLocation)
    let encoded = try JSONEncoder.flattenProtocol.encode(expected)
    #expect(try canonicalJSON(encoded) == canonicalJSON(Data(json.utf8)), sourceLocation: sourceLocation)
}
