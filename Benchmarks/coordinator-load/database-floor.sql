-- The database's share of a job, run by pgbench with no HTTP and no coordinator: the two
-- batched statements JobStore runs for the jobs its agents take (claim, complete: the same CTEs
-- and the same rendered JSON), prepared, each pgbench client claiming for five agents at once and
-- completing what it got, on jobs queued beforehand. scripts/bench-coordinator runs it after the
-- HTTP load: with batches of five it is about the most jobs/s any coordinator could reach with
-- these statements on this machine (submissions not even counted). Keep it in step with
-- JobStore.claim and JobStore.complete; only the final SELECTs differ, aggregating the batch into
-- pgbench variables.
--
-- pgbench variables: :client_id picks this client's five agents (coordinator-load's, by name).
-- pgbench reads a colon before a name as a variable even inside a string literal, so the
-- dates here are formatted with dots (the same to_char work) and the JSON has ": ".
\set first :client_id * 5
SELECT array_agg(id::text) AS agents, array_agg('pgbench-lease'::text) AS hashes
FROM (SELECT id, row_number() OVER (ORDER BY name) AS rn FROM agents WHERE name LIKE 'load-%') x
WHERE rn > :first AND rn <= :first + 5 \gset
WITH req AS (
    SELECT r.agent_id::uuid AS agent_id, r.lease_hash, r.n,
           row_number() OVER (PARTITION BY r.agent_id ORDER BY r.n) AS slot
    FROM unnest(CAST(:agents AS text[]), CAST(:hashes AS text[])) WITH ORDINALITY AS r(agent_id, lease_hash, n)
), wanted AS (
    SELECT agent_id, count(*) AS k FROM req GROUP BY agent_id
), picked AS (
    SELECT p.id, w.agent_id,
           row_number() OVER (PARTITION BY w.agent_id ORDER BY p.priority DESC, p.created_at, p.id) AS slot
    FROM wanted w CROSS JOIN LATERAL (
        SELECT id, priority, created_at FROM jobs
        WHERE agent_id = w.agent_id AND state = 'queued' AND not_before <= now()
        ORDER BY priority DESC, created_at, id
        LIMIT w.k
        FOR UPDATE SKIP LOCKED
    ) p
), claimed AS (
    UPDATE jobs j
    SET state = 'running', attempt = j.attempt + 1, lease_token_hash = r.lease_hash,
        lease_expires_at = now() + 60 * interval '1 second',
        started_at = now(), updated_at = now(), progress = NULL
    FROM picked p JOIN req r ON r.agent_id = p.agent_id AND r.slot = p.slot
    WHERE j.id = p.id
    RETURNING j.*, r.n
), seen AS (
    UPDATE agents SET last_seen_at = now()
    WHERE id IN (
        SELECT id FROM agents
        WHERE id IN (SELECT agent_id FROM wanted) AND last_seen_at < now() - interval '1 second'
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    )
), events AS (
    INSERT INTO job_events (job_id, kind, attempt) SELECT id, 'claimed', attempt FROM claimed
), answer AS (
    SELECT j.n, j.id, j.agent_id, json_strip_nulls(json_build_object('id', j.id, 'batchId', j.batch_id, 'agentId', j.agent_id, 'agentName', a.name, 'image', j.image, 'state', j.state, 'attempt', j.attempt, 'maxAttempts', j.max_attempts, 'priority', j.priority, 'createdAt', to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'startedAt', to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'finishedAt', to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'updatedAt', to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'options', j.options, 'progress', j.progress, 'cancelRequested', j.cancel_requested, 'result', j.result, 'error', j.error, 'skipReason', j.skip_reason))::text AS job_json,
           to_char(j.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"') AS lease_expires_at
    FROM claimed j JOIN agents a ON a.id = j.agent_id
)
SELECT array_agg(id::text) AS jobs, array_agg(agent_id::text) AS job_agents, array_agg('pgbench-lease'::text) AS job_hashes,
       array_agg('succeeded'::text) AS states,
       array_agg('{"bytesSaved": 1000,"newImageId": "sha256-b","newLayerCount": 1,"newSize": 1000,"originalImageId": "sha256-a","originalLayerCount": 4,"originalSize": 2000,"phaseDurations": {},"strategy": "merge","tags": [],"warnings": []}'::text) AS results,
       array_agg(NULL::text) AS skips, array_agg('1000'::text) AS saved, count(job_json) AS rendered
FROM answer \gset
WITH req AS (
    SELECT r.id::uuid AS id, r.agent_id::uuid AS agent_id, r.lease_hash, r.state,
           r.result::jsonb AS result, r.skip_reason, r.bytes_saved::bigint AS bytes_saved, r.n
    FROM unnest(CAST(:jobs AS text[]), CAST(:job_agents AS text[]), CAST(:job_hashes AS text[]), CAST(:states AS text[]),
                CAST(:results AS text[]), CAST(:skips AS text[]), CAST(:saved AS text[]))
         WITH ORDINALITY AS r(id, agent_id, lease_hash, state, result, skip_reason, bytes_saved, n)
), target AS (
    SELECT j.id, j.agent_id AS job_agent_id, j.state AS job_state, j.lease_token_hash,
           j.lease_expires_at, r.agent_id, r.lease_hash, r.state, r.result, r.skip_reason,
           r.bytes_saved, r.n
    FROM req r JOIN jobs j ON j.id = r.id
    ORDER BY j.id
    FOR UPDATE OF j
), valid AS (
    SELECT * FROM target
    WHERE job_agent_id = agent_id AND job_state = 'running' AND lease_token_hash = lease_hash
      AND lease_expires_at > now()
), done AS (
    UPDATE jobs j
    SET state = v.state, result = v.result, skip_reason = v.skip_reason,
        bytes_saved = v.bytes_saved, error = NULL, lease_expires_at = NULL,
        finished_at = now(), updated_at = now()
    FROM valid v
    WHERE j.id = v.id
    RETURNING j.*, v.n
), events AS (
    INSERT INTO job_events (job_id, kind, attempt, detail) SELECT id, state, attempt, skip_reason FROM done
), seen AS (
    UPDATE agents SET last_seen_at = now()
    WHERE id IN (
        SELECT id FROM agents
        WHERE id IN (SELECT agent_id FROM done) AND last_seen_at < now() - interval '1 second'
        ORDER BY id
        FOR UPDATE SKIP LOCKED
    )
)
SELECT j.n, j.id, json_strip_nulls(json_build_object('id', j.id, 'batchId', j.batch_id, 'agentId', j.agent_id, 'agentName', a.name, 'image', j.image, 'state', j.state, 'attempt', j.attempt, 'maxAttempts', j.max_attempts, 'priority', j.priority, 'createdAt', to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'startedAt', to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'finishedAt', to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'updatedAt', to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'options', j.options, 'progress', j.progress, 'cancelRequested', j.cancel_requested, 'result', j.result, 'error', j.error, 'skipReason', j.skip_reason))::text AS job_json
FROM done j JOIN agents a ON a.id = j.agent_id;
