@testable import CoordinatorCore
import Foundation
import FlattenProtocol
import Hummingbird

/// The table of bad inputs the coordinator must answer with a 4xx and its JSON error body.
///
/// Each family starts from a valid message and breaks one thing: a string over its limit, an
/// integer outside PostgreSQL's range, a NUL or control character, a duplicate key, a number
/// Foundation cannot read, a malformed query parameter or URL.
enum BadInputCorpus {
    typealias J = CorpusJSON

    static var all: [BadInput] {
        registration + submission + heartbeat + completion + failure + queries + paths
    }

    /// A 400 `invalid_request` naming `mentions`.
    static func invalid(
        _ name: String, _ method: HTTPRequest.Method, _ path: String, _ body: String?, _ caller: BadInput.Caller,
        mentions: String? = nil
    ) -> BadInput {
        BadInput(name: name, method: method, path: path, body: body, caller: caller,
                 status: .badRequest, code: .invalidRequest, mentions: mentions)
    }

    static func register(_ name: String, _ body: String, mentions: String? = nil) -> BadInput {
        invalid("register: " + name, .post, APIPath.agentsRegister, body, .enrollment, mentions: mentions)
    }

    static func submit(_ name: String, _ body: String, mentions: String? = nil) -> BadInput {
        invalid("submit: " + name, .post, APIPath.jobs, body, .admin, mentions: mentions)
    }

    static func heartbeat(_ name: String, _ body: String, mentions: String? = nil) -> BadInput {
        invalid("heartbeat: " + name, .post, "/v1/jobs/{job}/heartbeat", body, .agent, mentions: mentions)
    }

    static func complete(_ name: String, _ body: String, mentions: String? = nil) -> BadInput {
        invalid("complete: " + name, .post, "/v1/jobs/{job}/complete", body, .agent, mentions: mentions)
    }

    static func fail(_ name: String, _ body: String, mentions: String? = nil) -> BadInput {
        invalid("fail: " + name, .post, "/v1/jobs/{job}/fail", body, .agent, mentions: mentions)
    }

    static func query(_ name: String, _ path: String, mentions: String? = nil, caller: BadInput.Caller = .admin) -> BadInput {
        invalid("query: " + name, .get, path, nil, caller, mentions: mentions)
    }

