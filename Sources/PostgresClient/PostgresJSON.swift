import Foundation

/// A `Codable` value stored as JSON: sent as `jsonb`, read from `json` or `jsonb` columns.
///
/// ```swift
/// try await client.execute("INSERT INTO jobs (spec) VALUES (\(PostgresJSON(spec)))")
/// let spec = try row.decode(PostgresJSON<JobSpec>.self, column: "spec").value
/// ```
/// Uses `JSONEncoder` / `JSONDecoder` with their default strategies (dates as seconds since
/// 2001); encode dates as strings in your own `Codable` conformance if SQL must read them.
public struct PostgresJSON<Value: Codable & Sendable>: Sendable, PostgresEncodable, PostgresDecodable {
    public var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public static var postgresType: PostgresDataType { .jsonb }

    public func postgresParameter() throws -> PostgresParameter {
        let data = try JSONEncoder().encode(value)
        return .text(String(decoding: data, as: UTF8.self))
    }

    public init(postgresText text: String, type: PostgresDataType) throws(PostgresDecodingFailure) {
        guard type == .jsonb || type == .json else { throw .typeMismatch }
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw .invalidValue("JSON does not decode as \(Value.self): \(error)")
        }
    }
}

extension PostgresJSON: Equatable where Value: Equatable {}
extension PostgresJSON: Hashable where Value: Hashable {}
