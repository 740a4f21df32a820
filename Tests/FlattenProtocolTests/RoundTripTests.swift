import Foundation
import Testing
@testable import FlattenProtocol

/// Every message survives encode → decode unchanged.
@Suite struct RoundTripTests {
    @Test func jobSubmission() throws {
        let full = JobSubmission(
            image: try ref("registry.example.com/team/app:1.2"),
            target: .selector(["region": "eu"]), options: try Samples.options(),
            priority: -3, maxAttempts: 5, idempotencyKey: "deploy-42"
        )
        #expect(try roundTrip(full) == full)
        let minimal = JobSubmission(image: try ref("app"), target: .host("a"))
        #expect(try roundTrip(minimal) == minimal)
        let partials: [PartialFlatten?] = [nil, .keepLayers(1), .baseImage(try ref("debian:12")), .keepShared]
        for partial in partials {
            var submission = minimal
            submission.options.partial = partial
            #expect(try roundTrip(submission) == submission)
        }
    }

    @Test(arguments: JobState.allCases)
    func job(state: JobState) throws {
        var job = try Samples.job(state: state)
        #expect(try roundTrip(job) == job)
        job.startedAt = nil
        job.finishedAt = nil
        job.progress = nil
        job.result = nil
        job.error = JobError(message: "engine unreachable", retryable: true)
        job.skipReason = "absent"
        job.cancelRequested = true
        #expect(try roundTrip(job) == job)
    }

    @Test func batchAndLists() throws {
        let batch = try Samples.batch()
        #expect(try roundTrip(batch) == batch)
        let response = SubmissionResponse(batch: batch, jobs: [try Samples.job(), try Samples.job(state: .queued)])
        #expect(try roundTrip(response) == response)
        let list = JobList(jobs: [try Samples.job()], nextCursor: "opaque-cursor")
        #expect(try roundTrip(list) == list)
        #expect(try roundTrip(JobList(jobs: [])) == JobList(jobs: []))
    }

    @Test func flattenResult() throws {
        #expect(try roundTrip(Samples.result()) == Samples.result())
        var bare = Samples.result()
        bare.verified = nil
        bare.phaseDurations = [:]
        bare.tags = []
        bare.warnings = []
        bare.bytesSaved = -5
        #expect(try roundTrip(bare) == bare)
    }

    @Test func agentMessages() throws {
        let registration = AgentRegistration(
            name: "host-a", labels: ["region": "eu"], engineVersion: "20.10.24",
            engineAPIVersion: "1.41", capacity: 2
        )
        #expect(try roundTrip(registration) == registration)
        var reporting = registration
        reporting.engineProduct = "Podman"
        reporting.imageStore = "containers-storage (overlay)"
        reporting.platform = "linux/arm64"
        #expect(try roundTrip(reporting) == reporting)
        let response = AgentRegistrationResponse(agentId: Samples.agentID, agentToken: "secret")
        #expect(try roundTrip(response) == response)
        #expect(try roundTrip(Samples.agentInfo()) == Samples.agentInfo())
        var reportingInfo = Samples.agentInfo()
        reportingInfo.engineProduct = "Docker"
        reportingInfo.imageStore = "containerd (overlayfs)"
        reportingInfo.platform = "linux/amd64"
        #expect(try roundTrip(reportingInfo) == reportingInfo)
        let list = AgentList(agents: [Samples.agentInfo()])
        #expect(try roundTrip(list) == list)
    }

    @Test func leaseMessages() throws {
        let claim = ClaimResponse(job: try Samples.job(state: .running), leaseToken: "lt", leaseExpiresAt: Samples.started)
        #expect(try roundTrip(claim) == claim)
        let heartbeat = Heartbeat(leaseToken: "lt", progress: JobProgress(phase: .saving, bytesDone: 5))
        #expect(try roundTrip(heartbeat) == heartbeat)
        let heartbeatResponse = HeartbeatResponse(cancelRequested: true, leaseExpiresAt: Samples.created)
        #expect(try roundTrip(heartbeatResponse) == heartbeatResponse)
        for outcome in [JobCompletion.Outcome.succeeded(Samples.result()), .skipped(reason: "absent")] {
            let completion = JobCompletion(leaseToken: "lt", outcome: outcome)
            #expect(try roundTrip(completion) == completion)
        }
        let failure = JobFailure(leaseToken: "lt", message: "disk full", retryable: false)
        #expect(try roundTrip(failure) == failure)
    }

    @Test func errorBody() throws {
        let known = ErrorBody(code: .staleLease, message: "lease expired")
        #expect(try roundTrip(known) == known)
        let unknown = ErrorBody(code: APIErrorCode("teapot"), message: "short and stout")
        #expect(try roundTrip(unknown) == unknown)
    }

    @Test func datesWithMicroseconds() throws {
        var job = try Samples.job()
        // A decoded date (as from the database or the wire) must come back identical.
        let decoded = try decode([String: Date].self, #"{"t":"2024-05-01T12:00:05.123457Z"}"#)
        job.updatedAt = try #require(decoded["t"])
        #expect(try roundTrip(job) == job)
    }
}
