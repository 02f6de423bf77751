-- results/schema.sql - the tritbench result store (SQLite, WAL, foreign keys).
-- Schema version = PRAGMA user_version (3).  The binary embeds this file;
-- an older database is upgraded by results/migrate-<v>-to-<v+1>.sql,
-- chained, in one transaction (after a backup copy); a database with a newer version, or one without our meta
-- row, is refused untouched.  Rule: a figure the machine cannot give is
-- NULL with a reason (sampler_status.reason, cases.status_reason,
-- energy.note, metrics.note), never 0.  Only the store (harness/store.c)
-- writes; reports read.

CREATE TABLE meta(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE machines(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,   -- hash of performance-relevant fields
  hostname TEXT, cpu_vendor TEXT, cpu_brand TEXT,
  family INTEGER, model INTEGER, stepping INTEGER, microcode TEXT,
  isa_flags TEXT, sockets INTEGER, cores INTEGER, threads INTEGER, smt_on INTEGER,
  l1d_bytes INTEGER, l1i_bytes INTEGER, l2_bytes INTEGER, l3_bytes INTEGER,
  numa_nodes INTEGER, mem_bytes INTEGER, kernel TEXT, os TEXT, hypervisor TEXT,
  governor TEXT, boost TEXT, freq_min_khz INTEGER, freq_max_khz INTEGER,
  thp_mode TEXT, aslr INTEGER, perf_event_paranoid INTEGER,
  first_seen TEXT NOT NULL,
  raw_json TEXT NOT NULL
);

CREATE TABLE builds(
  id INTEGER PRIMARY KEY,
  git_commit TEXT NOT NULL, git_dirty INTEGER, git_describe TEXT,
  compiler TEXT, compiler_version TEXT, cflags TEXT, build_type TEXT,
  kernel_variants TEXT,                -- names of the kernel variants compiled in
  deps TEXT, tool_version TEXT,
  binary_sha256 TEXT UNIQUE,           -- SHA-256 of the executable (NULL: migrated v1 row)
  binary_fnv1a64 TEXT                  -- v1's FNV-1a of the executable (migrated rows only)
);

CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  machine_id INTEGER NOT NULL REFERENCES machines(id),
  build_id INTEGER NOT NULL REFERENCES builds(id),
  suite TEXT NOT NULL,
  argv TEXT NOT NULL,
  options_json TEXT NOT NULL,          -- reps, min_time, warmup, threads, isa, filter, cache
  env_json TEXT,                       -- behaviour-changing environment variables that were set
  host_state_start TEXT, host_state_end TEXT, -- loadavg at start/end
  started_at TEXT NOT NULL,
  ended_at TEXT,                       -- NULL: interrupted
  status TEXT NOT NULL DEFAULT 'running'
    CHECK(status IN ('running','ok','failed','interrupted'))
);

-- Facts of the whole run, stored once (not on every case): no cpufreq,
-- governor unknown, hypervisor, pinning.
CREATE TABLE run_facts(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  fact TEXT NOT NULL,                  -- freq_unknown, freq_unpinned, hypervisor, ...
  reason TEXT NOT NULL,
  PRIMARY KEY(run_id, fact)
);

CREATE TABLE sampler_status(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  sampler TEXT NOT NULL,
  available INTEGER NOT NULL,          -- 1 live, 0 not
  state TEXT NOT NULL,                 -- live|absent|denied|unsupported|virtualized|io_error
  reason TEXT,                         -- why not live
  fix TEXT,                            -- what would make it live
  version TEXT,
  PRIMARY KEY(run_id, sampler)
);

CREATE TABLE cases(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  case_key TEXT NOT NULL,              -- history key (with the machine fingerprint)
  workload TEXT NOT NULL, workload_version TEXT NOT NULL,
  backend TEXT, isa TEXT, threads INTEGER,
  cache_mode TEXT CHECK(cache_mode IN ('hot','cold')), -- NULL: the case has no weights
  group_key TEXT,                      -- cases measured interleaved, round by round
  is_baseline INTEGER,                 -- 1: the group's baseline for paired ratios
  status TEXT NOT NULL CHECK(status IN ('ok','wrong','does_not_fit','error','skipped')),
  status_reason TEXT,
  verified INTEGER,                    -- 1 pass, 0 fail, NULL not applicable
  verify_method TEXT, max_abs_err REAL, nmse REAL, nmse_bound REAL,
  output_checksum TEXT,                -- FNV-1a 64 of this variant's output
  iters_per_rep INTEGER, warmup_ns INTEGER, clock_res_ns INTEGER,
  flags TEXT, flags_reason TEXT,       -- unstable, too_short, vm_steal, migrated, ceiling_suspect, ...
  started_at TEXT, ended_at TEXT
);
CREATE INDEX cases_run ON cases(run_id);
CREATE INDEX cases_key ON cases(case_key);

-- The workload's parameter record, one row per declared field; each
-- workload gets a view v_params_<workload> with one column per field.
CREATE TABLE case_params(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value,                               -- INTEGER, REAL or TEXT as declared
  PRIMARY KEY(case_id, name)
);

