import Foundation

/// A certificate authority a test makes for itself with the `openssl` command line, in a
/// temporary directory of its own, and the server certificates it issues (EC P-256, valid for
/// two days, for `localhost` and `127.0.0.1` unless told otherwise).
///
/// ```swift
/// let ca = try TestCertificateAuthority(name: "Test CA")
/// defer { ca.remove() }
/// let server = try ca.issueServerCertificate(name: "coordinator")
/// ```
public struct TestCertificateAuthority: Sendable {
    /// The directory every file lives in; ``remove()`` deletes it.
    public let directory: URL
    /// The CA's certificate: what a client's `--ca-file` names.
    public let certificatePath: String
    let keyPath: String

    /// A server certificate and its private key, PEM files.
    public struct Issued: Sendable {
        public let certificatePath: String
        public let keyPath: String
    }

    /// Makes a self-signed CA in a new temporary directory (or in `directory`).
    public init(name: String, directory: URL? = nil) throws {
        let directory = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("flatten-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let slug = Self.slug(name)
        self.directory = directory
        self.certificatePath = directory.appendingPathComponent("\(slug)-ca.pem").path
        self.keyPath = directory.appendingPathComponent("\(slug)-ca.key").path
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// Issues a server certificate named `name` for `hosts` (DNS names or IP addresses).
    public func issueServerCertificate(name: String, hosts: [String] = ["localhost", "127.0.0.1"]) throws -> Issued {
        let slug = Self.slug(name)
        let key = directory.appendingPathComponent("\(slug).key").path
        let request = directory.appendingPathComponent("\(slug).csr").path
        let certificate = directory.appendingPathComponent("\(slug).pem").path
        let extensions = directory.appendingPathComponent("\(slug).ext")
        let names = hosts.map { $0.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? "IP:\($0)" : "DNS:\($0)" }
        try Data("""
            subjectAltName=\(names.joined(separator: ","))
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """.utf8).write(to: extensions)
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", request, "-subj", "/CN=\(name)",
        ])
        try Self.openssl([
            "x509", "-req", "-in", request, "-CA", certificatePath, "-CAkey", keyPath,
            "-set_serial", String(UInt64.random(in: 1...UInt64(Int64.max))),
            "-out", certificate, "-days", "2", "-extfile", extensions.path,
        ])
        return Issued(certificatePath: certificate, keyPath: key)
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    static func slug(_ name: String) -> String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    /// Runs `openssl` to its end; throws with its output when it fails.
    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailure(arguments: arguments, status: process.terminationStatus, output: String(decoding: text, as: UTF8.self))
        }
    }

    struct OpenSSLFailure: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let output: String
        var description: String { "openssl \(arguments.joined(separator: " ")) exited \(status): \(output)" }
    }
}
