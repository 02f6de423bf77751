-- results/migrate-2-to-3.sql - upgrades a version-2 tritbench database to
-- version 3 (results/schema.sql).  Run by harness/store-open.c inside the
-- upgrade transaction (after a backup copy), chained after
-- migrate-1-to-2.sql for a version-1 database.  Version 3 only adds
-- tables; nothing stored in version 2 changes.  Every CREATE here is the
-- same statement as in schema.sql.
--  - tokens: per-token latency of decoder (e2e) cases.
--  - reference_figures: published numbers from results/reference/*.csv.
--  - comparisons, noise_floor: verdicts of compare/ab and A/A noise floors.

CREATE TABLE tokens(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,
  step INTEGER NOT NULL,               -- 0-based step within the repetition
  phase TEXT NOT NULL CHECK(phase IN ('prefill','decode')),
  n_tokens INTEGER NOT NULL,           -- tokens the step produced or consumed (prompt length, batch)
  ns INTEGER NOT NULL,                 -- wall time of the step, CLOCK_MONOTONIC_RAW
  PRIMARY KEY(case_id, rep, step)
);

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

-- ---- Comparisons (issue 11: tritbench compare / ab) ----
-- One verdict per case of a comparison: `tritbench compare` (two stored
-- runs, unpaired samples), `tritbench ab` (two binaries measured in paired
-- ABBA rounds) or its A/A mode.  ratio = candidate time / base time (> 1:
-- slower), with the threshold and the case's noise floor in force.
CREATE TABLE comparisons(
  id INTEGER PRIMARY KEY,
  compared_at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('compare','ab','aa')),
  base_run_id INTEGER, cand_run_id INTEGER, -- runs of this database; NULL: another file or not stored
  base_source TEXT, cand_source TEXT,  -- database file (compare) or binary (ab) each side came from
  base_commit TEXT, cand_commit TEXT,
  case_key TEXT NOT NULL,
  base_fingerprint TEXT NOT NULL, cand_fingerprint TEXT NOT NULL,
  cross_machine INTEGER NOT NULL,      -- 1: the fingerprints differ (--cross-machine)
  base_median_ns REAL, cand_median_ns REAL, base_n INTEGER, cand_n INTEGER,
  ratio REAL,                          -- candidate / base time per iteration
  ci_lo REAL, ci_hi REAL, ci_level REAL, ci_method TEXT,
  p_value REAL, p_holm REAL,           -- two-sided; p_holm: Holm-adjusted across the comparison's cases
  threshold REAL NOT NULL,             -- relative change that counts (0.05 = 5 %)
  noise_floor REAL,                    -- the case's A/A floor in force; NULL: none measured
  verdict TEXT NOT NULL CHECK(verdict IN ('faster','slower','same','ambiguous','unstable')),
  note TEXT
);
CREATE INDEX comparisons_key ON comparisons(case_key);

-- Noise floor of a case on a machine, from A/A rounds (`tritbench ab
-- --aa`): the relative half-width of the A/A ratio's CI (0.03 = 3 %);
-- compare and ab use max(threshold, floor).  The latest row counts.
CREATE TABLE noise_floor(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL, case_key TEXT NOT NULL,
  floor REAL,                          -- NULL: too few rounds for a CI (note says)
  rounds INTEGER NOT NULL, method TEXT NOT NULL,
  measured_at TEXT NOT NULL, note TEXT,
  UNIQUE(fingerprint, case_key, measured_at)
);
