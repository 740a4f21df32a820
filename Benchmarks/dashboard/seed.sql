-- A fleet for scripts/bench-dashboard: agents, batches over 30 days, their jobs and events,
-- written straight into a coordinator's migrated schema in one transaction.
--
--   psql -v agents=1000 -v batches=2000 -f Benchmarks/dashboard/seed.sql URL
--
-- Agents are host-0001…, labelled zone=a..e and pool=build|web|db|cache|batch (each zone and
-- pool holds a fifth of the fleet); 95% were seen seconds ago, 5% days ago (offline).
-- Batch N (1 oldest … :batches newest) targets:
--   N % 40 = 0  the whole fleet ({"all":true}): one job per agent
--   N % 8  = 4  a label selector ({"selector":{"zone":"c"}} or {"selector":{"pool":"web"}}): a fifth
--   otherwise   one host ({"host":"host-0123"})
-- With 1,000 agents and 2,000 batches that is 50 + 250 + 1,700 batches and 101,700 jobs.
-- The four newest batches are still in flight (queued and running jobs, running ones with a
-- lease an hour long); the older ones are finished: mostly succeeded, some failed, skipped or
-- canceled. JSON columns hold what the coordinator writes (FlattenOptions, FlattenResult,
-- JobError, JobProgress, JobTarget: camelCase keys), so every page decodes them.
\set ON_ERROR_STOP 1
BEGIN;

INSERT INTO agents (id, name, labels, engine_version, engine_api_version, protocol_version, capacity, token_hash,
                    registered_at, last_seen_at, engine_product, image_store, platform, control)
SELECT gen_random_uuid(),
       'host-' || lpad(i::text, 4, '0'),
       jsonb_build_object('zone', chr(97 + (i - 1) % 5),
                          'pool', (ARRAY['build', 'web', 'db', 'cache', 'batch'])[((i - 1) / 5) % 5 + 1],
                          'rack', 'r' || ((i - 1) / 40 + 1)),
       (ARRAY['20.10.24', '26.1.5', '28.5.1', '4.3.1'])[i % 4 + 1],
       (ARRAY['1.41', '1.45', '1.51', '1.41'])[i % 4 + 1],
       1, 1 + i % 2,
       encode(sha256(convert_to('bench-agent-token-' || i || '-' || random(), 'UTF8')), 'hex'),
       now() - interval '40 days' + i * interval '1 minute',
       CASE WHEN i % 20 = 0 THEN now() - interval '3 days' - i * interval '1 minute'
            ELSE now() - random() * interval '20 seconds' END,
       (ARRAY['Docker Engine - Community', 'Docker Engine - Community', 'Docker Engine - Community', 'Podman Engine'])[i % 4 + 1],
       (ARRAY['overlay2', 'overlay2', 'containerd (overlayfs)', 'overlay'])[i % 4 + 1],
       (ARRAY['linux/amd64', 'linux/amd64', 'linux/amd64', 'linux/arm64'])[i % 4 + 1],
       'active'
FROM generate_series(1, :agents) AS i;

CREATE TEMPORARY TABLE bench_batches ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, n,
       CASE WHEN n % 40 = 0 THEN 'all' WHEN n % 8 = 4 THEN 'selector' ELSE 'host' END AS kind,
       'registry.example.com/team/app-' || lpad((n * 7 % 60)::text, 2, '0') || ':1.' || (n % 9) AS image,
       CASE WHEN n % 40 = 0 THEN '{"all":true}'::jsonb
            WHEN n % 8 = 4 AND n % 16 = 4 THEN jsonb_build_object('selector', jsonb_build_object('zone', chr(97 + (n / 16) % 5)))
            WHEN n % 8 = 4 THEN jsonb_build_object('selector', jsonb_build_object('pool', (ARRAY['build', 'web', 'db', 'cache', 'batch'])[(n / 16) % 5 + 1]))
            ELSE jsonb_build_object('host', 'host-' || lpad(((n * 37) % :agents + 1)::text, 4, '0')) END AS target,
       now() - interval '10 minutes' - (:batches - n) * (interval '30 days' / :batches)
             - (n % 7) * interval '1 minute' * (CASE WHEN n > :batches - 4 THEN 0 ELSE 1 END) AS created_at,
       n > :batches - 4 AS in_flight
FROM generate_series(1, :batches) AS n;

INSERT INTO batches (id, image, target, submission, created_at)
SELECT id, image, target,
       jsonb_build_object('image', image, 'target', target,
                          'options', '{"strategy":"merge","verify":true,"push":false,"replace":false}'::jsonb,
                          'priority', 0, 'maxAttempts', 3),
       created_at
FROM bench_batches;

-- One job per matching agent, each with its fate drawn once (r) and its durations.
CREATE TEMPORARY TABLE bench_jobs ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, b.id AS batch_id, a.id AS agent_id, b.image, b.created_at, b.in_flight,
       random() AS r, random() AS r2, 60 * random() AS wait_s, 5 + 295 * random() AS run_s,
       (150 + 1000 * random())::bigint * 1048576 AS original_size
FROM bench_batches b JOIN agents a
  ON b.kind = 'all'
  OR (b.kind = 'host' AND a.name = b.target ->> 'host')
  OR (b.kind = 'selector' AND a.labels @> (b.target -> 'selector'));

