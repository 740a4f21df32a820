import Foundation
import NIOCore
import Testing
@testable import DockerEngine

@Suite("JSON-message stream parsing")
struct ProgressStreamTests {
    static let stream = #"""
    {"stream":"Step 1/2 : FROM x"}
    {"stream":"\n"}
    {"aux":{"ID":"sha256:013ba8e5de51dc2eb90a086b946f9331230a7f620e50b9d67a416a0fb4a92176"}}
    {"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[==>   ]","id":"5e7a53290e54"}
    {"status":"t: digest: sha256:abc size: 528","aux":{"Tag":"t","Digest":"sha256:abc","Size":528}}
    {"aux":"YnVpbGRraXQgdHJhY2U="}
    {"errorDetail":{"code":3,"message":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"},"error":"The command '/bin/sh -c exit 3' returned a non-zero code: 3"}
    """#.replacingOccurrences(of: "\n", with: "\r\n")

    func lines(splittingEvery size: Int) throws -> [ProgressMessage] {
        let bytes = Array(Self.stream.utf8)
        var splitter = JSONLineSplitter()
        var lines: [ByteBuffer] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + size, bytes.count)
            lines += try splitter.append(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
        if let last = splitter.finish() { lines.append(last) }
        return try lines.map { try JSONDecoder().decode(ProgressMessage.self, from: Data($0.readableBytesView)) }
    }

    @Test("messages split across chunks at any boundary decode the same", arguments: [1, 2, 7, 64, 100_000])
    func chunkBoundaries(size: Int) throws {
        let messages = try lines(splittingEvery: size)
        #expect(messages.count == 7)
        #expect(messages[0].stream == "Step 1/2 : FROM x")
        #expect(messages[1].stream == "\n")
        #expect(messages[2].aux?.id == "sha256:013ba8e5de51dc2eb90a086b946f9331230a7f620e50b9d67a416a0fb4a92176")
        #expect(messages[3].progressDetail == .init(current: 512, total: 2048))
        #expect(messages[3].id == "5e7a53290e54")
        #expect(messages[4].aux == .init(id: nil, tag: "t", digest: "sha256:abc", size: 528))
        // An aux payload of another shape (BuildKit's base64 trace) does not fail the line.
        #expect(messages[5].aux == nil)
        #expect(messages[6].failureMessage == "The command '/bin/sh -c exit 3' returned a non-zero code: 3")
        #expect(messages[6].errorDetail?.code == 3)
        #expect(messages.prefix(6).allSatisfy { $0.failureMessage == nil })
    }

    @Test("a stream without a final newline still yields its last line; blank lines are dropped")
    func unterminated() throws {
        var splitter = JSONLineSplitter()
        #expect(try splitter.append(ByteBuffer(string: "\r\n\n  \r\n{\"status\":\"a\"}\r\n{\"sta")).count == 1)
        #expect(try splitter.append(ByteBuffer(string: "tus\":\"b\"}")).isEmpty)
        let finished = splitter.finish()
        let last = try #require(finished)
        #expect(String(buffer: last) == "{\"status\":\"b\"}")
        #expect(splitter.finish() == nil)
    }

    @Test("an endless line is refused instead of growing memory")
    func lineLimit() throws {
        var splitter = JSONLineSplitter(maximumLineLength: 10)
        #expect(throws: JSONLineSplitter.LineTooLong.self) {
            try splitter.append(ByteBuffer(string: "{\"stream\":\"0123456789"))
        }
    }

    @Test("load output is read into references and IDs")
    func loadOutput() {
        var result = LoadResult()
        result.record("Loaded image: registry:5000/a/b:t\n")
        result.record("Loaded image ID: sha256:0123\nThe image x already exists, renaming the old one\n")
        #expect(result.loadedReferences == ["registry:5000/a/b:t"])
        #expect(result.loadedImageIDs == ["sha256:0123"])
        #expect(result.output.count == 3)
    }

    @Test("an HTTP-layer connection failure names the socket and says why")
    func transportMapping() {
        let host = DockerHost.unixSocket("/nowhere/docker.sock")
        let missing = DockerEngineError.fromTransport(IOError(errnoCode: ENOENT, reason: "connect"), host: host, operation: "ping the engine")
        #expect(String(describing: missing) == "cannot reach the Docker engine at unix:///nowhere/docker.sock: No such file or directory (is dockerd running?)")
        let denied = DockerEngineError.fromTransport(IOError(errnoCode: EACCES, reason: "connect"), host: host, operation: "ping the engine")
        let deniedError = denied as? DockerEngineError
        #expect(deniedError?.isPermissionDenied == true)
        #expect(deniedError?.isUnreachable == true)
        #expect(String(describing: denied).contains("permission denied opening the Docker engine socket unix:///nowhere/docker.sock"))
    }
}
