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
        SymmetricKey(size: .bits256).withUnsafeBytes { base64URL($0) }
    }

    /// The SHA-256 of `token`'s UTF-8, as lowercase hex: what the database stores.
    public static func hash(of token: String) -> String {
        var token = token
        let digest = token.withUTF8 { SHA256.hash(data: $0) }
        // Every request hashes a token: write the hex straight into the string's storage.
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let base64URLDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url (RFC 4648 section 5) of `bytes`.
    static func base64URL(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: (bytes.count * 4 + 2) / 3) { buffer in
            var out = 0
            var index = 0
            while index < bytes.count {
                let remaining = bytes.count - index
                let b0 = UInt32(bytes[index])
                let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
                let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
                let group = b0 << 16 | b1 << 8 | b2
                let characters = min(4, remaining + 1)
                for position in 0..<characters {
                    buffer[out] = base64URLDigits[Int(group >> (18 - 6 * UInt32(position)) & 0x3f)]
                    out += 1
                }
                index += 3
            }
            return out
        }
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