CREATE TEMPORARY TABLE bench_fates ON COMMIT DROP AS
SELECT j.*,
       CASE WHEN j.in_flight THEN
                CASE WHEN r < 0.55 THEN 'succeeded' WHEN r < 0.58 THEN 'failed' WHEN r < 0.60 THEN 'skipped'
                     WHEN r < 0.65 THEN 'running' ELSE 'queued' END
            ELSE
                CASE WHEN r < 0.88 THEN 'succeeded' WHEN r < 0.93 THEN 'failed' WHEN r < 0.98 THEN 'skipped'
                     ELSE 'canceled' END
       END AS state,
       (j.original_size * (0.05 + 0.4 * j.r2))::bigint AS saved
FROM bench_jobs j;

INSERT INTO jobs (id, batch_id, agent_id, image, options, state, priority, attempt, max_attempts, not_before,
                  lease_token_hash, lease_expires_at, cancel_requested, progress, result, error, skip_reason,
                  bytes_saved, created_at, started_at, finished_at, updated_at)
SELECT f.id, f.batch_id, f.agent_id, f.image,
       '{"strategy":"merge","verify":true,"push":false,"replace":false}'::jsonb,
       f.state, 0,
       CASE f.state WHEN 'queued' THEN 0 WHEN 'failed' THEN 3 WHEN 'canceled' THEN (f.r2 < 0.5)::int ELSE 1 END,
       3, f.created_at,
       CASE WHEN f.state IN ('queued') OR (f.state = 'canceled' AND f.r2 >= 0.5) THEN NULL
            ELSE md5(f.id::text) || md5(f.r::text) END,
       CASE WHEN f.state = 'running' THEN now() + interval '1 hour' END,
       false,
       CASE WHEN f.state = 'running' THEN jsonb_build_object('phase', 'merging', 'bytesDone', (f.original_size * f.r2)::bigint,
                                                              'bytesTotal', f.original_size) END,
       CASE WHEN f.state = 'succeeded' THEN jsonb_build_object(
                'originalImageId', 'sha256:' || encode(sha256(convert_to(f.image, 'UTF8')), 'hex'),
                'newImageId', 'sha256:' || encode(sha256(convert_to(f.id::text, 'UTF8')), 'hex'),
                'originalSize', f.original_size, 'originalLayerCount', 5 + (f.r2 * 25)::int,
                'newSize', f.original_size - f.saved, 'newLayerCount', 1, 'bytesSaved', f.saved,
                'phaseDurations', jsonb_build_object('inspecting', 0.04, 'saving', round((f.run_s * 0.3)::numeric, 3),
                                                     'merging', round((f.run_s * 0.35)::numeric, 3),
                                                     'loading', round((f.run_s * 0.2)::numeric, 3), 'tagging', 0.01,
                                                     'verifying', round((f.run_s * 0.15)::numeric, 3)),
                'strategy', 'merge', 'verified', true, 'tags', jsonb_build_array(split_part(f.image, ':', 1) || ':flat'),
                'warnings', '[]'::jsonb) END,
       CASE WHEN f.state = 'failed' THEN jsonb_build_object(
                'message', 'saving ' || f.image || ': the engine answered 500: write /var/lib/docker/tmp: no space left on device',
                'retryable', false) END,
       CASE WHEN f.state = 'skipped' THEN 'saves ' || (f.saved / 1048576 / 20) || ' MB, below --min-savings 100 MB' END,
       CASE WHEN f.state = 'succeeded' THEN f.saved END,
       f.created_at,
       CASE WHEN f.state = 'queued' OR (f.state = 'canceled' AND f.r2 >= 0.5) THEN NULL
            WHEN f.state = 'running' THEN now() - f.r2 * interval '4 minutes'
            ELSE f.created_at + f.wait_s * interval '1 second' END,
       CASE WHEN f.state IN ('queued', 'running') THEN NULL
            WHEN f.state = 'canceled' AND f.r2 >= 0.5 THEN f.created_at + f.wait_s * interval '1 second'
            ELSE least(now() - interval '1 second', f.created_at + (f.wait_s + f.run_s) * interval '1 second') END,
       CASE WHEN f.state = 'queued' THEN f.created_at
            WHEN f.state = 'running' THEN now() - interval '5 seconds'
            ELSE least(now() - interval '1 second', f.created_at + (f.wait_s + f.run_s) * interval '1 second') END
FROM bench_fates f;

-- About three events a job, as the coordinator's statements write them: queued, claimed, the end.
INSERT INTO job_events (job_id, at, kind, attempt, detail)
SELECT e.job_id, e.at, e.kind, e.attempt, e.detail
FROM (
    SELECT j.id AS job_id, j.created_at AS at, 'queued' AS kind, 0 AS attempt, NULL::text AS detail, 1 AS seq, j.created_at AS job_created
    FROM jobs j
    UNION ALL
    SELECT j.id, j.started_at, 'claimed', greatest(j.attempt, 1), NULL, 2, j.created_at
    FROM jobs j WHERE j.started_at IS NOT NULL
    UNION ALL
    SELECT j.id, j.finished_at, j.state, j.attempt,
           CASE j.state WHEN 'failed' THEN j.error ->> 'message' WHEN 'skipped' THEN j.skip_reason END, 3, j.created_at
    FROM jobs j WHERE j.finished_at IS NOT NULL
) e
ORDER BY e.job_created, e.job_id, e.seq;

COMMIT;
