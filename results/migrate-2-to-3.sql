-- results/migrate-2-to-3.sql - upgrades a version-2 tritbench database to
-- version 3 (results/schema.sql).  Run by harness/store-open.c inside the
-- upgrade transaction (after a backup copy), chained after
-- migrate-1-to-2.sql for a version-1 database.  Version 3 only adds
-- tables; nothing stored in version 2 changes.  Every CREATE here is the
-- same statement as in schema.sql.
--  - tokens: per-token latency of decoder (e2e) cases.
--  - reference_figures: published numbers from results/reference/*.csv.

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
