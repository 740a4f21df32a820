import FlattenProtocol
import Foundation
import Testing

@testable import AgentCore

@Suite("Which report an ended attempt gets")
struct ReportRuleTests {
    let image = try! ImageReference("registry.local/app:1.2")
    let result = FlattenResult(
        originalImageId: "sha256:a", newImageId: "sha256:b", originalSize: 100, originalLayerCount: 5,
        newSize: 80, newLayerCount: 1, bytesSaved: 20, strategy: .merge)

    func report(_ ending: FlattenEnding, stop: StopReason? = nil) -> JobReport? {
        ReportRule.report(for: ending, stop: stop, leaseToken: "lease", image: image, agentName: "host-a")
    }

    @Test("a flattened image completes with its result")
    func flattened() {
        #expect(report(.flattened(result)) == .complete(JobCompletion(leaseToken: "lease", outcome: .succeeded(result))))
        // A cancel that arrived after the flatten finished does not undo the result.
        #expect(report(.flattened(result), stop: .canceledByOperator) == .complete(JobCompletion(leaseToken: "lease", outcome: .succeeded(result))))
    }

    @Test("a skipped flatten completes as skipped with its reason")
    func skipped() {
        #expect(report(.skipped(reason: "saves 1%, less than 10%")) == .complete(JobCompletion(leaseToken: "lease", outcome: .skipped(reason: "saves 1%, less than 10%"))))
    }

    @Test("a failure because the engine vanished is retryable and says so, so the attempt is given back")
    func engineUnavailable() {
        let failure = FlattenFailure(
            message: "cannot reach the Docker engine at unix:///gone.sock", isRetryable: true,
            isEngineUnavailable: true)
        #expect(report(.failed(failure)) == .fail(JobFailure(
            leaseToken: "lease", message: "the engine of host-a stopped answering: cannot reach the Docker engine at unix:///gone.sock",
            retryable: true, engineUnavailable: true)))
        // A failure while the engine answers (checked after it) is an ordinary failure.
        let transient = FlattenFailure(message: "the connection broke", isRetryable: true)
        #expect(report(.failed(transient)) == .fail(JobFailure(leaseToken: "lease", message: "the connection broke", retryable: true)))
        // An operator's cancel still wins.
        guard case .fail(let canceled) = report(.failed(failure), stop: .canceledByOperator) else {
            Issue.record("expected a failure report")
            return
        }
        #expect(canceled.engineUnavailable == nil)
        #expect(!canceled.retryable)
    }

    @Test("an image absent on the host is skipped, naming the host")
    func imageAbsentIsSkipped() {
        let failure = FlattenFailure(message: "image 'app:1.2' was not found on the engine", isRetryable: false, isImageNotFound: true)
        guard case .complete(let completion) = report(.failed(failure)), case .skipped(let reason) = completion.outcome else {
            Issue.record("expected a skipped completion")
            return
        }
        #expect(reason.contains("host-a"))
        #expect(reason.contains("was not found"))
    }

    @Test("a failure is reported with the flatten's message and retryability")
    func failure() {
        let failure = FlattenFailure(message: "the engine went away", isRetryable: true)
        #expect(report(.failed(failure)) == .fail(JobFailure(leaseToken: "lease", message: "the engine went away", retryable: true)))
        let permanent = FlattenFailure(message: "verification failed", isRetryable: false)
        #expect(report(.failed(permanent)) == .fail(JobFailure(leaseToken: "lease", message: "verification failed", retryable: false)))
    }

    @Test("an operator's cancel is a final failure; an agent stopping is a retryable one")
    func stops() {
        let canceled = FlattenFailure(message: "cancelled", isRetryable: false, isCanceled: true)
        guard case .fail(let byOperator) = report(.failed(canceled), stop: .canceledByOperator) else {
            Issue.record("expected a failure report")
            return
        }
        #expect(!byOperator.retryable)
        #expect(byOperator.message.contains("canceled by an operator"))
        guard case .fail(let stopping) = report(.failed(canceled), stop: .agentStopping) else {
            Issue.record("expected a failure report")
            return
        }
        #expect(stopping.retryable)
    }

    @Test("a lost lease reports nothing, whatever the ending")
    func leaseLost() {
        let failure = FlattenFailure(message: "cancelled", isRetryable: false, isCanceled: true)
        #expect(report(.failed(failure), stop: .leaseLost("409")) == nil)
        #expect(report(.flattened(result), stop: .leaseLost("409")) == nil)
    }

    @Test("very long messages are cut to what the coordinator takes")
    func longMessage() {
        let failure = FlattenFailure(message: String(repeating: "x", count: 10_000), isRetryable: false)
        guard case .fail(let reported) = report(.failed(failure)) else {
            Issue.record("expected a failure report")
            return
        }
        #expect(reported.message.utf8.count <= ReportRule.maximumMessageLength)
        #expect(reported.message.utf8.count > ReportRule.maximumMessageLength - 4)
        #expect(reported.message.hasSuffix("…"))
    }

    @Test("multi-byte messages are cut by bytes, and NUL is dropped, in failures and skip reasons")
    func messagesFitTheProtocolLimit() throws {
        let long = String(repeating: "é€\u{0}", count: 5_000)
        guard case .fail(let failed) = report(.failed(FlattenFailure(message: long, isRetryable: true))) else {
            Issue.record("expected a failure report")
            return
        }
        #expect(failed.message.utf8.count <= ProtocolLimits.maxMessageBytes)
        #expect(!failed.message.unicodeScalars.contains("\u{0}"))
        #expect(throws: Never.self) { try failed.validate() }
        guard case .complete(let skipped) = report(.skipped(reason: long)),
              case .skipped(let reason) = skipped.outcome else {
            Issue.record("expected a skip report")
            return
        }
        #expect(reason.utf8.count <= ProtocolLimits.maxMessageBytes)
        #expect(throws: Never.self) { try skipped.validate() }
    }

    @Test("reports round-trip through their stored JSON form")
    func reportCoding() throws {
        for report in [
            JobReport.complete(JobCompletion(leaseToken: "t", outcome: .succeeded(result))),
            .complete(JobCompletion(leaseToken: "t", outcome: .skipped(reason: "absent"))),
            .fail(JobFailure(leaseToken: "t", message: "boom", retryable: true)),
        ] {
            let data = try JSONEncoder.flattenProtocol.encode(report)
            #expect(try JSONDecoder.flattenProtocol.decode(JobReport.self, from: data) == report)
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder.flattenProtocol.decode(JobReport.self, from: Data(#"{"other": 1}"#.utf8))
        }
    }
}
