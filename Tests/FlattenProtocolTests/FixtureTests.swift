import Foundation
import Testing
@testable import FlattenProtocol

/// Fixed documents: a renamed field or changed shape breaks these.
@Suite struct FixtureTests {
    static let resultJSON = #"""
    {
      "originalImageId": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "newImageId": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
      "originalSize": 120000000,
      "originalLayerCount": 9,
      "newSize": 80000000,
      "newLayerCount": 1,
      "bytesSaved": 40000000,
      "phaseDurations": {"saving": 1.5, "merging": 3.25, "loading": 2},
      "strategy": "merge",
      "verified": true,
      "tags": ["docker.io/library/app:1.2-flat"],
      "warnings": ["security.capability on /bin/ping could not be kept"]
    }
    """#

    static let optionsJSON = #"""
    {
      "strategy": "export",
      "newTag": "registry.example.com/app:slim",
      "keepLayers": 2,
      "verify": true,
      "push": true,
      "minSavings": "12.5%",
      "replace": true
    }
    """#

    static let jobJSON = #"""
    {
      "id": "11111111-2222-3333-4444-555555555555",
      "batchId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
      "agentId": "0f0f0f0f-0000-4000-8000-000000000001",
      "agentName": "host-a",
      "image": "docker.io/library/app:1.2",
      "state": "succeeded",
      "attempt": 1,
      "maxAttempts": 3,
      "priority": 5,
      "createdAt": "2024-05-01T12:00:00Z",
      "startedAt": "2024-05-01T12:00:05.25Z",
      "finishedAt": "2024-05-01T12:00:15.25Z",
      "updatedAt": "2024-05-01T12:00:15.25Z",
      "options": \#(optionsJSON),
      "progress": {"phase": "merging", "bytesDone": 10, "bytesTotal": 100},
      "cancelRequested": false,
      "result": \#(resultJSON)
    }
    """#

    static let batchJSON = #"""
    {
      "id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
      "image": "docker.io/library/app:1.2",
      "createdAt": "2024-05-01T12:00:00Z",
      "jobCount": 3,
      "counts": {"queued": 1, "running": 1, "succeeded": 1},
      "bytesSaved": 40000000
    }
    """#

    @Test func flattenResult() throws {
        try expectFixture(Self.resultJSON, decodesTo: Samples.result())
    }

    @Test func flattenOptions() throws {
        try expectFixture(Self.optionsJSON, decodesTo: try Samples.options())
    }

    @Test func job() throws {
        try expectFixture(Self.jobJSON, decodesTo: try Samples.job())
    }

    @Test func failedJob() throws {
        let json = #"""
        {
          "id": "11111111-2222-3333-4444-555555555555",
          "batchId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
          "agentId": "0f0f0f0f-0000-4000-8000-000000000001",
          "agentName": "host-a",
          "image": "docker.io/library/app:1.2",
          "state": "failed",
          "attempt": 3,
          "maxAttempts": 3,
          "priority": 0,
          "createdAt": "2024-05-01T12:00:00Z",
          "updatedAt": "2024-05-01T12:00:00Z",
          "options": {"strategy": "merge", "verify": false, "push": false, "replace": false},
          "cancelRequested": true,
          "error": {"message": "no space left on device", "retryable": false},
          "skipReason": "n/a"
        }
        """#
        let expected = Job(
            id: Samples.jobID, batchId: Samples.batchID, agentId: Samples.agentID, agentName: "host-a",
            image: try ref("app:1.2"), state: .failed, attempt: 3, maxAttempts: 3, priority: 0,
            createdAt: Samples.created, updatedAt: Samples.created, options: FlattenOptions(),
            cancelRequested: true, error: JobError(message: "no space left on device", retryable: false),
            skipReason: "n/a"
        )
        try expectFixture(json, decodesTo: expected)
    }

    @Test func jobSubmission() throws {
        let json = #"""
        {
          "image": "docker.io/team/app:1.2",
          "target": {"selector": {"region": "eu"}},
          "options": {"strategy": "merge", "baseImage": "docker.io/library/debian:12", "verify": true,
                      "push": false, "minSavings": "100000000", "replace": false},
          "priority": 7,
          "maxAttempts": 5,
          "idempotencyKey": "deploy-42"
        }
        """#
        let expected = JobSubmission(
            image: try ref("team/app:1.2"), target: .selector(["region": "eu"]),
            options: FlattenOptions(partial: .baseImage(try ref("debian:12")), verify: true, minSavings: .bytes(100_000_000)),
            priority: 7, maxAttempts: 5, idempotencyKey: "deploy-42"
        )
        try expectFixture(json, decodesTo: expected)
    }

    @Test func minimalJobSubmissionTakesDefaults() throws {
        let submission = try decode(JobSubmission.self, #"{"image":"app","target":{"host":"a"}}"#)
        #expect(submission == JobSubmission(image: try ref("app"), target: .host("a")))
        #expect(submission.priority == 0)
        #expect(submission.maxAttempts == 3)
        #expect(submission.options == FlattenOptions())
        #expect(submission.idempotencyKey == nil)
    }

    @Test func jobSubmissionValidation() throws {
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app","target":{"all":true},"maxAttempts":0}"#)
            == "maxAttempts must be at least 1 (it is 0)")
        #expect(decodingFailure(JobSubmission.self, #"{"target":{"all":true}}"#) == #"missing field "image" at top level"#)
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app"}"#) == #"missing field "target" at top level"#)
        #expect(decodingFailure(Job.self, #"{"id":"not-a-uuid"}"#) == "id: Attempted to decode UUID from invalid UUID string.")
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app","#)?.contains("not valid JSON") == true)
    }

    @Test func batchSummary() throws {
        let batch = try Samples.batch()
        try expectFixture(Self.batchJSON, decodesTo: batch)
        #expect(batch.count(in: .queued) == 1)
        #expect(batch.count(in: .failed) == 0)
        #expect(!batch.isFinished)
        #expect(BatchSummary(id: batch.id, image: batch.image, createdAt: batch.createdAt, jobCount: 2,
                             counts: [.succeeded: 1, .skipped: 1, .queued: 0], bytesSaved: 0).isFinished)
    }

    @Test func submissionResponseAndJobList() throws {
        let response = #"{"batch": \#(Self.batchJSON), "jobs": [\#(Self.jobJSON)]}"#
        try expectFixture(response, decodesTo: SubmissionResponse(batch: try Samples.batch(), jobs: [try Samples.job()]))
        let list = #"{"jobs": [\#(Self.jobJSON)], "nextCursor": "c2"}"#
        try expectFixture(list, decodesTo: JobList(jobs: [try Samples.job()], nextCursor: "c2"))
        try expectFixture(#"{"jobs": []}"#, decodesTo: JobList(jobs: []))
    }

    @Test func agentRegistration() throws {
        let json = #"""
        {"name": "host-a", "labels": {"region": "eu"}, "engineVersion": "20.10.24",
         "engineAPIVersion": "1.41", "protocolVersion": 1, "capacity": 2}
        """#
        try expectFixture(json, decodesTo: AgentRegistration(
            name: "host-a", labels: ["region": "eu"], engineVersion: "20.10.24",
            engineAPIVersion: "1.41", protocolVersion: 1, capacity: 2))
        #expect(decodingFailure(AgentRegistration.self, #"{"name":"","engineVersion":"1","engineAPIVersion":"1","protocolVersion":1,"capacity":1}"#)
            == "name must not be empty")
        #expect(decodingFailure(AgentRegistration.self, #"{"name":"a","engineVersion":"1","engineAPIVersion":"1","protocolVersion":1,"capacity":0}"#)
            == "capacity must be at least 1 (it is 0)")
    }

    @Test("a registration carries the engine's product, image store and platform; older agents leave them out")
    func agentRegistrationEngineDetails() throws {
        let json = #"""
        {"name": "host-b", "labels": {}, "engineVersion": "28.5.2", "engineAPIVersion": "1.51",
         "protocolVersion": 1, "capacity": 1, "engineProduct": "Docker",
         "imageStore": "containerd (overlayfs)", "platform": "linux/amd64"}
        """#
        try expectFixture(json, decodesTo: AgentRegistration(
            name: "host-b", engineVersion: "28.5.2", engineAPIVersion: "1.51", protocolVersion: 1, capacity: 1,
            engineProduct: "Docker", imageStore: "containerd (overlayfs)", platform: "linux/amd64"))
        let older = try decode(AgentRegistration.self, #"{"name":"a","engineVersion":"20.10.24","engineAPIVersion":"1.41","protocolVersion":1,"capacity":1}"#)
        #expect(older.engineProduct == nil)
        #expect(older.imageStore == nil)
        #expect(older.platform == nil)
        let nulls = try decode(AgentRegistration.self, #"{"name":"a","engineVersion":"1","engineAPIVersion":"1","protocolVersion":1,"capacity":1,"engineProduct":null,"imageStore":null,"platform":null}"#)
        #expect(nulls == AgentRegistration(name: "a", engineVersion: "1", engineAPIVersion: "1", protocolVersion: 1))
        #expect(decodingFailure(AgentRegistration.self, #"{"name":"a","engineVersion":"1","engineAPIVersion":"1","protocolVersion":1,"capacity":1,"platform":7}"#)?
            .contains("platform") == true)
    }

    @Test func agentRegistrationResponse() throws {
        try expectFixture(
            #"{"agentId": "0f0f0f0f-0000-4000-8000-000000000001", "agentToken": "fa-secret"}"#,
            decodesTo: AgentRegistrationResponse(agentId: Samples.agentID, agentToken: "fa-secret"))
    }

    @Test func agentInfoAndList() throws {
        let info = #"""
        {"id": "0f0f0f0f-0000-4000-8000-000000000001", "name": "host-a", "labels": {"region": "eu"},
         "engineVersion": "20.10.24", "engineAPIVersion": "1.41", "capacity": 2,
         "lastSeenAt": "2024-05-01T12:00:05.25Z", "registeredAt": "2024-05-01T12:00:00Z",
         "state": "online", "runningJobs": 1}
        """#
        try expectFixture(info, decodesTo: Samples.agentInfo())
        try expectFixture(#"{"agents": [\#(info)]}"#, decodesTo: AgentList(agents: [Samples.agentInfo()]))
    }

    @Test("an agent's engine details appear when it reported them")
    func agentInfoEngineDetails() throws {
        let info = #"""
        {"id": "0f0f0f0f-0000-4000-8000-000000000001", "name": "host-a", "labels": {"region": "eu"},
         "engineVersion": "4.3.1", "engineAPIVersion": "1.41", "capacity": 2,
         "engineProduct": "Podman", "imageStore": "containers-storage (overlay)", "platform": "linux/arm64",
         "lastSeenAt": "2024-05-01T12:00:05.25Z", "registeredAt": "2024-05-01T12:00:00Z",
         "state": "online", "runningJobs": 1}
        """#
        var expected = Samples.agentInfo()
        expected.engineVersion = "4.3.1"
        expected.engineProduct = "Podman"
        expected.imageStore = "containers-storage (overlay)"
        expected.platform = "linux/arm64"
        try expectFixture(info, decodesTo: expected)
    }

    @Test func claimResponse() throws {
        let json = #"{"job": \#(Self.jobJSON), "leaseToken": "lt-9", "leaseExpiresAt": "2024-05-01T12:01:00Z"}"#
        try expectFixture(json, decodesTo: ClaimResponse(
            job: try Samples.job(), leaseToken: "lt-9",
            leaseExpiresAt: Samples.created.addingTimeInterval(60)))
    }

    @Test func heartbeat() throws {
        try expectFixture(
            #"{"leaseToken": "lt-9", "progress": {"phase": "saving", "bytesDone": 1024, "bytesTotal": 4096}}"#,
            decodesTo: Heartbeat(leaseToken: "lt-9", progress: JobProgress(phase: .saving, bytesDone: 1024, bytesTotal: 4096)))
        try expectFixture(
            #"{"leaseToken": "lt-9", "progress": {"phase": "inspecting", "bytesDone": 0}}"#,
            decodesTo: Heartbeat(leaseToken: "lt-9", progress: JobProgress(phase: .inspecting)))
        try expectFixture(
            #"{"cancelRequested": true, "leaseExpiresAt": "2024-05-01T12:01:00Z"}"#,
            decodesTo: HeartbeatResponse(cancelRequested: true, leaseExpiresAt: Samples.created.addingTimeInterval(60)))
    }

    @Test func completionAndFailure() throws {
        try expectFixture(
            #"{"leaseToken": "lt-9", "result": \#(Self.resultJSON)}"#,
            decodesTo: JobCompletion(leaseToken: "lt-9", outcome: .succeeded(Samples.result())))
        try expectFixture(
            #"{"leaseToken": "lt-9", "skipped": {"reason": "image not present"}}"#,
            decodesTo: JobCompletion(leaseToken: "lt-9", outcome: .skipped(reason: "image not present")))
        try expectFixture(
            #"{"leaseToken": "lt-9", "message": "engine unreachable", "retryable": true}"#,
            decodesTo: JobFailure(leaseToken: "lt-9", message: "engine unreachable", retryable: true))
    }

    @Test func errorBody() throws {
        try expectFixture(
            #"{"error": {"code": "stale_lease", "message": "lease token is stale"}}"#,
            decodesTo: ErrorBody(code: .staleLease, message: "lease token is stale"))
        let unknown = try decode(ErrorBody.self, #"{"error": {"code": "brand_new_code", "message": "m"}}"#)
        #expect(unknown.error.code == APIErrorCode("brand_new_code"))
        #expect(unknown.error.code.httpStatus == nil)
        #expect(unknown.description == "brand_new_code: m")
    }
}
