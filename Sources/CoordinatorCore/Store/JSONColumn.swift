import FlattenProtocol
import Foundation
import PostgresClient

/// Protocol values stored in `jsonb` columns, in the API's own JSON encoding (ISO-8601 dates,
/// camelCase keys), so SQL and operators read the same JSON the agents sent.
enum JSONColumn {
    /// `value` as JSON text, for a `\(…)::jsonb` parameter.
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.flattenProtocol.encode(value), as: UTF8.self)
    }

    /// The `jsonb` column `column` of `row` decoded as `T`; nil when it is NULL.
    static func decode<T: Decodable>(_ type: T.Type, column: String, of row: PostgresRow) throws -> T? {
        guard let text = try row.decode(String?.self, column: column) else { return nil }
        do {
            return try JSONDecoder.flattenProtocol.decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptColumn(column, "does not decode as \(T.self): \(error)")
        }
    }
}

/// A row that breaks the schema's promises (written by a newer or broken coordinator).
struct StoreError: Error, CustomStringConvertible {
    let description: String

    static func corruptColumn(_ column: String, _ problem: String) -> StoreError {
        StoreError(description: "column \(column) \(problem)")
    }
}
