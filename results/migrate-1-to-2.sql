-- results/migrate-1-to-2.sql - upgrades a version-1 tritbench database to
-- version 2 (results/schema.sql).  Run by harness/store.c inside one
-- transaction with foreign keys off (SQLite's table-rebuild procedure),
-- after a backup copy was written beside the database; followed by
-- PRAGMA foreign_key_check and user_version = 2.  What changes:
--  - builds: isa_variants -> kernel_variants; binary_sha256 held an FNV-1a
--    hash ("fnv1a64:..."): it moves to binary_fnv1a64, binary_sha256 is NULL.
--  - cases: the matmul columns (format, m, n, k, shape, model, batch,
--    params_json) become rows of case_params; the ops_* and bytes_* columns
--    rows of counts; ref_checksum -> output_checksum; every v1 matmul case
--    was timed with one reused matrix, so cache_mode = 'hot' and '/hot' is
--    appended to its key (the v2 key); the per-case flag freq_unpinned
--    becomes a run fact.
--  - samples gain round (v1 measured one case at a time: round = rep).
--  - new tables run_facts, case_params, counts, ratios.

DROP VIEW IF EXISTS v_case_summary;

CREATE TABLE builds_v2(
  id INTEGER PRIMARY KEY,
  git_commit TEXT NOT NULL, git_dirty INTEGER, git_describe TEXT,
  compiler TEXT, compiler_version TEXT, cflags TEXT, build_type TEXT,
  kernel_variants TEXT,
  deps TEXT, tool_version TEXT,
  binary_sha256 TEXT UNIQUE,
  binary_fnv1a64 TEXT
);
INSERT INTO builds_v2(id, git_commit, git_dirty, git_describe, compiler, compiler_version, cflags, build_type,
                      kernel_variants, deps, tool_version, binary_sha256, binary_fnv1a64)
SELECT id, git_commit, git_dirty, git_describe, compiler, compiler_version, cflags, build_type,
       isa_variants, deps, tool_version, NULL,
       CASE WHEN binary_sha256 LIKE 'fnv1a64:%' THEN substr(binary_sha256, 9) ELSE binary_sha256 END
FROM builds;
DROP TABLE builds;
ALTER TABLE builds_v2 RENAME TO builds;

CREATE TABLE runs_v2(
  id INTEGER PRIMARY KEY,
  machine_id INTEGER NOT NULL REFERENCES machines(id),
  build_id INTEGER NOT NULL REFERENCES builds(id),
  suite TEXT NOT NULL,
  argv TEXT NOT NULL,
  options_json TEXT NOT NULL,
  env_json TEXT,
  host_state_start TEXT, host_state_end TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL DEFAULT 'running'
    CHECK(status IN ('running','ok','failed','interrupted'))
);
INSERT INTO runs_v2 SELECT id, machine_id, build_id, suite, argv, options_json, env_json, host_state_start,
  host_state_end, started_at, ended_at, status FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;

CREATE TABLE run_facts(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  fact TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY(run_id, fact)
);
INSERT OR IGNORE INTO run_facts(run_id, fact, reason)
SELECT DISTINCT run_id, 'freq_unpinned',
  'from version-1 case flags: governor not ''performance'' or boost on (or unknown)'
FROM cases WHERE ',' || flags || ',' LIKE '%,freq_unpinned,%';

CREATE TABLE case_params(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value,
  PRIMARY KEY(case_id, name)
);
-- matmul: format, shape, rows, cols, n, model, proj, also
INSERT INTO case_params SELECT id, 'format', format FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'shape', shape FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'rows', m FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'cols', k FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'n', n FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'model',
  CASE WHEN instr(model, ':') > 0 THEN substr(model, 1, instr(model, ':') - 1) ELSE model END
FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'proj', coalesce(json_extract(params_json, '$.proj'),
  CASE WHEN instr(model, ':') > 0 THEN substr(model, instr(model, ':') + 1) END)
FROM cases WHERE workload = 'matmul';
INSERT INTO case_params SELECT id, 'also', json_extract(params_json, '$.also')
FROM cases WHERE workload = 'matmul' AND json_valid(params_json);
-- bandwidth: kind, impl, mib, bytes_per_array, arrays
INSERT INTO case_params SELECT id, 'kind', json_extract(params_json, '$.kind')
FROM cases WHERE workload IN ('bandwidth', 'peak') AND json_valid(params_json);
INSERT INTO case_params SELECT id, 'impl', isa FROM cases WHERE workload = 'bandwidth';
INSERT INTO case_params SELECT id, 'mib', CAST(replace(shape, 'MiB', '') AS INTEGER)
FROM cases WHERE workload = 'bandwidth';
INSERT INTO case_params SELECT id, 'bytes_per_array', json_extract(params_json, '$.bytes_per_array')
FROM cases WHERE workload = 'bandwidth' AND json_valid(params_json);
INSERT INTO case_params SELECT id, 'arrays', json_extract(params_json, '$.arrays')
FROM cases WHERE workload = 'bandwidth' AND json_valid(params_json);
-- peak: probe, kind, chains, lanes, loops
INSERT INTO case_params SELECT id, 'probe', substr(backend, 6) FROM cases WHERE workload = 'peak';
INSERT INTO case_params SELECT id, 'chains', json_extract(params_json, '$.chains')
FROM cases WHERE workload = 'peak' AND json_valid(params_json);
INSERT INTO case_params SELECT id, 'lanes', json_extract(params_json, '$.lanes')
FROM cases WHERE workload = 'peak' AND json_valid(params_json);
INSERT INTO case_params SELECT id, 'loops', json_extract(params_json, '$.loops')
FROM cases WHERE workload = 'peak' AND json_valid(params_json);
DELETE FROM case_params WHERE value IS NULL;

CREATE TABLE counts(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  quantity TEXT NOT NULL,
  value REAL NOT NULL,
  unit TEXT NOT NULL,
  PRIMARY KEY(case_id, quantity)
);
INSERT INTO counts SELECT id, 'int8_add', ops_int8_add, 'op' FROM cases WHERE ops_int8_add IS NOT NULL;
INSERT INTO counts SELECT id, 'int8_mul', ops_int8_mul, 'op' FROM cases WHERE ops_int8_mul IS NOT NULL;
INSERT INTO counts SELECT id, 'fp16_add', ops_fp16_add, 'op' FROM cases WHERE ops_fp16_add IS NOT NULL;
INSERT INTO counts SELECT id, 'fp16_mul', ops_fp16_mul, 'op' FROM cases WHERE ops_fp16_mul IS NOT NULL;
INSERT INTO counts SELECT id, 'fp32_add', ops_fp32_add, 'op' FROM cases WHERE ops_fp32_add IS NOT NULL;
INSERT INTO counts SELECT id, 'fp32_mul', ops_fp32_mul, 'op' FROM cases WHERE ops_fp32_mul IS NOT NULL;
INSERT INTO counts SELECT id, 'bytes_weights', bytes_weights, 'B' FROM cases WHERE bytes_weights IS NOT NULL;
INSERT INTO counts SELECT id, 'bytes_acts', bytes_acts, 'B' FROM cases WHERE bytes_acts IS NOT NULL;
INSERT INTO counts SELECT id, 'bytes_out', bytes_out, 'B' FROM cases WHERE bytes_out IS NOT NULL;

CREATE TABLE cases_v2(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  case_key TEXT NOT NULL,
  workload TEXT NOT NULL, workload_version TEXT NOT NULL,
  backend TEXT, isa TEXT, threads INTEGER,
  cache_mode TEXT CHECK(cache_mode IN ('hot','cold')),
  group_key TEXT,
  is_baseline INTEGER,
  status TEXT NOT NULL CHECK(status IN ('ok','wrong','does_not_fit','error','skipped')),
  status_reason TEXT,
  verified INTEGER,
  verify_method TEXT, max_abs_err REAL, nmse REAL, nmse_bound REAL,
  output_checksum TEXT,
  iters_per_rep INTEGER, warmup_ns INTEGER, clock_res_ns INTEGER,
  flags TEXT, flags_reason TEXT,
  started_at TEXT, ended_at TEXT
);
INSERT INTO cases_v2(id, run_id, case_key, workload, workload_version, backend, isa, threads, cache_mode,
                     group_key, is_baseline, status, status_reason, verified, verify_method, max_abs_err, nmse,
                     nmse_bound, output_checksum, iters_per_rep, warmup_ns, clock_res_ns, flags, flags_reason,
                     started_at, ended_at)
SELECT id, run_id,
  CASE WHEN workload = 'matmul' THEN case_key || '/hot' ELSE case_key END,
  workload, workload_version, backend, isa, threads,
  CASE WHEN workload = 'matmul' THEN 'hot' END,
  NULL, NULL, status, status_reason, verified, verify_method, max_abs_err, nmse, nmse_bound, ref_checksum,
  iters_per_rep, warmup_ns, clock_res_ns,
  nullif(trim(replace(',' || coalesce(flags, '') || ',', ',freq_unpinned,', ','), ','), ''),
  nullif(trim(replace(replace(coalesce(flags_reason, ''),
    'freq_unpinned: governor not ''performance'' or boost on (or unknown)', ''), '; ; ', '; '), '; '), ''),
  started_at, ended_at
FROM cases;
DROP TABLE cases;
ALTER TABLE cases_v2 RENAME TO cases;
CREATE INDEX cases_run ON cases(run_id);
CREATE INDEX cases_key ON cases(case_key);

ALTER TABLE samples ADD COLUMN round INTEGER;
UPDATE samples SET round = rep;

CREATE TABLE ratios(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  baseline_case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  median REAL NOT NULL, ci_lo REAL, ci_hi REAL, ci_level REAL,
  n INTEGER NOT NULL,
  method TEXT NOT NULL,
  PRIMARY KEY(case_id, metric)
);

CREATE VIEW v_case_summary AS
SELECT c.id AS case_id, r.id AS run_id, m.fingerprint, b.git_commit, r.suite, c.case_key,
       c.workload, c.backend, c.isa, c.threads, c.cache_mode, c.status,
       s.median AS median_ns, s.ci_lo AS ci_lo_ns, s.ci_hi AS ci_hi_ns, s.cv, c.flags,
       (SELECT value FROM metrics x WHERE x.case_id = c.id AND x.name = 'gbps') AS gbps,
       (SELECT value FROM metrics x WHERE x.case_id = c.id AND x.name = 'gops') AS gops,
       (SELECT value FROM metrics x WHERE x.case_id = c.id AND x.name = 'roofline_pct') AS roofline_pct,
       (SELECT median FROM ratios q WHERE q.case_id = c.id AND q.metric = 'speedup') AS speedup
FROM cases c JOIN runs r ON r.id = c.run_id
JOIN machines m ON m.id = r.machine_id JOIN builds b ON b.id = r.build_id
LEFT JOIN stats s ON s.case_id = c.id AND s.metric = 'ns_per_iter';