    /// Text that must never be accepted where a name goes.
    static let controlCharacters: [(String, String)] = [
        ("newline", #"\n"#), ("carriage return", #"\r"#), ("tab", #"\t"#), ("escape", #"\u001b"#),
        ("NUL", #"\u0000"#), ("DEL", #"\u007f"#), ("C1 NEL", #"\u0085"#), ("line separator", #"\u2028"#),
    ]

    // MARK: Registration

    static var registration: [BadInput] {
        var cases: [BadInput] = [
            register("name of 254 bytes", J.registration(("name", J.string("n", count: 254))), mentions: "name"),
            register("name of 10,000 characters", J.registration(("name", J.string("n", count: 10_000))), mentions: "name"),
            register("name of 127 two-byte characters", J.registration(("name", J.string("é", count: 127))), mentions: "name"),
            register("empty name", J.registration(("name", #""""#)), mentions: "name"),
            register("name null", J.registration(("name", "null")), mentions: "name"),
            register("name a number", J.registration(("name", "5")), mentions: "name"),
            register("missing name", J.registration(("name", nil)), mentions: "name"),
            register("label value of 257 bytes", J.registration(("labels", #"{"k": \#(J.string("v", count: 257))}"#)), mentions: "labels"),
            register("label key of 129 bytes", J.registration(("labels", "{\(J.string("k", count: 129)): \"v\"}")), mentions: "labels"),
            register("empty label key", J.registration(("labels", #"{"": "v"}"#)), mentions: "labels"),
            register("65 labels", J.registration(("labels", J.labels(count: 65))), mentions: "labels"),
            register("label value NUL", J.registration(("labels", #"{"k": "a\u0000b"}"#)), mentions: "labels"),
            register("labels an array", J.registration(("labels", #"["a"]"#)), mentions: "labels"),
            register("label value a number", J.registration(("labels", #"{"k": 1}"#)), mentions: "labels"),
            register("duplicate label key", J.registration(("labels", #"{"k": "a", "k": "b"}"#)), mentions: "\"k\""),
            register("engineVersion of 129 bytes", J.registration(("engineVersion", J.string("1", count: 129))), mentions: "engineVersion"),
            register("engineVersion NUL", J.registration(("engineVersion", #""1\u0000""#)), mentions: "engineVersion"),
            register("engineVersion newline", J.registration(("engineVersion", #""1\nA""#)), mentions: "engineVersion"),
            register("engineAPIVersion of 200 bytes", J.registration(("engineAPIVersion", J.string("1", count: 200))), mentions: "engineAPIVersion"),
            register("engineProduct of 200 bytes", J.registration(("engineProduct", J.string("D", count: 200))), mentions: "engineProduct"),
            register("imageStore with escape", J.registration(("imageStore", #""overlay\u001b[2J""#)), mentions: "imageStore"),
            register("platform of 300 bytes", J.registration(("platform", J.string("p", count: 300))), mentions: "platform"),
            register("missing engineVersion", J.registration(("engineVersion", nil)), mentions: "engineVersion"),
            register("capacity 0", J.registration(("capacity", "0")), mentions: "capacity"),
            register("capacity -1", J.registration(("capacity", "-1")), mentions: "capacity"),
            register("capacity 1001", J.registration(("capacity", "1001")), mentions: "capacity"),
            register("capacity 2^31", J.registration(("capacity", "2147483648")), mentions: "capacity"),
            register("capacity 2^63-1", J.registration(("capacity", "9223372036854775807")), mentions: "capacity"),
            register("capacity 2^63", J.registration(("capacity", "9223372036854775808")), mentions: "capacity"),
            register("capacity -2^63-1", J.registration(("capacity", "-9223372036854775809")), mentions: "capacity"),
            register("capacity 1.5", J.registration(("capacity", "1.5")), mentions: "capacity"),
            register("capacity 1e400", J.registration(("capacity", "1e400")), mentions: "capacity"),
            register("capacity a string", J.registration(("capacity", #""2""#)), mentions: "capacity"),
            register("protocolVersion 2^31", J.registration(("protocolVersion", "2147483648")), mentions: "protocolVersion"),
            register("protocolVersion 2^63", J.registration(("protocolVersion", "9223372036854775808")), mentions: "protocolVersion"),
            register("protocolVersion 1.5", J.registration(("protocolVersion", "1.5")), mentions: "protocolVersion"),
            register("protocolVersion -1", J.registration(("protocolVersion", "-1")), mentions: "protocolVersion"),
            register("duplicate name key", #"{"name": "a", "name": "b", "engineVersion": "1", "engineAPIVersion": "1", "protocolVersion": 1, "capacity": 1}"#, mentions: "\"name\""),
            register("duplicate capacity key", J.registration(("capacity", "1, \"capacity\": 2")), mentions: "\"capacity\""),
            register("trailing comma", String(J.registration().dropLast()) + ",}", mentions: "JSON"),
            register("an array", "[]"),
            register("null", "null"),
            register("empty body", "", mentions: "empty"),
            register("truncated JSON", #"{"name": "a""#, mentions: "JSON"),
            register("single quotes", #"{'name': 'a'}"#, mentions: "JSON"),
            register("nested 40 levels", J.registration(("labels", String(repeating: "[", count: 40) + String(repeating: "]", count: 40))), mentions: "deeper"),
            BadInput(name: "register: protocol version 99", method: .post, path: APIPath.agentsRegister,
                     body: J.registration(("protocolVersion", "99")), caller: .enrollment,
                     status: .upgradeRequired, code: .unsupportedProtocolVersion, mentions: "protocolVersion"),
            BadInput(name: "register: 1,000,000-byte label", method: .post, path: APIPath.agentsRegister,
                     body: J.registration(("labels", #"{"k": \#(J.string("v", count: 1_000_000))}"#)), caller: .enrollment,
                     status: .contentTooLarge, code: .payloadTooLarge, mentions: nil),
            BadInput(name: "register: 500 KB engineVersion", method: .post, path: APIPath.agentsRegister,
                     body: J.registration(("engineVersion", J.string("1", count: 500_000))), caller: .enrollment,
                     status: .contentTooLarge, code: .payloadTooLarge, mentions: nil),
            BadInput(name: "register: no token", method: .post, path: APIPath.agentsRegister,
                     body: J.registration(), caller: .anonymous, status: .unauthorized, code: .unauthorized, mentions: nil),
        ]
        for (what, escape) in controlCharacters {
            cases.append(register("name with \(what)", J.registration(("name", "\"evil\(escape)A      succeeded\"")), mentions: "name"))
            cases.append(register("label key with \(what)", J.registration(("labels", "{\"k\(escape)\": \"v\"}")), mentions: "labels"))
        }
        return cases
    }

    // MARK: Submission

    static var submission: [BadInput] {
        var cases: [BadInput] = [
            submit("priority 2^31", J.submission(("priority", "2147483648")), mentions: "priority"),
            submit("priority -2^31-1", J.submission(("priority", "-2147483649")), mentions: "priority"),
            submit("priority 2^63-1", J.submission(("priority", "9223372036854775807")), mentions: "priority"),
            submit("priority -2^63", J.submission(("priority", "-9223372036854775808")), mentions: "priority"),
            submit("priority 2^63", J.submission(("priority", "9223372036854775808")), mentions: "priority"),
            submit("priority 1.5", J.submission(("priority", "1.5")), mentions: "priority"),
            submit("priority 1e400", J.submission(("priority", "1e400")), mentions: "priority"),
            submit("priority a string", J.submission(("priority", #""1""#)), mentions: "priority"),
            submit("priority leading zero", J.submission(("priority", "01")), mentions: "JSON"),
            submit("maxAttempts 0", J.submission(("maxAttempts", "0")), mentions: "maxAttempts"),
            submit("maxAttempts -1", J.submission(("maxAttempts", "-1")), mentions: "maxAttempts"),
            submit("maxAttempts 1001", J.submission(("maxAttempts", "1001")), mentions: "maxAttempts"),
            submit("maxAttempts 2^31", J.submission(("maxAttempts", "2147483648")), mentions: "maxAttempts"),
            submit("maxAttempts 2^63-1", J.submission(("maxAttempts", "9223372036854775807")), mentions: "maxAttempts"),
            submit("maxAttempts -2^63-1", J.submission(("maxAttempts", "-9223372036854775809")), mentions: "maxAttempts"),
            submit("maxAttempts 2.5", J.submission(("maxAttempts", "2.5")), mentions: "maxAttempts"),
            submit("maxAttempts true", J.submission(("maxAttempts", "true")), mentions: "maxAttempts"),
            submit("empty idempotencyKey", J.submission(("idempotencyKey", #""""#)), mentions: "idempotencyKey"),
            submit("idempotencyKey of 201 bytes", J.submission(("idempotencyKey", J.string("k", count: 201))), mentions: "idempotencyKey"),
            submit("idempotencyKey of 10,000 bytes", J.submission(("idempotencyKey", J.string("k", count: 10_000))), mentions: "idempotencyKey"),
            submit("idempotencyKey a number", J.submission(("idempotencyKey", "5")), mentions: "idempotencyKey"),
            submit("empty host", J.submission(("target", #"{"host": ""}"#)), mentions: "target.host"),
            submit("host of 254 bytes", J.submission(("target", #"{"host": \#(J.string("h", count: 254))}"#)), mentions: "target.host"),
            submit("selector of 65 labels", J.submission(("target", #"{"selector": \#(J.labels(count: 65))}"#)), mentions: "target.selector"),
            submit("selector key of 129 bytes", J.submission(("target", "{\"selector\": {\(J.string("k", count: 129)): \"v\"}}")), mentions: "target.selector"),
            submit("selector value of 257 bytes", J.submission(("target", #"{"selector": {"k": \#(J.string("v", count: 257))}}"#)), mentions: "target.selector"),
            submit("selector value NUL", J.submission(("target", #"{"selector": {"k": "v\u0000"}}"#)), mentions: "target.selector"),
            submit("empty selector", J.submission(("target", #"{"selector": {}}"#)), mentions: "target.selector"),
            submit("empty target", J.submission(("target", "{}")), mentions: "target"),
            submit("host and all", J.submission(("target", #"{"host": "a", "all": true}"#)), mentions: "target"),
            submit("all false", J.submission(("target", #"{"all": false}"#)), mentions: "target.all"),
            submit("duplicate target key", J.submission(("target", #"{"host": "a", "host": "b"}"#)), mentions: "\"host\""),
            submit("missing target", J.submission(("target", nil)), mentions: "target"),
            submit("missing image", J.submission(("image", nil)), mentions: "image"),
            submit("empty image", J.submission(("image", #""""#)), mentions: "image"),
            submit("image of 10,000 bytes", J.submission(("image", J.string("a", count: 10_000))), mentions: "image"),
            submit("image upper case", J.submission(("image", #""UPPER/Case""#)), mentions: "image"),
            submit("image NUL", J.submission(("image", #""app\u0000:1""#)), mentions: "image"),
            submit("image newline", J.submission(("image", #""app:1\nx""#)), mentions: "image"),
            submit("image a number", J.submission(("image", "5")), mentions: "image"),
            submit("duplicate image key", #"{"image": "app:1", "image": "app:2", "target": {"all": true}}"#, mentions: "\"image\""),
            submit("keepLayers 0", J.submission(("options", #"{"keepLayers": 0}"#)), mentions: "keepLayers"),
            submit("keepLayers 1001", J.submission(("options", #"{"keepLayers": 1001}"#)), mentions: "keepLayers"),
            submit("keepLayers 1.5", J.submission(("options", #"{"keepLayers": 1.5}"#)), mentions: "keepLayers"),
            submit("keepLayers 2^63", J.submission(("options", #"{"keepLayers": 9223372036854775808}"#)), mentions: "keepLayers"),
            submit("unknown strategy", J.submission(("options", #"{"strategy": "bogus"}"#)), mentions: "strategy"),
            submit("newTag invalid", J.submission(("options", #"{"newTag": "BAD TAG"}"#)), mentions: "newTag"),
            submit("newTag of 600 bytes", J.submission(("options", #"{"newTag": \#(J.string("t", count: 600))}"#)), mentions: "newTag"),
            submit("baseImage NUL", J.submission(("options", #"{"baseImage": "base\u0000:1"}"#)), mentions: "baseImage"),
            submit("two partial modes", J.submission(("options", #"{"keepLayers": 2, "keepShared": true}"#)), mentions: "options"),
            submit("platform NUL", J.submission(("options", #"{"platform": "linux/amd64\u0000"}"#)), mentions: "platform"),
            submit("compression unknown", J.submission(("options", #"{"compression": "lzma"}"#)), mentions: "compression"),
            submit("minSavings nonsense", J.submission(("options", #"{"minSavings": "lots"}"#)), mentions: "minSavings"),
            submit("duplicate options key", J.submission(("options", #"{"verify": true, "verify": false}"#)), mentions: "\"verify\""),
            submit("trailing comma in options", J.submission(("options", #"{"verify": true,}"#)), mentions: "JSON"),
            submit("NaN priority", J.submission(("priority", "NaN")), mentions: "JSON"),
            submit("text after the object", J.submission() + " {}", mentions: "JSON"),
            submit("a string body", #""app:1""#),
            BadInput(name: "submit: body of 100 KB", method: .post, path: APIPath.jobs,
                     body: J.submission(("idempotencyKey", J.string("k", count: 100_000))), caller: .admin,
                     status: .contentTooLarge, code: .payloadTooLarge, mentions: nil),
            BadInput(name: "submit: agent token", method: .post, path: APIPath.jobs,
                     body: J.submission(), caller: .agent, status: .forbidden, code: .forbidden, mentions: nil),
            BadInput(name: "submit: no token", method: .post, path: APIPath.jobs,
                     body: J.submission(), caller: .anonymous, status: .unauthorized, code: .unauthorized, mentions: nil),
            BadInput(name: "submit: unknown host", method: .post, path: APIPath.jobs,
                     body: J.submission(("target", #"{"host": "nobody"}"#)), caller: .admin,
                     status: .unprocessableContent, code: .noMatchingAgents, mentions: nil),
        ]
        for (what, escape) in controlCharacters {
            cases.append(submit("idempotencyKey with \(what)", J.submission(("idempotencyKey", "\"key\(escape)\"")), mentions: "idempotencyKey"))
            cases.append(submit("host with \(what)", J.submission(("target", "{\"host\": \"evil\(escape)x\"}")), mentions: "target.host"))
            cases.append(submit("selector key with \(what)", J.submission(("target", "{\"selector\": {\"k\(escape)\": \"v\"}}")), mentions: "target.selector"))
        }
        return cases
    }

    // MARK: Agent reports

    static var heartbeat: [BadInput] {
        [
            heartbeat("empty lease token", J.heartbeat(("leaseToken", #""""#)), mentions: "leaseToken"),
            heartbeat("lease token of 129 bytes", J.heartbeat(("leaseToken", J.string("t", count: 129))), mentions: "leaseToken"),
            heartbeat("lease token NUL", J.heartbeat(("leaseToken", #""t\u0000""#)), mentions: "leaseToken"),
            heartbeat("lease token newline", J.heartbeat(("leaseToken", #""t\nx""#)), mentions: "leaseToken"),
            heartbeat("bytesDone -1", J.heartbeat(("progress", #"{"phase": "merging", "bytesDone": -1}"#)), mentions: "bytesDone"),
            heartbeat("bytesTotal -5", J.heartbeat(("progress", #"{"phase": "merging", "bytesDone": 1, "bytesTotal": -5}"#)), mentions: "bytesTotal"),
            heartbeat("bytesDone 2^63", J.heartbeat(("progress", #"{"phase": "merging", "bytesDone": 9223372036854775808}"#)), mentions: "bytesDone"),
            heartbeat("bytesDone 1.5", J.heartbeat(("progress", #"{"phase": "merging", "bytesDone": 1.5}"#)), mentions: "bytesDone"),
            heartbeat("unknown phase", J.heartbeat(("progress", #"{"phase": "dancing", "bytesDone": 1}"#)), mentions: "phase"),
            heartbeat("missing progress", J.heartbeat(("progress", nil)), mentions: "progress"),
            heartbeat("duplicate leaseToken", #"{"leaseToken": "{lease}", "leaseToken": "x", "progress": {"phase": "merging", "bytesDone": 1}}"#, mentions: "\"leaseToken\""),
            BadInput(name: "heartbeat: wrong lease", method: .post, path: "/v1/jobs/{job}/heartbeat",
                     body: J.heartbeat(("leaseToken", #""not-the-lease""#)), caller: .agent,
                     status: .conflict, code: .staleLease, mentions: nil),
            BadInput(name: "heartbeat: admin token", method: .post, path: "/v1/jobs/{job}/heartbeat",
                     body: J.heartbeat(), caller: .admin, status: .forbidden, code: .forbidden, mentions: nil),
        ]
    }

    static var completion: [BadInput] {
        [
            complete("skip reason of 4097 bytes", J.skipped(reason: J.string("r", count: 4097)), mentions: "skipped.reason"),
            complete("skip reason NUL", J.skipped(reason: #""r\u0000""#), mentions: "skipped.reason"),
            complete("both result and skipped", #"{"leaseToken": "{lease}", "skipped": {"reason": "r"}, "result": {}}"#, mentions: "exactly one"),
            complete("neither result nor skipped", #"{"leaseToken": "{lease}"}"#, mentions: "exactly one"),
            complete("65 warnings", J.completion(result: ("warnings", J.array(#""w""#, count: 65))), mentions: "result.warnings"),
            complete("warning of 4097 bytes", J.completion(result: ("warnings", "[\(J.string("w", count: 4097))]")), mentions: "result.warnings[0]"),
            complete("warning NUL", J.completion(result: ("warnings", #"["ok", "w\u0000"]"#)), mentions: "result.warnings[1]"),
            complete("65 tags", J.completion(result: ("tags", J.array(#""app:1""#, count: 65))), mentions: "result.tags"),
            complete("tag with newline", J.completion(result: ("tags", #"["app:1\nx"]"#)), mentions: "result.tags[0]"),
            complete("originalSize -1", J.completion(result: ("originalSize", "-1")), mentions: "originalSize"),
            complete("originalSize 1.5", J.completion(result: ("originalSize", "1.5")), mentions: "originalSize"),
            complete("newSize 2^63", J.completion(result: ("newSize", "9223372036854775808")), mentions: "newSize"),
            complete("originalLayerCount 2^63", J.completion(result: ("originalLayerCount", "9223372036854775808")), mentions: "originalLayerCount"),
            complete("newLayerCount 2^31", J.completion(result: ("newLayerCount", "2147483648")), mentions: "newLayerCount"),
            complete("newImageId NUL", J.completion(result: ("newImageId", #""sha256:b\u0000""#)), mentions: "newImageId"),
            complete("originalImageId of 600 bytes", J.completion(result: ("originalImageId", J.string("a", count: 600))), mentions: "originalImageId"),
            complete("unknown phase duration", J.completion(result: ("phaseDurations", #"{"napping": 1}"#)), mentions: "phaseDurations"),
            complete("phase duration 1e400", J.completion(result: ("phaseDurations", #"{"merging": 1e400}"#)), mentions: "merging"),
            complete("result platform NUL", J.completion(result: ("platform", #""linux/amd64\u0000""#)), mentions: "platform"),
            complete("duplicate result key", J.completion(result: ("newSize", "4000, \"newSize\": 1")), mentions: "\"newSize\""),
            complete("lease token of 129 bytes", #"{"leaseToken": \#(J.string("t", count: 129)), "skipped": {"reason": "r"}}"#, mentions: "leaseToken"),
        ]
    }

    static var failure: [BadInput] {
        [
            fail("message of 4097 bytes", J.failure(("message", J.string("m", count: 4097))), mentions: "message"),
            fail("message of 10,000 bytes", J.failure(("message", J.string("m", count: 10_000))), mentions: "message"),
            fail("message NUL", J.failure(("message", #""boom\u0000""#)), mentions: "message"),
            fail("missing message", J.failure(("message", nil)), mentions: "message"),
            fail("retryable a string", J.failure(("retryable", #""yes""#)), mentions: "retryable"),
            fail("lease token escape", J.failure(("leaseToken", #""t\u001b""#)), mentions: "leaseToken"),
            fail("duplicate retryable", J.failure(("retryable", "false, \"retryable\": true")), mentions: "\"retryable\""),
            invalid("fail: bad job ID", .post, "/v1/jobs/not-a-uuid/fail", J.failure(), .agent, mentions: "not-a-uuid"),
            BadInput(name: "fail: unknown job", method: .post, path: "/v1/jobs/00000000-0000-4000-8000-000000000000/fail",
                     body: J.failure(), caller: .agent, status: .notFound, code: .notFound, mentions: nil),
        ]
    }

    // MARK: Query parameters and paths

    static var queries: [BadInput] {
        let long = String(repeating: "a", count: 2000)
        return [
            query("agent NUL", "/v1/jobs?agent=%00", mentions: "agent"),
            query("agent with NUL inside", "/v1/jobs?agent=a%00b", mentions: "agent"),
            query("image NUL", "/v1/jobs?image=app%00", mentions: "image"),
            query("state NUL", "/v1/jobs?state=%00", mentions: "state"),
            query("cursor NUL", "/v1/jobs?cursor=%00", mentions: "cursor"),
            query("batch NUL", "/v1/jobs?batch=%00", mentions: "batch"),
            query("limit NUL", "/v1/jobs?limit=%00", mentions: "limit"),
            query("agent of 2000 bytes", "/v1/jobs?agent=\(long)", mentions: "agent"),
            query("image of 2000 bytes", "/v1/jobs?image=\(long)", mentions: "image"),
            query("limit 2^63", "/v1/jobs?limit=9223372036854775808", mentions: "limit"),
            query("limit -1", "/v1/jobs?limit=-1", mentions: "limit"),
            query("limit 1.5", "/v1/jobs?limit=1.5", mentions: "limit"),
            query("state bogus", "/v1/jobs?state=bogus", mentions: "state"),
            query("batch not a UUID", "/v1/jobs?batch=nope", mentions: "batch"),
            query("cursor garbage", "/v1/jobs?cursor=garbage", mentions: "cursor"),
            query("image upper case", "/v1/jobs?image=UPPER", mentions: "image"),
            query("agents limit 0", "/v1/agents?limit=0", mentions: "limit"),
            query("agents limit 501", "/v1/agents?limit=501", mentions: "limit"),
            query("agents limit text", "/v1/agents?limit=ten", mentions: "limit"),
            query("agents cursor garbage", "/v1/agents?cursor=%21%21", mentions: "cursor"),
            query("agents cursor NUL", "/v1/agents?cursor=%00", mentions: "cursor"),
            query("agents cursor of a job", "/v1/agents?cursor=\(NewestFirstCursor(createdAtMicroseconds: 1, id: UUID()).encoded)", mentions: "cursor"),
            invalid("claim: wait NUL", .post, APIPath.agentsClaim + "?wait=%00", nil, .agent, mentions: "wait"),
            invalid("claim: wait -1", .post, APIPath.agentsClaim + "?wait=-1", nil, .agent, mentions: "wait"),
            invalid("claim: wait nan", .post, APIPath.agentsClaim + "?wait=nan", nil, .agent, mentions: "wait"),
            invalid("claim: wait inf", .post, APIPath.agentsClaim + "?wait=inf", nil, .agent, mentions: "wait"),
            invalid("claim: wait 1e999", .post, APIPath.agentsClaim + "?wait=1e999", nil, .agent, mentions: "wait"),
            invalid("claim: wait soon", .post, APIPath.agentsClaim + "?wait=soon", nil, .agent, mentions: "wait"),
        ]
    }

    static var paths: [BadInput] {
        [
            BadInput(name: "URL of 9,000 bytes", method: .get, path: "/v1/jobs?agent=" + String(repeating: "a", count: 9000),
                     body: nil, caller: .admin, status: .uriTooLong, code: .uriTooLong, mentions: "8192"),
            BadInput(name: "URL of 100,000 characters", method: .get, path: "/v1/jobs?agent=" + String(repeating: "a", count: 100_000),
                     body: nil, caller: .admin, status: .uriTooLong, code: .uriTooLong, mentions: "URL"),
            query("job ID NUL", "/v1/jobs/%00", mentions: "job"),
            query("job ID not a UUID", "/v1/jobs/not-a-uuid", mentions: "not-a-uuid"),
            query("batch ID not a UUID", "/v1/batches/123", mentions: "batch"),
            invalid("cancel: bad job ID", .post, "/v1/jobs/xyz/cancel", nil, .admin, mentions: "xyz"),
            BadInput(name: "unknown route", method: .get, path: "/v2/nothing", body: nil, caller: .admin,
                     status: .notFound, code: .notFound, mentions: nil),
            BadInput(name: "unknown job", method: .get, path: "/v1/jobs/00000000-0000-4000-8000-000000000000", body: nil, caller: .admin,
                     status: .notFound, code: .notFound, mentions: nil),
            BadInput(name: "agents list with an agent token", method: .get, path: APIPath.agents, body: nil, caller: .agent,
                     status: .forbidden, code: .forbidden, mentions: nil),
            BadInput(name: "jobs list without a token", method: .get, path: APIPath.jobs, body: nil, caller: .anonymous,
                     status: .unauthorized, code: .unauthorized, mentions: nil),
        ]
    }
}
