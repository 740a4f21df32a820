import Foundation
import Testing
@testable import FlattenProtocol

@Suite("Protocol limits and validation")
struct ProtocolLimitsTests {
    func registration(
        name: String = "host-a", labels: [String: String] = ["region": "eu"], engineVersion: String = "28.5.2",
        capacity: Int = 2, platform: String? = "linux/amd64"
    ) -> AgentRegistration {
        AgentRegistration(name: name, labels: labels, engineVersion: engineVersion, engineAPIVersion: "1.41",
                          capacity: capacity, platform: platform)
    }

    func submission(
        target: JobTarget = .all, priority: Int = 0, maxAttempts: Int = 3, key: String? = nil
    ) throws -> JobSubmission {
        JobSubmission(image: try ref("app:1"), target: target, priority: priority, maxAttempts: maxAttempts, idempotencyKey: key)
    }

    /// The validation error of `message`, or nil when it passes.
    func failure(_ message: some ValidatedMessage) -> ProtocolValidationError? {
        do {
            try message.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test("messages within the limits pass")
    func validMessagesPass() throws {
        #expect(failure(registration()) == nil)
        #expect(failure(try submission(target: .selector(["region": "eu"]), priority: -5, key: "deploy-42")) == nil)
        #expect(failure(Heartbeat(leaseToken: "t", progress: JobProgress(phase: .merging, bytesDone: 1, bytesTotal: 2))) == nil)
        #expect(failure(JobCompletion(leaseToken: "t", outcome: .succeeded(Samples.result()))) == nil)
        #expect(failure(JobFailure(leaseToken: "t", message: "line one\nline two\ttabbed", retryable: true)) == nil)
    }

    @Test("strings at the limit pass and one byte more fails, naming the field and the limit")
    func stringLimits() throws {
        let atLimit = String(repeating: "n", count: ProtocolLimits.maxNameBytes)
        #expect(failure(registration(name: atLimit)) == nil)
        let name = try #require(failure(registration(name: atLimit + "n")))
        #expect(name.kind == .tooLong)
        #expect(name.description == "name must be at most 253 bytes (it has 254)")

        let label = try #require(failure(registration(labels: ["k": String(repeating: "v", count: 1_000_000)])))
        #expect(label.description.contains("labels"))
        #expect(label.description.contains("\(ProtocolLimits.maxLabelValueBytes)"))

        let key = try #require(failure(registration(labels: [String(repeating: "k", count: 129): "v"])))
        #expect(key.description.contains("labels key"))
        #expect(key.description.contains("128"))

        let version = try #require(failure(registration(engineVersion: String(repeating: "1", count: 500_000))))
        #expect(version.description.hasPrefix("engineVersion must be at most 128 bytes"))

        let many = Dictionary(uniqueKeysWithValues: (0...ProtocolLimits.maxLabelCount).map { ("k\($0)", "v") })
        #expect(try #require(failure(registration(labels: many))).description == "labels may have at most 64 entries (it has 65)")

        // Bytes, not characters: 127 two-byte characters are 254 bytes.
        #expect(failure(registration(name: String(repeating: "é", count: 127)))?.kind == .tooLong)

        let idempotency = try #require(failure(try submission(key: String(repeating: "k", count: 201))))
        #expect(idempotency.description.contains("idempotencyKey must be at most 200 bytes"))
        #expect(failure(try submission(key: ""))?.description == "idempotencyKey must not be empty")

        let message = try #require(failure(JobFailure(leaseToken: "t", message: String(repeating: "m", count: 4097), retryable: false)))
        #expect(message.description == "message must be at most 4096 bytes (it has 4097)")
    }

    @Test("integers outside their range fail, naming the field and the range", arguments: [
        (2_147_483_648, "priority"), (-2_147_483_649, "priority"), (Int.max, "priority"), (Int.min, "priority"),
    ])
    func priorityRange(value: Int, field: String) throws {
        let error = try #require(failure(try submission(priority: value)))
        #expect(error.kind == .outOfRange)
        #expect(error.description == "priority must be an integer from -2147483648 to 2147483647 (it is \(value))")
    }

    @Test("maxAttempts and capacity stay within their ranges")
    func attemptsAndCapacity() throws {
        #expect(failure(try submission(maxAttempts: 1000)) == nil)
        #expect(try #require(failure(try submission(maxAttempts: 1001))).description == "maxAttempts must be an integer from 1 to 1000 (it is 1001)")
        #expect(try #require(failure(registration(capacity: Int.max))).description.hasPrefix("capacity must be an integer from 1 to 1000"))
        #expect(failure(Heartbeat(leaseToken: "t", progress: JobProgress(phase: .merging, bytesDone: -1)))?.description
            == "progress.bytesDone must be an integer from 0 to 9223372036854775807 (it is -1)")
    }

    @Test("control characters are refused in names, label keys, selector keys and idempotency keys", arguments: [
        "evil\nA      succeeded", "tab\there", "esc\u{1B}[31m", "nul\u{0}", "del\u{7F}", "c1\u{85}", "sep\u{2028}",
    ])
    func controlCharacters(text: String) throws {
        #expect(failure(registration(name: text))?.kind == .controlCharacter)
        #expect(failure(registration(labels: [text: "v"]))?.kind == .controlCharacter)
        #expect(failure(try submission(target: .selector([text: "v"])))?.kind == .controlCharacter)
        #expect(failure(try submission(target: .host(text)))?.kind == .controlCharacter)
        #expect(failure(try submission(key: text))?.kind == .controlCharacter)
        #expect(failure(registration(platform: text))?.kind == .controlCharacter)
    }

    @Test("free text keeps newlines but refuses NUL, naming the field")
    func nulInText() throws {
        #expect(failure(registration(labels: ["k": "two\nlines"])) == nil)
        let label = try #require(failure(registration(labels: ["k": "a\u{0}b"])))
        #expect(label.description == #"labels."k" must not contain NUL (U+0000)"#)
        let reason = try #require(failure(JobCompletion(leaseToken: "t", outcome: .skipped(reason: "x\u{0}"))))
        #expect(reason.description == "skipped.reason must not contain NUL (U+0000)")
        var result = Samples.result()
        result.warnings = ["fine", "bad\u{0}"]
        #expect(failure(JobCompletion(leaseToken: "t", outcome: .succeeded(result)))?.description == "result.warnings[1] must not contain NUL (U+0000)")
        result.warnings = Array(repeating: "w", count: 65)
        #expect(failure(JobCompletion(leaseToken: "t", outcome: .succeeded(result)))?.description == "result.warnings may have at most 64 entries (it has 65)")
    }

    @Test("fittedMessage cuts by bytes at a character boundary and drops NUL")
    func fitting() {
        #expect(ProtocolLimits.fittedMessage("short") == "short")
        #expect(ProtocolLimits.fittedMessage("a\u{0}b") == "ab")
        let cut = ProtocolLimits.fitted(String(repeating: "€", count: 10), maxBytes: 10)
        #expect(cut == "€€…")
        #expect(cut.utf8.count <= 10)
        let long = ProtocolLimits.fittedMessage(String(repeating: "👍", count: 5000))
        #expect(long.utf8.count <= ProtocolLimits.maxMessageBytes)
        #expect(long.hasSuffix("…"))
    }
}

@Suite("Numbers Foundation cannot read are named")
struct IntegerDecodingTests {
    @Test("a fractional or too large integer names the field and its range", arguments: [
        (#"{"image": "app:1", "target": {"all": true}, "priority": 1.5}"#, "priority must be an integer from -2147483648 to 2147483647 (it is 1.5)"),
        (#"{"image": "app:1", "target": {"all": true}, "priority": 9223372036854775808}"#, "priority must be an integer from -2147483648 to 2147483647 (it is 9223372036854775808)"),
        (#"{"image": "app:1", "target": {"all": true}, "maxAttempts": 1e400}"#, "maxAttempts must be an integer from 1 to 1000"),
        (#"{"image": "app:1", "target": {"all": true}, "options": {"keepLayers": 0.5}}"#, "options.keepLayers must be an integer from 1 to 1000 (it is 0.5)"),
    ])
    func submissionNumbers(json: String, message: String) {
        #expect(decodingFailure(JobSubmission.self, json) == message)
    }

    @Test("registration capacity of 2^63 names capacity")
    func capacity() throws {
        let json = #"{"name": "a", "engineVersion": "1", "engineAPIVersion": "1.41", "protocolVersion": 1, "capacity": 9223372036854775808}"#
        let message = try #require(decodingFailure(AgentRegistration.self, json))
        #expect(message.hasPrefix("capacity must be an integer from 1 to 1000"))
    }

    @Test("an image reference over the limit is refused before it is parsed or echoed")
    func hugeImage() throws {
        let json = #"{"image": "\#(String(repeating: "a", count: 100_000))", "target": {"all": true}}"#
        let message = try #require(decodingFailure(JobSubmission.self, json))
        #expect(message == "image must be at most 512 bytes (it has 100000)")
    }
}

@Suite("Strict JSON check")
struct JSONDocumentCheckTests {
    func problem(_ json: String) -> String? {
        do {
            _ = try JSONDocumentCheck(Array(json.utf8))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("valid documents pass", arguments: [
        #"{}"#, #"[]"#, #"{"a": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]}"#, " {\"a\" : {\"b\": {}}} ",
        #"{"a": 1, "b": {"a": 2}}"#, "0", #""text""#,
    ])
    func valid(json: String) {
        #expect(problem(json) == nil)
    }

    @Test("duplicate keys are refused, naming the key and where", arguments: [
        (#"{"priority": 1, "priority": 2}"#, #"duplicate key "priority" in the object at top level; each key may appear once"#),
        (#"{"target": {"all": true, "all": true}}"#, #"duplicate key "all" in the object at target; each key may appear once"#),
        (#"{"a": "x", "\u0061": "y"}"#, #"duplicate key "a" in the object at top level; each key may appear once"#),
        (#"{"l": [{"k": 1}, {"k": 1, "k": 2}]}"#, #"duplicate key "k" in the object at l[1]; each key may appear once"#),
    ])
    func duplicates(json: String, message: String) {
        #expect(problem(json) == message)
    }

    @Test("what Foundation lets through is refused", arguments: [
        #"{"a": 1,}"#, #"[1,]"#, #"{"a": 01}"#, #"{"a": .5}"#, #"{"a": 1.}"#, #"{"a" 1}"#, #"{"a": tru}"#, #"{"a": "x"} x"#,
        "{\"a\": \"tab\there\"}", #"{"a": "\x"}"#, #"{"a": "\u12"}"#, #"{'a': 1}"#, #"{"a": NaN}"#, "", #"{"a": 1"#,
    ])
    func syntax(json: String) throws {
        let message = try #require(problem(json))
        #expect(message.hasPrefix("the body is not valid JSON: "))
        #expect(message.contains("at byte"))
    }

    @Test("nesting deeper than the limit is refused")
    func depth() throws {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(try #require(problem(deep)).hasPrefix("the body nests deeper than 32 levels"))
        let fine = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(problem(fine) == nil)
    }

    @Test("numbers no integer can hold are remembered with their path")
    func suspects() throws {
        let check = try JSONDocumentCheck(Array(#"{"a": 1, "b": [2, 1.5], "c": {"d": 99999999999999999999, "e": 1e3}}"#.utf8))
        #expect(check.suspectNumbers.map(\.path) == ["b[1]", "c.d", "c.e"])
        #expect(check.suspectNumbers.map(\.text) == ["1.5", "99999999999999999999", "1e3"])
        #expect(try #require(check.numberProblemDescription).contains("1.5 at b[1]"))
        #expect(try JSONDocumentCheck(Array(#"{"a": -9223372036854775808}"#.utf8)).suspectNumbers.isEmpty)
    }
}

@Suite("UUIDs are encoded in lower case")
struct LowercaseUUIDTests {
    @Test("every UUID of a message is lower case, however deeply nested; dates keep their format")
    func lowercase() throws {
        let job = try Samples.job()
        let text = String(decoding: try JSONEncoder.flattenProtocol.encode(JobList(jobs: [job], nextCursor: "c")), as: UTF8.self)
        #expect(text.contains(#""batchId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee""#))
        #expect(text.contains(#""agentId":"0f0f0f0f-0000-4000-8000-000000000001""#))
        #expect(!text.contains("AAAAAAAA"))
        #expect(text.contains(#""createdAt":"2024-05-01T12:00:00Z""#))
        let registration = String(decoding: try JSONEncoder.flattenProtocol.encode(
            AgentRegistrationResponse(agentId: Samples.agentID, agentToken: "t")), as: UTF8.self)
        #expect(registration == #"{"agentId":"0f0f0f0f-0000-4000-8000-000000000001","agentToken":"t"}"#)
        let bare = String(decoding: try JSONEncoder.flattenProtocol.encode([Samples.batchID]), as: UTF8.self)
        #expect(bare == #"["aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]"#)
        #expect(try roundTrip(job) == job)
    }
}
