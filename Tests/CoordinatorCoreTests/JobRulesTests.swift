@testable import CoordinatorCore
import FlattenProtocol
import Foundation
import Testing

@Suite("Job rules (pure)")
struct JobRulesTests {
    @Test("every rule's result is a transition JobState allows", arguments: [true, false], [true, false])
    func rulesFollowTransitions(retryable: Bool, cancelRequested: Bool) {
        for maxAttempts in 1...3 {
            for attempt in 1...maxAttempts {
                let afterFailure = JobRules.stateAfterFailure(
                    retryable: retryable, cancelRequested: cancelRequested, attempt: attempt, maxAttempts: maxAttempts)
                #expect(JobState.running.canTransition(to: afterFailure))
                let afterExpiry = JobRules.stateAfterLeaseExpiry(
                    cancelRequested: cancelRequested, attempt: attempt, maxAttempts: maxAttempts)
                #expect(JobState.running.canTransition(to: afterExpiry))
            }
        }
        #expect(JobState.running.canTransition(to: JobRules.stateAfterCompletion(.succeeded(.sample()))))
        #expect(JobState.running.canTransition(to: JobRules.stateAfterCompletion(.skipped(reason: "absent"))))
    }

    @Test("a failure requeues only when retryable, attempts remain and no cancel was asked")
    func failure() {
        #expect(JobRules.stateAfterFailure(retryable: true, cancelRequested: false, attempt: 1, maxAttempts: 3) == .queued)
        #expect(JobRules.stateAfterFailure(retryable: true, cancelRequested: false, attempt: 3, maxAttempts: 3) == .failed)
        #expect(JobRules.stateAfterFailure(retryable: false, cancelRequested: false, attempt: 1, maxAttempts: 3) == .failed)
        #expect(JobRules.stateAfterFailure(retryable: true, cancelRequested: true, attempt: 1, maxAttempts: 3) == .canceled)
    }

    @Test("an expired lease requeues while attempts remain, then fails")
    func expiry() {
        #expect(JobRules.stateAfterLeaseExpiry(cancelRequested: false, attempt: 1, maxAttempts: 2) == .queued)
        #expect(JobRules.stateAfterLeaseExpiry(cancelRequested: false, attempt: 2, maxAttempts: 2) == .failed)
        #expect(JobRules.stateAfterLeaseExpiry(cancelRequested: true, attempt: 1, maxAttempts: 2) == .canceled)
    }

    @Test("a completion keeps the reported outcome")
    func completion() {
        #expect(JobRules.stateAfterCompletion(.succeeded(.sample())) == .succeeded)
        #expect(JobRules.stateAfterCompletion(.skipped(reason: "image absent")) == .skipped)
    }

    @Test("cancel: queued at once, running by request, finished refused", arguments: JobState.allCases)
    func cancel(state: JobState) {
        let decision = JobRules.cancelDecision(for: state)
        switch state {
        case .queued:
            #expect(decision == .cancelNow)
            #expect(state.canTransition(to: .canceled))
        case .running:
            #expect(decision == .requestCancel)
        case .succeeded, .failed, .skipped, .canceled:
            #expect(decision == .refuse(state))
            #expect(!state.canTransition(to: .canceled))
        }
    }

    @Test("backoff doubles per attempt and stops at the cap")
    func backoff() {
        let backoff = RetryBackoff(base: .seconds(5), cap: .seconds(60))
        #expect(backoff.delay(afterAttempt: 1) == .seconds(10))
        #expect(backoff.delay(afterAttempt: 2) == .seconds(20))
        #expect(backoff.delay(afterAttempt: 3) == .seconds(40))
        #expect(backoff.delay(afterAttempt: 4) == .seconds(60))
        #expect(backoff.delay(afterAttempt: 500) == .seconds(60))
    }
}

@Suite("Tokens, cursors and addresses (pure)")
struct PureValueTests {
    @Test("generated tokens are 43 base64url characters and distinct")
    func tokens() {
        let tokens = (0..<100).map { _ in SecretToken.generate() }
        #expect(Set(tokens).count == 100)
        for token in tokens {
            #expect(token.count == 43)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }

    @Test("base64url matches Foundation's base64 with the URL alphabet and no padding, at every length")
    func base64URL() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length &* 11) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(bytes.withUnsafeBytes { SecretToken.base64URL($0) } == expected, "length \(length)")
        }
    }

    @Test("bearer tokens are read from Authorization, scheme in any case, blanks trimmed")
    func bearerTokens() throws {
        #expect(try Authenticator.bearerToken(fromHeader: "Bearer abc") == "abc")
        #expect(try Authenticator.bearerToken(fromHeader: "bearer   abc-_9 \t") == "abc-_9")
        #expect(try Authenticator.bearerToken(fromHeader: "BEARER \tx") == "x")
        for bad in ["Basic abc", "Bearer", "Bearer ", "Bearer \t ", "Bearerabc", "Token abc"] {
            #expect(throws: APIError.self, "\(String(reflecting: bad))") { try Authenticator.bearerToken(fromHeader: bad) }
        }
    }

    @Test("a token's hash is its SHA-256 in hex")
    func hash() {
        #expect(SecretToken.hash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("constant-time comparison tells equal from different, whatever the lengths")
    func constantTime() {
        #expect(ConstantTime.equals("secret", "secret"))
        #expect(!ConstantTime.equals("secret", "secreT"))
        #expect(!ConstantTime.equals("secret", "secret2"))
        #expect(!ConstantTime.equals("", "a"))
        #expect(ConstantTime.equals("", ""))
        #expect(ConstantTime.matchesAny("b", in: ["a", "b", "c"]))
        #expect(!ConstantTime.matchesAny("d", in: ["a", "b", "c"]))
        #expect(!ConstantTime.matchesAny("a", in: []))
    }

    @Test("a cursor survives its opaque form; garbage does not parse")
    func cursor() throws {
        let cursor = NewestFirstCursor(createdAtMicroseconds: 1_714_564_800_123_456, id: UUID())
        #expect(NewestFirstCursor(encoded: cursor.encoded) == cursor)
        #expect(NewestFirstCursor(encoded: "not a cursor") == nil)
        #expect(NewestFirstCursor(encoded: "") == nil)
        #expect(NewestFirstCursor(encoded: Data("12:not-a-uuid".utf8).base64EncodedString()) == nil)
    }

    @Test("listen addresses parse; bad ones name the problem")
    func listenAddress() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(try ListenAddress(parsing: ":0") == ListenAddress(host: "0.0.0.0", port: 0))
        #expect(try ListenAddress(parsing: "[::1]:9000") == ListenAddress(host: "::1", port: 9000))
        #expect(ListenAddress(host: "::1", port: 9000).description == "[::1]:9000")
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "localhost") }
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "localhost:http") }
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "localhost:70000") }
        let error = #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "host:x") }
        #expect(error?.description.contains("\"x\"") == true)
    }

    @Test("migrations have unique increasing versions")
    func migrations() {
        let versions = Migrations.all.map(\.version)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
        #expect(Migrations.latestVersion == versions.last)
    }
}
