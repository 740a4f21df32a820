-- The database's share of a job, run by pgbench with no HTTP and no coordinator: the two
-- statements JobStore runs for each job an agent takes (claim, complete: the same CTEs and the
-- same rendered JSON), prepared, one client per agent, on jobs queued beforehand.
-- scripts/bench-coordinator runs it after the HTTP load: it is the most jobs/s any coordinator
-- could reach with these statements on this machine (submissions not even counted). Keep it in
-- step with JobStore.claim and JobStore.complete.
--
-- pgbench variables: :client_id picks this client's agent (coordinator-load's agents, by name).
-- pgbench reads a colon before a name as a variable even inside a string literal, so the
-- dates here are formatted with dots (the same to_char work) and the JSON has ": ".
\set n :client_id + 1
SELECT id AS agent FROM (SELECT id, row_number() OVER (ORDER BY name) AS rn FROM agents WHERE name LIKE 'load-%') x WHERE rn = :n \gset
WITH picked AS (
    SELECT id FROM jobs
    WHERE agent_id = CAST(:agent AS uuid) AND state = 'queued' AND not_before <= now()
    ORDER BY priority DESC, created_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE jobs j
    SET state = 'running', attempt = j.attempt + 1, lease_token_hash = 'pgbench-lease',
        lease_expires_at = now() + 60 * interval '1 second',
        started_at = now(), updated_at = now(), progress = NULL
    FROM picked
    WHERE j.id = picked.id
    RETURNING j.*
), seen AS (
    UPDATE agents SET last_seen_at = now()
    WHERE id = CAST(:agent AS uuid) AND last_seen_at < now() - interval '1 second'
), events AS (
    INSERT INTO job_events (job_id, kind, attempt) SELECT id, 'claimed', attempt FROM claimed
)
SELECT j.id AS job, json_strip_nulls(json_build_object( 'id', j.id, 'batchId', j.batch_id, 'agentId', j.agent_id, 'agentName', a.name, 'image', j.image, 'state', j.state, 'attempt', j.attempt, 'maxAttempts', j.max_attempts, 'priority', j.priority, 'createdAt', to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'startedAt', to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'finishedAt', to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'updatedAt', to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'options', j.options, 'progress', j.progress, 'cancelRequested', j.cancel_requested, 'result', j.result, 'error', j.error, 'skipReason', j.skip_reason ))::text AS job_json,
       to_char(j.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"') AS lease_expires_at
FROM claimed j JOIN agents a ON a.id = j.agent_id \gset
WITH done AS (
    UPDATE jobs j
    SET state = 'succeeded',
        result = '{"bytesSaved": 1000,"newImageId": "sha256-b","newLayerCount": 1,"newSize": 1000,"originalImageId": "sha256-a","originalLayerCount": 4,"originalSize": 2000,"phaseDurations": {},"strategy": "merge","tags": [],"warnings": []}'::jsonb,
        skip_reason = NULL, bytes_saved = 1000, error = NULL, lease_expires_at = NULL,
        finished_at = now(), updated_at = now()
    FROM agents a
    WHERE j.id = CAST(:job AS uuid) AND a.id = j.agent_id AND j.agent_id = CAST(:agent AS uuid) AND j.state = 'running'
      AND j.lease_token_hash = 'pgbench-lease' AND j.lease_expires_at > now()
    RETURNING j.id, j.state, j.attempt, j.skip_reason, json_strip_nulls(json_build_object( 'id', j.id, 'batchId', j.batch_id, 'agentId', j.agent_id, 'agentName', a.name, 'image', j.image, 'state', j.state, 'attempt', j.attempt, 'maxAttempts', j.max_attempts, 'priority', j.priority, 'createdAt', to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'startedAt', to_char(j.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'finishedAt', to_char(j.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'updatedAt', to_char(j.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS.US"Z"'), 'options', j.options, 'progress', j.progress, 'cancelRequested', j.cancel_requested, 'result', j.result, 'error', j.error, 'skipReason', j.skip_reason ))::text AS job_json
), events AS (
    INSERT INTO job_events (job_id, kind, attempt, detail) SELECT id, state, attempt, skip_reason FROM done
), seen AS (
    UPDATE agents SET last_seen_at = now()
    WHERE id = CAST(:agent AS uuid) AND last_seen_at < now() - interval '1 second'
)
SELECT id, job_json FROM done;
