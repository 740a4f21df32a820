import NIOSSL

/// Words for TLS failures a person can act on, shared by flatctl and the agent.
public enum TLSFailure {
    /// A description of `error` when it is a TLS failure, else nil. A certificate the client
    /// does not trust says so and names `--ca-file`; other handshake failures keep NIOSSL's
    /// detail.
    public static func describe(_ error: any Error) -> String? {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            // BoringSSL's error stack adds nothing a person can use here.
            return "the coordinator's TLS certificate is not trusted (certificate verify failed); pass --ca-file (or set FLATTEN_CA_FILE) with the CA that signed it"
        }
        if (error as? NIOSSLExtraError) == .failedToValidateHostname {
            return "the coordinator's TLS certificate does not name the host in the URL (\(text)); use the host name the certificate was issued for"
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            return "TLS handshake failed (\(text))"
        }
        return nil
    }
}
