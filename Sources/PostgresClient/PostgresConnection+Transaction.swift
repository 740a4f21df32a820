/// The isolation level of a transaction (`BEGIN ISOLATION LEVEL …`).
public enum PostgresIsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (also
    /// when the task is cancelled).
    ///
    /// - Throws: what `body` threw, or the COMMIT's error (a serializable transaction may fail
    ///   there with ``PostgresError/isSerializationFailure``).
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        isolationLevel: PostgresIsolationLevel? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard underlying.isIdleOutsideTransaction else {
            throw PostgresError.invalidArgument("withTransaction called inside an open transaction (nested transactions are not supported)")
        }
        if let isolationLevel {
            try await query(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolationLevel.rawValue)"))
        } else {
            try await query("BEGIN")
        }
        let result: Result
        do {
            result = try await body(self)
        } catch {
            if underlying.isInTransaction {
                // The connection is released as not reusable if this fails.
                _ = try? await runUncancellable("ROLLBACK")
            }
            throw error
        }
        // COMMIT of a transaction in which a statement failed (and the error was caught)
        // succeeds with the tag ROLLBACK: report it rather than pretend the work was saved.
        let commit = try await runUncancellable("COMMIT")
        if commit.commandTag == "ROLLBACK" {
            throw PostgresError.transactionRolledBack
        }
        return result
    }

    /// Waits for the transaction-level advisory lock `key` (`pg_advisory_xact_lock`), released
    /// when the transaction ends. Use it inside ``withTransaction(isolation:isolationLevel:_:)``.
    public func advisoryTransactionLock(_ key: Int64) async throws {
        guard underlying.isInTransaction else {
            throw PostgresError.invalidArgument("advisoryTransactionLock needs an open transaction: outside one the lock would be released at once")
        }
        try await query("SELECT pg_advisory_xact_lock(\(key))")
    }

    /// Takes the transaction-level advisory lock `key` if it is free; returns whether it did.
    public func tryAdvisoryTransactionLock(_ key: Int64) async throws -> Bool {
        guard underlying.isInTransaction else {
            throw PostgresError.invalidArgument("tryAdvisoryTransactionLock needs an open transaction: outside one the lock would be released at once")
        }
        let rows = try await query("SELECT pg_try_advisory_xact_lock(\(key))")
        return try rows[0].decode(Bool.self, at: 0)
    }

    /// Sends a notification (`pg_notify`); delivered at commit when inside a transaction.
    public func notify(channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}
