import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct JobCompletionTests {
    @Test func skippedShape() throws {
        let completion = JobCompletion(leaseToken: "lt-1", outcome: .skipped(reason: "image not present"))
        let data = try JSONEncoder.flattenProtocol.encode(completion)
        #expect(String(decoding: data, as: UTF8.self) == #"{"leaseToken":"lt-1","skipped":{"reason":"image not present"}}"#)
        #expect(try roundTrip(completion) == completion)
    }

    @Test func succeededShape() throws {
        let completion = JobCompletion(leaseToken: "lt-2", outcome: .succeeded(Samples.result()))
        let object = try jsonObject(completion)
        #expect(Set(object.keys) == ["leaseToken", "result"])
        #expect(try roundTrip(completion) == completion)
    }

    @Test(arguments: [
        (#"{"leaseToken":"t"}"#, #"must have exactly one of "result" or "skipped"; found neither"#),
        (#"{"leaseToken":"t","skipped":{"reason":"x"},"result":{}}"#, "found both"),
    ])
    func rejectsNeitherOrBoth(json: String, message: String) throws {
        let failure = try #require(decodingFailure(JobCompletion.self, json))
        #expect(failure.contains(message), "got: \(failure)")
    }

    @Test func requiresSkipReason() throws {
        let failure = try #require(decodingFailure(JobCompletion.self, #"{"leaseToken":"t","skipped":{}}"#))
        #expect(failure == #"missing field "reason" at skipped"#)
    }
}
