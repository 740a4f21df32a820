import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct EnumDecodingTests {
    @Test func unknownJobStateNamesPathValueAndAllowedValues() throws {
        let json = #"{"jobs":[{"state":"queued"},{"state":"paused"}]}"#
        struct Row: Decodable { var state: JobState }
        struct Page: Decodable { var jobs: [Row] }
        let failure = try #require(decodingFailure(Page.self, json))
        #expect(failure == #"unknown value "paused" for jobs[1].state; expected one of: queued, running, succeeded, failed, skipped, canceled"#)
    }

    @Test func unknownStrategyInsideASubmission() throws {
        let json = #"{"image":"app","target":{"all":true},"options":{"strategy":"squash"}}"#
        let failure = try #require(decodingFailure(JobSubmission.self, json))
        #expect(failure == #"unknown value "squash" for options.strategy; expected one of: merge, export"#)
    }

    @Test func unknownPhaseInAHeartbeat() throws {
        let json = #"{"leaseToken":"t","progress":{"phase":"compressing","bytesDone":0}}"#
        let failure = try #require(decodingFailure(Heartbeat.self, json))
        #expect(failure.hasPrefix(#"unknown value "compressing" for progress.phase; expected one of: inspecting, saving, merging"#))
    }

    @Test func unknownAgentState() throws {
        let failure = try #require(decodingFailure(AgentState.self, #""sleeping""#))
        #expect(failure == #"unknown value "sleeping" for top level; expected one of: online, offline, paused, draining, pending, engine-unavailable, removed"#)
    }

    @Test func unknownStateKeyInBatchCounts() throws {
        let json = #"""
        {"id":"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE","image":"app","createdAt":"2024-05-01T12:00:00Z",
         "jobCount":1,"counts":{"done":1},"bytesSaved":0}
        """#
        let failure = try #require(decodingFailure(BatchSummary.self, json))
        #expect(failure == #"unknown value "done" for a key of counts; expected one of: queued, running, succeeded, failed, skipped, canceled"#)
    }

    @Test func unknownPhaseKeyInPhaseDurations() throws {
        var object = try jsonObject(Samples.result())
        object["phaseDurations"] = ["zipping": 1.0]
        let data = try JSONSerialization.data(withJSONObject: object)
        let failure = try #require(decodingFailure(FlattenResult.self, String(decoding: data, as: UTF8.self)))
        #expect(failure.hasPrefix(#"unknown value "zipping" for a key of phaseDurations; expected one of: inspecting"#))
    }

    @Test func knownValuesStillDecode() throws {
        for state in JobState.allCases {
            #expect(try decode(JobState.self, "\"\(state.rawValue)\"") == state)
        }
        for phase in FlattenPhase.allCases {
            #expect(try decode(FlattenPhase.self, "\"\(phase.rawValue)\"") == phase)
        }
        for strategy in FlattenStrategy.allCases {
            #expect(try decode(FlattenStrategy.self, "\"\(strategy.rawValue)\"") == strategy)
        }
        for state in AgentState.allCases {
            #expect(try decode(AgentState.self, "\"\(state.rawValue)\"") == state)
        }
    }
}
