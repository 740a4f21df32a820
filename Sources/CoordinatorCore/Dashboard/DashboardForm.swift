import Foundation
import Hummingbird
import NIOCore

/// The fields of a posted `application/x-www-form-urlencoded` form.
struct DashboardForm: Sendable {
    private var fields: [String: String]

    init(fields: [String: String]) {
        self.fields = fields
    }

    /// Parses `name=value&…` (`+` is a space, `%XX` a byte); the first of a repeated name wins.
    init(encoded: String) {
        var fields: [String: String] = [:]
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        self.fields = fields
    }

    /// The form a request posts, read up to `limit` bytes.
    ///
    /// - Throws: ``APIError`` 413 when it is larger, 415 when it is not a URL-encoded form.
    init(of request: Request, limit: Int) async throws {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            throw APIError(.unsupportedMediaType, .invalidRequest,
                           "the dashboard's actions take a form (application/x-www-form-urlencoded), not \(type ?? "an untyped body")")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: limit)
        }
        self.init(encoded: String(buffer: buffer))
    }

    /// The field, or nil when it is absent.
    subscript(_ name: String) -> String? { fields[name] }

    /// The field with blanks around it removed; nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
