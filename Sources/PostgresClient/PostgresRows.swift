/// The rows a statement returned, with the command's outcome.
///
/// All rows are read into memory when the statement completes (libpq's `PQexecParams`), so keep
/// results bounded (`LIMIT`) for large tables.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: PostgresResultStorage

    /// The result's columns, in order.
    public var columns: [PostgresColumn] { storage.columns }

    /// The command tag, e.g. `SELECT 3`, `UPDATE 1`, `INSERT 0 1`.
    public var commandTag: String { storage.commandTag }

    /// Rows affected by `INSERT`, `UPDATE`, `DELETE`, `MERGE`, or returned by `SELECT`; 0 for
    /// other commands.
    public var affectedRows: Int { storage.affectedRows }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < storage.rowCount, "row \(position) out of range 0..<\(storage.rowCount)")
        return PostgresRow(storage: storage, row: position)
    }
}

/// A result column: its name and type.
public struct PostgresColumn: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let dataType: PostgresDataType

    public var description: String { "\(name) (\(dataType))" }
}

/// One result set, copied out of libpq's `PGresult` so it can outlive it and cross tasks.
final class PostgresResultStorage: Sendable {
    let columns: [PostgresColumn]
    let columnIndexes: [String: Int]
    /// Row-major; `nil` is SQL NULL.
    let cells: [String?]
    let rowCount: Int
    let commandTag: String
    let affectedRows: Int

    init(columns: [PostgresColumn], cells: [String?], rowCount: Int, commandTag: String, affectedRows: Int) {
        self.columns = columns
        var indexes: [String: Int] = [:]
        for (index, column) in columns.enumerated() where indexes[column.name] == nil {
            indexes[column.name] = index
        }
        self.columnIndexes = indexes
        self.cells = cells
        self.rowCount = rowCount
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }
}
