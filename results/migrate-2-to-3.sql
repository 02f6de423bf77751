-- results/migrate-2-to-3.sql - upgrades a version-2 tritbench database to
-- version 3 (results/schema.sql).  Run by harness/store-open.c inside the
-- upgrade transaction (after a backup copy), chained after
-- migrate-1-to-2.sql for a version-1 database.  Version 3 only adds
-- tables; nothing stored in version 2 changes.  Every CREATE here is the
-- same statement as in schema.sql.
--  - tokens: per-token latency of decoder (e2e) cases.

CREATE TABLE tokens(
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  rep INTEGER NOT NULL,
  step INTEGER NOT NULL,               -- 0-based step within the repetition
  phase TEXT NOT NULL CHECK(phase IN ('prefill','decode')),
  n_tokens INTEGER NOT NULL,           -- tokens the step produced or consumed (prompt length, batch)
  ns INTEGER NOT NULL,                 -- wall time of the step, CLOCK_MONOTONIC_RAW
  PRIMARY KEY(case_id, rep, step)
);
