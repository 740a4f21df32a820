import FlattenSecurity
import Foundation
import Testing
import TestSupport

@Suite("CA files")
struct CertificateAuthorityFileTests {
    @Test("a PEM CA file is read with all its certificates, and trusted alone")
    func reads() throws {
        let first = try TestCertificateAuthority(name: "First CA")
        defer { first.remove() }
        let second = try TestCertificateAuthority(name: "Second CA", directory: first.directory)
        let bundle = first.directory.appendingPathComponent("bundle.pem").path
        let pem = try String(contentsOfFile: first.certificatePath, encoding: .utf8)
            + String(contentsOfFile: second.certificatePath, encoding: .utf8)
        try Data(pem.utf8).write(to: URL(fileURLWithPath: bundle))

        let authority = try CertificateAuthorityFile(path: bundle, option: "--ca-file")
        #expect(authority.certificates.count == 2)
        #expect(authority.clientTLSConfiguration.trustRoots == .certificates(authority.certificates))
    }

    @Test("a missing CA file is refused with the option, the path and the reason")
    func missing() {
        let path = NSTemporaryDirectory() + "absent-ca-\(UUID().uuidString).pem"
        let error = #expect(throws: CertificateAuthorityFileError.self) {
            try CertificateAuthorityFile(path: path, option: "FLATTEN_CA_FILE")
        }
        #expect(error?.description == "FLATTEN_CA_FILE \(path): cannot read it (No such file or directory)")
    }

    @Test("a file without a certificate is refused", arguments: ["", "not a certificate\n"])
    func notPEM(contents: String) throws {
        let path = NSTemporaryDirectory() + "bad-ca-\(UUID().uuidString).pem"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CertificateAuthorityFileError.self) {
            try CertificateAuthorityFile(path: path, option: "--ca-file")
        }
        #expect(error?.description.hasPrefix("--ca-file \(path): ") == true, "\(String(describing: error))")
    }
}