-- Analytic per-iteration counts (harness/tb-counts.h vocabulary).
CREATE TABLE counts(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  quantity TEXT NOT NULL,              -- int8_add, fp32_mul, bytes_weights, ...
  value REAL NOT NULL,
  unit TEXT NOT NULL,                  -- op | B
  PRIMARY KEY(case_id, quantity)
);

CREATE TABLE samples(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,
  iters INTEGER NOT NULL,
  wall_ns INTEGER NOT NULL,            -- CLOCK_MONOTONIC_RAW, whole repetition
  cpu_ns INTEGER,                      -- process CPU time
  nvcsw INTEGER, nivcsw INTEGER, minflt INTEGER, majflt INTEGER,
  cpu_start INTEGER, cpu_end INTEGER,  -- sched_getcpu() at start and end
  steal_ticks INTEGER,                 -- /proc/stat steal delta (USER_HZ), NULL if unreadable
  round INTEGER,                       -- interleaving round (1-based)
  outlier TEXT,                        -- '', mild, severe, +modz
  PRIMARY KEY(case_id, rep)
);

CREATE TABLE stats(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,                -- ns_per_iter
  n INTEGER, min REAL, q1 REAL, median REAL, q3 REAL, max REAL,
  mean REAL, stddev REAL, cv REAL, mad REAL, mdape REAL,
  ci_lo REAL, ci_hi REAL, ci_level REAL,
  outliers_mild INTEGER, outliers_severe INTEGER, outliers_modz INTEGER,
  PRIMARY KEY(case_id, metric)
);

-- Derived figures, computed before the case's transaction: GB/s, GOP/s,
-- roofline share and the ceilings it was computed against (with notes).
CREATE TABLE metrics(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  name TEXT NOT NULL, value REAL, unit TEXT NOT NULL, note TEXT,
  PRIMARY KEY(case_id, name)
);

-- Paired ratios from interleaved rounds: per round, the baseline's
-- ns/iter over this case's ns/iter (a speedup when > 1).
CREATE TABLE ratios(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  baseline_case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,                -- speedup (baseline time / case time)
  median REAL NOT NULL, ci_lo REAL, ci_hi REAL, ci_level REAL,
  n INTEGER NOT NULL,                  -- paired rounds
  method TEXT NOT NULL,
  PRIMARY KEY(case_id, metric)
);

CREATE TABLE counters(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,
  sampler TEXT NOT NULL, event TEXT NOT NULL,
  value REAL,                          -- scaled (multiplexing-corrected); NULL if invalid
  raw INTEGER, unit TEXT NOT NULL,
  time_enabled INTEGER, time_running INTEGER, flag TEXT,
  PRIMARY KEY(case_id, rep, sampler, event)
);

CREATE TABLE energy(
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER,                         -- NULL: per iteration (modelled) or whole case
  source TEXT NOT NULL,                -- powercap|perf-power|msr|papi|likwid|nvml|model-45nm|model-7nm
  kind TEXT NOT NULL CHECK(kind IN ('measured','modelled')),
  domain TEXT NOT NULL,                -- package|core|uncore|dram|psys|gpu|arith
  joules REAL,                         -- NULL when invalid
  window_ns INTEGER, wraps INTEGER,
  idle_watts REAL, joules_net REAL,    -- NULL when no idle baseline
  per_unit TEXT,                       -- 'window' or 'iteration'
  flag TEXT, note TEXT
);
CREATE INDEX energy_case ON energy(case_id);

-- Idle power per energy channel, measured once per run before the cases
-- (same samplers, CPU idle), so reports can show gross and net joules.
CREATE TABLE idle_baseline(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  source TEXT NOT NULL, channel TEXT NOT NULL, domain TEXT,
  watts REAL,                          -- NULL when the window was unusable (flag says why)
  window_ns INTEGER, flag TEXT,
  PRIMARY KEY(run_id, source, channel)
);

-- Per-token latency of decoder (e2e) cases: one row per step of each
-- repetition (a prefill step: the whole prompt; a decode step: one token
-- per sequence of the batch).  (Version 3.)
CREATE TABLE tokens(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,
  step INTEGER NOT NULL,               -- 0-based step within the repetition
  phase TEXT NOT NULL CHECK(phase IN ('prefill','decode')),
  n_tokens INTEGER NOT NULL,           -- tokens the step produced or consumed (prompt length, batch)
  ns INTEGER NOT NULL,                 -- wall time of the step, CLOCK_MONOTONIC_RAW
  PRIMARY KEY(case_id, rep, step)
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

-- Published figures the paper reports compare against (results/reference/
-- *.csv, embedded in the binary and loaded by the first writing command
-- of a version that has them): one row per number, never a derived one.
CREATE TABLE reference_figures(
  source TEXT NOT NULL,                -- citation: paper, table or figure, status
  tbl TEXT NOT NULL,                   -- the file's stem, e.g. b158_table1_ppl_memory_latency
  row_label TEXT NOT NULL,             -- the row's text columns joined, e.g. "LLaMA LLM | 700M"
  quantity TEXT NOT NULL,              -- the numeric column, e.g. latency_ms
  value REAL NOT NULL,
  unit TEXT NOT NULL,                  -- GB, ms, x, J, pJ, tokens/s, ...
  note TEXT,                           -- the row's free-text columns (setup, source note)
  PRIMARY KEY(tbl, row_label, quantity)
);
