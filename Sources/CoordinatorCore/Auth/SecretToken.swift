import Crypto
import Foundation

/// A random bearer secret (an agent token or a lease token) and the hash that is stored for it.
///
/// Tokens are 32 random bytes in unpadded base64url (43 characters), so they fit in headers
/// and JSON without escaping. Only ``hash(of:)`` of a token ever reaches the database.
public enum SecretToken {
    /// A fresh token from the system's cryptographic random source.
    public static func generate() -> String {
        // One draw from the system's secure source (not 32 one-byte draws, each a syscall).
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of `token`'s UTF-8, as lowercase hex: what the database stores.
    public static func hash(of token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// Comparison whose time does not depend on where two secrets first differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Takes time proportional to the longer input
    /// whatever the contents; only the lengths can leak, and hashes and tokens here have fixed
    /// lengths.
    public static func equals(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        let length = max(left.count, right.count)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count) | (left.count == right.count ? 0 : 1)
        for index in 0..<length {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    /// Whether `candidate` equals any of `secrets`, comparing against every one of them so the
    /// time does not tell which (or whether one) matched.
    public static func matchesAny(_ candidate: String, in secrets: [String]) -> Bool {
        var matched = false
        for secret in secrets {
            matched = equals(candidate, secret) || matched
        }
        return matched
    }
}
