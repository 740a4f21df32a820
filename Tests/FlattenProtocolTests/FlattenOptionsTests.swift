import Foundation
import Testing
@testable import FlattenProtocol

@Suite struct FlattenOptionsTests {
    @Test func emptyObjectMeansDefaults() throws {
        let options = try decode(FlattenOptions.self, "{}")
        #expect(options == FlattenOptions())
        #expect(options.strategy == .merge)
        #expect(options.partial == nil && options.newTag == nil && options.minSavings == nil)
        #expect(!options.verify && !options.push && !options.replace)
    }

    @Test(arguments: [
        (#"{"keepLayers":2}"#, PartialFlatten.keepLayers(2)),
        (#"{"baseImage":"debian:12"}"#, PartialFlatten.baseImage(try! ImageReference("debian:12"))),
        (#"{"keepShared":true}"#, PartialFlatten.keepShared),
    ])
    func partialModes(json: String, partial: PartialFlatten) throws {
        let options = try decode(FlattenOptions.self, json)
        #expect(options.partial == partial)
        #expect(try roundTrip(options) == options)
        let object = try jsonObject(options)
        let modeKeys = ["keepLayers", "baseImage", "keepShared"].filter { object[$0] != nil }
        #expect(modeKeys.count == 1)
    }

    @Test func keepSharedFalseIsNoPartialMode() throws {
        #expect(try decode(FlattenOptions.self, #"{"keepShared":false}"#).partial == nil)
        #expect(try decode(FlattenOptions.self, #"{"keepShared":false,"keepLayers":1}"#).partial == .keepLayers(1))
    }

    @Test(arguments: [
        (#"{"keepLayers":2,"keepShared":true}"#, #"found "keepLayers" and "keepShared""#),
        (#"{"keepLayers":2,"baseImage":"debian"}"#, #"found "keepLayers" and "baseImage""#),
        (#"{"baseImage":"debian","keepShared":true,"keepLayers":1}"#, #"found "keepLayers" and "baseImage" and "keepShared""#),
    ])
    func rejectsSeveralPartialModes(json: String, found: String) throws {
        let failure = try #require(decodingFailure(FlattenOptions.self, json))
        #expect(failure == #"flatten options at top level may set only one partial mode of "keepLayers", "baseImage" or "keepShared"; "# + found)
    }

    @Test func rejectsKeepLayersBelowOne() throws {
        let json = #"{"image":"app","target":{"all":true},"options":{"keepLayers":0}}"#
        let failure = try #require(decodingFailure(JobSubmission.self, json))
        #expect(failure == "options.keepLayers must be at least 1 (it is 0); leave it out to flatten every layer")
    }

    @Test func rejectsBadReferences() throws {
        let failure = try #require(decodingFailure(FlattenOptions.self, #"{"newTag":"Bad:tag"}"#))
        #expect(failure == #"newTag: invalid image reference "Bad:tag": repository name "Bad" must be lowercase (upper case at position 1)"#)
    }
}
