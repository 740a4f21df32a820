/// One row of a result.
///
/// ```swift
/// let name = try row.decode(String.self, column: "name")
/// let attempt = try row.decode(Int.self, at: 1)
/// let finished = try row.decode(Date?.self, column: "finished_at")   // NULL → nil
/// ```
public struct PostgresRow: Sendable {
    let storage: PostgresResultStorage
    let row: Int

    /// The row's columns, in order.
    public var columns: [PostgresColumn] { storage.columns }

    /// Decodes the value of the column named `column` (the first such column if several share
    /// the name).
    ///
    /// - Throws: ``PostgresError`` naming the column when it does not exist, is NULL and `T` is
    ///   not optional, or its type or value does not fit `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let index = storage.columnIndexes[column] else {
            throw PostgresError.columnNotFound(column, available: storage.columns.map(\.name))
        }
        return try decode(T.self, at: index)
    }

    /// Decodes the value of the column at `index` (0-based).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard index >= 0, index < storage.columns.count else {
            throw PostgresError.columnIndexOutOfRange(index, count: storage.columns.count)
        }
        let column = storage.columns[index]
        do {
            if let text = storage.cells[row * storage.columns.count + index] {
                return try T(postgresText: text, type: column.dataType)
            }
            return try T.postgresNull()
        } catch {
            throw PostgresError.decoding(column: column, index: index, swiftType: "\(T.self)", failure: error)
        }
    }

    /// Whether the column named `column` is NULL in this row.
    public func isNull(column: String) throws -> Bool {
        guard let index = storage.columnIndexes[column] else {
            throw PostgresError.columnNotFound(column, available: storage.columns.map(\.name))
        }
        return storage.cells[row * storage.columns.count + index] == nil
    }
}
