import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct JobTargetTests {
    @Test(arguments: [
        (JobTarget.host("a"), #"{"host":"a"}"#),
        (JobTarget.selector(["k": "v", "region": "eu"]), #"{"selector":{"k":"v","region":"eu"}}"#),
        (JobTarget.all, #"{"all":true}"#),
    ])
    func encodesAsOneKeyObject(target: JobTarget, json: String) throws {
        let data = try JSONEncoder.flattenProtocol.encode(target)
        #expect(String(decoding: data, as: UTF8.self) == json)
        #expect(try decode(JobTarget.self, json) == target)
    }

    @Test(arguments: [
        (#"{}"#, #"must have exactly one of "host", "selector" or "all"; found none"#),
        (#"{"host":"a","all":true}"#, "found host and all"),
        (#"{"host":"a","selector":{"k":"v"}}"#, "found host and selector"),
        (#"{"host":"a","selector":{"k":"v"},"all":true}"#, "found host and selector and all"),
        (#"{"hots":"a"}"#, "found none"),
        (#"{"host":""}"#, "host must not be empty"),
        (#"{"selector":{}}"#, #"must have at least one label; use {"all":true} to target every agent"#),
        (#"{"all":false}"#, "all must be true when present"),
    ])
    func rejectsAnythingButExactlyOne(json: String, message: String) throws {
        let failure = try #require(decodingFailure(JobTarget.self, json))
        #expect(failure.contains(message), "got: \(failure)")
    }

    @Test func errorNamesTheFieldPath() throws {
        let json = #"{"image":"app","target":{"host":"a","all":true}}"#
        let failure = try #require(decodingFailure(JobSubmission.self, json))
        #expect(failure == #"job target at target must have exactly one of "host", "selector" or "all"; found host and all"#)
    }

    @Test func nestedErrorsNameTheFullPath() throws {
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app","target":{"host":""}}"#) == "target.host must not be empty")
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app","target":{"selector":{}}}"#)
            == #"target.selector must have at least one label; use {"all":true} to target every agent"#)
        #expect(decodingFailure(JobSubmission.self, #"{"image":"app","target":{"all":false}}"#) == "target.all must be true when present")
    }

    @Test func matchesAgents() {
        #expect(JobTarget.host("a").matches(agentName: "a", labels: [:]))
        #expect(!JobTarget.host("a").matches(agentName: "b", labels: [:]))
        #expect(JobTarget.selector(["region": "eu"]).matches(agentName: "x", labels: ["region": "eu", "tier": "1"]))
        #expect(!JobTarget.selector(["region": "eu", "tier": "2"]).matches(agentName: "x", labels: ["region": "eu", "tier": "1"]))
        #expect(!JobTarget.selector(["region": "eu"]).matches(agentName: "x", labels: [:]))
        #expect(JobTarget.all.matches(agentName: "x", labels: [:]))
    }
}
