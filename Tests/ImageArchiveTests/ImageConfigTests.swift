import Testing
@testable import ImageArchive

@Suite("Image config")
struct ImageConfigTests {
    static let configText = #"{"architecture":"amd64","config":{"Env":["PATH=/bin"],"Cmd":["sh"],"Labels":{"x":"1.0"},"Healthcheck":{"Interval":30000000000}},"created":"2024-01-02T03:04:05.123456789Z","docker_version":"20.10.24","history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD rootfs.tar /"},{"created":"2024-01-01T00:00:01Z","created_by":"ENV A=1","empty_layer":true},{"created":"2024-01-01T00:00:02Z","created_by":"RUN one"},{"created":"2024-01-01T00:00:03Z","created_by":"RUN two"},{"created":"2024-01-01T00:00:04Z","created_by":"CMD [\"sh\"]","empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"]},"unknown_future_field":{"n":1.50,"big":123456789012345678901}}"#
    let newID = "sha256:" + String(repeating: "d", count: 64)

    @Test func unchangedConfigSerializesToTheSameBytes() throws {
        let config = try ImageConfig(bytes: Array(Self.configText.utf8))
        #expect(config.serialized() == Array(Self.configText.utf8))
        #expect(try config.diffIDs().count == 3)
    }

    func nonEmpty(_ history: [JSONValue]) -> Int { history.filter { !ImageConfig.isEmptyLayer($0) }.count }

    @Test func fullFlattenCollapsesHistoryAndKeepsEverythingElse() throws {
        let config = try ImageConfig(bytes: Array(Self.configText.utf8))
        let flat = try config.flattened(keepingLowest: 0, newDiffID: newID)
        #expect(try flat.diffIDs() == [newID])
        #expect(nonEmpty(flat.history) == 1)
        #expect(flat.history.map { $0["created_by"]?.stringValue ?? "" } == [
            "ENV A=1", "flatten-fleet: squashed 3 layers (aaaaaaaaaaaa, bbbbbbbbbbbb, cccccccccccc)", "CMD [\"sh\"]",
        ])
        #expect(flat.history[1]["created"] == .string("2024-01-01T00:00:03Z"))
        for key in ["architecture", "config", "created", "docker_version", "os", "unknown_future_field"] {
            #expect(flat.json[key] == config.json[key], "\(key)")
        }
        let text = String(decoding: flat.serialized(), as: UTF8.self)
        #expect(text.contains(#""n":1.50,"big":123456789012345678901"#))
        #expect(text.contains(#""Interval":30000000000"#))
    }

    @Test func partialFlattenKeepsLowerHistory() throws {
        let config = try ImageConfig(bytes: Array(Self.configText.utf8))
        let flat = try config.flattened(keepingLowest: 1, newDiffID: newID)
        #expect(try flat.diffIDs() == ["sha256:" + String(repeating: "a", count: 64), newID])
        #expect(nonEmpty(flat.history) == 2)
        #expect(flat.history.map { $0["created_by"]?.stringValue ?? "" } == [
            "ADD rootfs.tar /", "ENV A=1", "flatten-fleet: squashed 2 layers (bbbbbbbbbbbb, cccccccccccc)", "CMD [\"sh\"]",
        ])
        #expect(throws: ImageArchiveError.self) { try config.flattened(keepingLowest: 3, newDiffID: newID) }
    }

    @Test func configWithoutHistoryGetsOneEntry() throws {
        let config = try ImageConfig(bytes: Array(#"{"rootfs":{"type":"layers","diff_ids":["sha256:1","sha256:2"]}}"#.utf8))
        let flat = try config.flattened(keepingLowest: 0, newDiffID: newID)
        #expect(flat.history.count == 1)
        #expect(String(decoding: flat.serialized(), as: UTF8.self).hasPrefix(#"{"rootfs":{"type":"layers","diff_ids":["sha256:ddd"#))
    }

    @Test func digestIsSHA256OfTheExactBytes() throws {
        #expect(ImageConfig.digest(of: Array("abc".utf8)) == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func invalidConfigsAreRefused() {
        #expect(throws: ImageArchiveError.self) { try ImageConfig(bytes: Array("[]".utf8)) }
        #expect(throws: ImageArchiveError.self) { try ImageConfig(bytes: Array("{".utf8)) }
        #expect(throws: ImageArchiveError.self) { try ImageConfig(bytes: Array(#"{"rootfs":{"diff_ids":[1]}}"#.utf8)) }
        #expect(throws: ImageArchiveError.self) { try ImageConfig(bytes: Array(#"{"os":"linux"}"#.utf8)) }
    }
}
