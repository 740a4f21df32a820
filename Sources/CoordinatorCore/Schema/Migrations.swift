/// The coordinator's schema, as the list of migrations that builds it.
///
/// Every fact of the coordinator lives here, so any number of coordinator processes can serve
/// one database. JSON columns hold the API's own JSON (``FlattenProtocol`` encoding) so that
/// what an agent sent is what an operator reads back.
public enum Migrations {
    /// Every migration this build knows, in version order.
    public static let all: [Migration] = [
        Migration(version: 1, name: "initial schema", sql: initialSchema),
        Migration(version: 2, name: "job events without a foreign key", sql: eventsWithoutForeignKey),
        Migration(version: 3, name: "agents' engine product, image store and platform", sql: agentEngineDetails),
        Migration(version: 4, name: "agent control and engine availability", sql: agentControl),
        Migration(version: 5, name: "dashboard sessions and change stamp", sql: dashboard),
    ]

    /// The version a database must have reached for this build to serve it.
    public static var latestVersion: Int { all.map(\.version).max() ?? 0 }

    static let initialSchema = """
        CREATE TABLE agents (
            id                 uuid PRIMARY KEY,
            name               text NOT NULL UNIQUE,
            labels             jsonb NOT NULL DEFAULT '{}'::jsonb,
            engine_version     text NOT NULL,
            engine_api_version text NOT NULL,
            protocol_version   integer NOT NULL,
            capacity           integer NOT NULL CHECK (capacity >= 1),
            -- SHA-256 of the agent's bearer token, lowercase hex; the token itself is never stored.
            token_hash         text NOT NULL UNIQUE,
            registered_at      timestamptz NOT NULL DEFAULT now(),
            last_seen_at       timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX agents_labels ON agents USING gin (labels jsonb_path_ops);

        CREATE TABLE batches (
            id              uuid PRIMARY KEY,
            image           text NOT NULL,
            target          jsonb NOT NULL,
            -- A client's key for a retried submission: one batch per key, race-safe by this
            -- constraint rather than by a read before the write.
            idempotency_key text UNIQUE,
            -- The submission as received, to tell a retry from a different use of the same key.
            submission      jsonb NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX batches_created ON batches (created_at);

        CREATE TABLE jobs (
            id               uuid PRIMARY KEY,
            batch_id         uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
            agent_id         uuid NOT NULL REFERENCES agents (id),
            image            text NOT NULL,
            options          jsonb NOT NULL,
            state            text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'skipped', 'canceled')),
            priority         integer NOT NULL DEFAULT 0,
            attempt          integer NOT NULL DEFAULT 0,
            max_attempts     integer NOT NULL CHECK (max_attempts >= 1),
            -- A requeued job waits for its backoff before it can be claimed again.
            not_before       timestamptz NOT NULL DEFAULT now(),
            -- SHA-256 (hex) of the current or last lease token. Kept after the agent reports,
            -- so a repeated delivery of the same result is recognised; cleared when a lease
            -- expires, so a late report of an expired lease is refused.
            lease_token_hash text,
            lease_expires_at timestamptz,
            cancel_requested boolean NOT NULL DEFAULT false,
            progress         jsonb,
            result           jsonb,
            error            jsonb,
            skip_reason      text,
            bytes_saved      bigint,
            created_at       timestamptz NOT NULL DEFAULT now(),
            started_at       timestamptz,
            finished_at      timestamptz,
            updated_at       timestamptz NOT NULL DEFAULT now(),
            CHECK ((state = 'running') = (lease_expires_at IS NOT NULL))
        );
        -- The claim: the best queued job of one agent.
        CREATE INDEX jobs_claimable ON jobs (agent_id, priority DESC, created_at, id) WHERE state = 'queued';
        -- The reaper: running jobs by lease expiry.
        CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running';
        -- Listing, newest first, with keyset pagination.
        CREATE INDEX jobs_newest ON jobs (created_at DESC, id DESC);
        CREATE INDEX jobs_batch ON jobs (batch_id);
        CREATE INDEX jobs_agent ON jobs (agent_id, created_at DESC);
        -- Retention: finished jobs by age.
        CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

        CREATE TABLE job_events (
            id       bigserial PRIMARY KEY,
            job_id   uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            at       timestamptz NOT NULL DEFAULT now(),
            kind     text NOT NULL,
            attempt  integer NOT NULL,
            detail   text
        );
        CREATE INDEX job_events_job ON job_events (job_id, id);
        """

    /// Every event is written by the statement that changes its job, so the job exists; the
    /// foreign key's check (an index probe and a lock on the job's row, per event) was about a
    /// sixth of the database's work per job. The retention pruner deletes a job's events in
    /// the statement that deletes the job, which the key's cascade used to do.
    static let eventsWithoutForeignKey = """
        ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;
        """

    /// What an agent reports of its engine beyond the versions: the product (Docker, Podman),
    /// the image store (`containerd (overlayfs)`), and the native platform. Nullable: agents
    /// before these were reported still register, and a row keeps NULL until its agent
    /// registers again. Adding a column without a default only changes the catalog (no table
    /// rewrite). A coordinator of schema 2 still serving leaves the columns as they are when it
    /// updates a registration, so they may lag until every coordinator is upgraded.
    static let agentEngineDetails = """
        ALTER TABLE agents
            ADD COLUMN engine_product text,
            ADD COLUMN image_store    text,
            ADD COLUMN platform       text;
        """

    /// What operators decide about an agent, and what it reports of its engine.
    ///
    /// - `control`: `active`, `paused`, `draining` or `pending` (``AgentControl``); existing
    ///   agents are `active`. A column with a constant default only changes the catalog.
    /// - `removed_at`: set when an operator removes the agent. The row stays, because its jobs
    ///   keep naming it; its `token_hash` is replaced by a value no token hashes to.
    /// - `engine_unavailable_since`, `engine_error`: set while the agent reports that its engine
    ///   does not answer.
    ///
    /// A coordinator of schema 3 still serving ignores these columns: it hands jobs to paused
    /// agents until it is upgraded too.
    static let agentControl = """
        ALTER TABLE agents
            ADD COLUMN control text NOT NULL DEFAULT 'active'
                CHECK (control IN ('active', 'paused', 'draining', 'pending')),
            ADD COLUMN removed_at timestamptz,
            ADD COLUMN engine_unavailable_since timestamptz,
            ADD COLUMN engine_error text;
        """

    /// The web dashboard's sign-in sessions, and the index its live updates read.
    ///
    /// - `dashboard_sessions`: one row per signed-in browser. The cookie holds a random session
    ///   ID; only its SHA-256 is stored, like agent tokens, so a copy of the table signs no one
    ///   in. Expired rows are deleted by the next sign-in (`dashboard_sessions_expiry`).
    /// - `jobs_updated`: the dashboard's change stamp is `max(jobs.updated_at)`, read once a
    ///   second per coordinator while a browser watches; without the index that is a scan of
    ///   every job. Heartbeats already change an indexed column (`lease_expires_at`), so they
    ///   were never HOT updates and the extra index adds one index write to each.
    static let dashboard = """
        CREATE TABLE dashboard_sessions (
            id_hash    text PRIMARY KEY,
            role       text NOT NULL CHECK (role IN ('operator', 'viewer')),
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
        CREATE INDEX jobs_updated ON jobs (updated_at);
        """
}
