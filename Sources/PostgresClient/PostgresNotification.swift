/// A notification sent with `NOTIFY` or `pg_notify` to a channel a ``PostgresListener`` listens on.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel, exactly as given to `pg_notify` (case-sensitive).
    public let channel: String
    /// The payload; empty when none was given.
    public let payload: String
    /// The server process that sent it.
    public let processID: Int32

    public init(channel: String, payload: String, processID: Int32) {
        self.channel = channel
        self.payload = payload
        self.processID = processID
    }
}

/// What a ``PostgresListener`` delivers.
public enum PostgresListenerEvent: Sendable, Hashable {
    /// A notification on one of the listener's channels.
    case notification(PostgresNotification)
    /// The listener lost its connection and is listening again on a new one. Notifications sent
    /// in between were lost: re-check whatever state they announce.
    case reconnected
}
