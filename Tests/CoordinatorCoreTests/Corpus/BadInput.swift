import FlattenProtocol
import Hummingbird

/// One bad request and the answer it must get: always a 4xx with the JSON error body, never a
/// 500, never an empty body.
struct BadInput: Sendable, CustomStringConvertible {
    /// Who sends it.
    enum Caller: Sendable {
        case admin, enrollment, agent, anonymous
    }

    var name: String
    var method: HTTPRequest.Method
    /// `{job}` is replaced by a running job's ID.
    var path: String
    /// JSON text; `{lease}` is replaced by that job's lease token. Nil sends no body.
    var body: String?
    var caller: Caller
    var status: HTTPResponse.Status
    var code: APIErrorCode
    /// Text the error message must contain (the field or parameter at fault), when set.
    var mentions: String?

    var description: String { "\(name) (\(method) \(path.prefix(80)))" }
}

/// Builds JSON objects for the corpus: a valid message with some fields replaced by raw JSON.
enum CorpusJSON {
    /// `fields` with `overrides` replacing (or adding) raw JSON values, in order; a nil value
    /// removes the field.
    static func object(_ fields: [(String, String)], _ overrides: [(String, String?)]) -> String {
        var result = fields.map { ($0.0, Optional($0.1)) }
        for (key, value) in overrides {
            if let index = result.firstIndex(where: { $0.0 == key }) {
                result[index].1 = value
            } else {
                result.append((key, value))
            }
        }
        return "{" + result.compactMap { key, value in value.map { "\"\(key)\": \($0)" } }.joined(separator: ", ") + "}"
    }

    static func registration(_ overrides: (String, String?)...) -> String {
        object([("name", #""corpus-agent""#), ("labels", #"{"region": "eu"}"#), ("engineVersion", #""28.5.2""#),
                ("engineAPIVersion", #""1.41""#), ("protocolVersion", "\(FlattenProtocolVersion.current)"), ("capacity", "2")],
               overrides)
    }

    static func submission(_ overrides: (String, String?)...) -> String {
        object([("image", #""registry.example/app:1""#), ("target", #"{"all": true}"#)], overrides)
    }

    static func heartbeat(_ overrides: (String, String?)...) -> String {
        object([("leaseToken", #""{lease}""#), ("progress", #"{"phase": "merging", "bytesDone": 1, "bytesTotal": 2}"#)], overrides)
    }

    static func failure(_ overrides: (String, String?)...) -> String {
        object([("leaseToken", #""{lease}""#), ("message", #""boom""#), ("retryable", "false")], overrides)
    }

    static func completion(result overrides: (String, String?)...) -> String {
        let result = object([
            ("originalImageId", "\"sha256:\(String(repeating: "a", count: 64))\""),
            ("newImageId", "\"sha256:\(String(repeating: "b", count: 64))\""),
            ("originalSize", "5000"), ("originalLayerCount", "5"), ("newSize", "4000"), ("newLayerCount", "1"),
            ("bytesSaved", "1000"), ("phaseDurations", #"{"merging": 1.5}"#), ("strategy", #""merge""#),
            ("tags", #"["registry.example/app:1-flat"]"#), ("warnings", "[]"),
        ], overrides)
        return #"{"leaseToken": "{lease}", "result": \#(result)}"#
    }

    static func skipped(reason: String) -> String {
        #"{"leaseToken": "{lease}", "skipped": {"reason": \#(reason)}}"#
    }

    /// A JSON string literal of `count` copies of `unit`.
    static func string(_ unit: String, count: Int) -> String {
        "\"" + String(repeating: unit, count: count) + "\""
    }

    /// A JSON array of `count` copies of `element`.
    static func array(_ element: String, count: Int) -> String {
        "[" + Array(repeating: element, count: count).joined(separator: ", ") + "]"
    }

    /// A JSON object of `count` distinct keys.
    static func labels(count: Int) -> String {
        "{" + (0..<count).map { #""k\#($0)": "v""# }.joined(separator: ", ") + "}"
    }
}
