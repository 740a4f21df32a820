import Foundation

/// A bearer token kept in a file (`--admin-token-file`, `--token-file`, …) instead of on the
/// command line, where `ps` shows it to every user of the host.
///
/// The file holds the token on one line; its trailing line break is ignored, so
/// `echo "$TOKEN" > file` and `openssl rand -hex 32 > file` both work.
public enum TokenFile {
    /// Reads the token in `path`.
    ///
    /// - Parameter option: the option or variable that named the file, for the error message.
    /// - Throws: ``TokenFileError`` naming `option` and `path` when the file is missing,
    ///   unreadable, empty or holds more than one line.
    public static func read(_ path: String, option: String) throws(TokenFileError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path, limit: 64 << 10)
        } catch {
            throw TokenFileError(option: option, path: path, problem: .unreadable(error.reason))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenFileError(option: option, path: path, problem: .notText)
        }
        var token = Substring(text)
        while let last = token.last, last == "\n" || last == "\r" || last == "\r\n" {
            token.removeLast()
        }
        guard !token.isEmpty else {
            throw TokenFileError(option: option, path: path, problem: .empty)
        }
        guard !token.contains(where: \.isNewline) else {
            throw TokenFileError(option: option, path: path, problem: .severalLines)
        }
        return String(token)
    }
}

/// A token file that cannot be used; the description names the option and the file.
public struct TokenFileError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Problem: Sendable, Hashable {
        case unreadable(String)
        case notText
        case empty
        case severalLines
    }

    /// The option or environment variable that named the file.
    public let option: String
    /// The file.
    public let path: String
    let problem: Problem

    public var description: String {
        let what = switch problem {
        case .unreadable(let reason): "cannot read it (\(reason))"
        case .notText: "it is not UTF-8 text"
        case .empty: "it is empty; write the token into it"
        case .severalLines: "it holds more than one line; write only the token"
        }
        return "\(option) \(path): \(what)"
    }
}
