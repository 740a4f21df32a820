import FlattenSecurity
import Foundation
import Testing

@Suite("Token files")
struct TokenFileTests {
    /// Writes `contents` to a new temporary file and answers its path.
    static func file(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "token-\(UUID().uuidString)"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the token is the file's line, its trailing line break dropped", arguments: [
        "s3cret", "s3cret\n", "s3cret\r\n", "s3cret\n\n",
    ])
    func trailingNewline(contents: String) throws {
        let path = try Self.file(contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try TokenFile.read(path, option: "--token-file") == "s3cret")
    }

    @Test("an empty file is refused with the option and the path", arguments: ["", "\n"])
    func empty(contents: String) throws {
        let path = try Self.file(contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: TokenFileError.self) { try TokenFile.read(path, option: "--admin-token-file") }
        #expect(error?.description == "--admin-token-file \(path): it is empty; write the token into it")
    }

    @Test("a missing file is refused with the option, the path and the system's reason")
    func missing() {
        let path = NSTemporaryDirectory() + "absent-\(UUID().uuidString)"
        let error = #expect(throws: TokenFileError.self) { try TokenFile.read(path, option: "FLATTEN_TOKEN_FILE") }
        #expect(error?.description == "FLATTEN_TOKEN_FILE \(path): cannot read it (No such file or directory)")
    }

    @Test("a file of several lines is refused: a token is one line")
    func severalLines() throws {
        let path = try Self.file("first\nsecond\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: TokenFileError.self) { try TokenFile.read(path, option: "--token-file") }
        #expect(error?.description.contains("more than one line") == true)
    }

    @Test("a directory is refused with the system's reason")
    func directory() throws {
        let path = NSTemporaryDirectory() + "token-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: TokenFileError.self) { try TokenFile.read(path, option: "--token-file") }
        #expect(error?.description == "--token-file \(path): cannot read it (Is a directory)")
    }
}
