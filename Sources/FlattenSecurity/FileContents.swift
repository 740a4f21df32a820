import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small file (a token, a certificate, a key) whole, with the system's reason when it
/// cannot: NIOSSL's own loaders answer a bare `failedToLoadCertificate` for a missing file, and
/// Foundation's errors do not always say "permission denied".
package enum FileContents {
    /// Why a file could not be read, e.g. "No such file or directory".
    package struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    /// The file's bytes; files larger than `limit` are refused (a token or PEM file is small,
    /// a mistyped path to a disk image is not).
    package static func read(_ path: String, limit: Int = 1 << 20) throws(ReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ReadError(reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= limit else {
                throw ReadError(reason: "it is larger than \(limit) bytes")
            }
        }
    }
}

/// `read(2)`, named apart from `FileContents.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
