/* tb-store.h - the SQLite result store, the only writer of a tritbench
 * database.  Every open checks the file (regular, SQLite, ours, not
 * corrupt, schema version known) and refuses anything else without
 * writing to it, saying what is wrong (not SQLite, read-only directory,
 * disk full, ...) and removing a new file it created; a version-1 database
 * is upgraded in one transaction after a backup copy.  A writing open
 * marks runs whose writer was killed as abandoned.  Each case is one
 * transaction.  Another process holding the lock is waited for (up to
 * TB_STORE_WAIT_S, told on stderr after TB_STORE_NOTICE_S).  Every failure
 * leaves a one-line reason in tb_store_errmsg().  Readers (summary,
 * reports) get read-only cursors: a statement that would write is
 * refused. */
#ifndef TB_STORE_H
#define TB_STORE_H

#include <stdint.h>
#include "tb-machine.h"
#include "tb-runner.h"
#include "tb-sampler.h"

#define TB_SCHEMA_VERSION 3
#define TB_STORE_APP "tritbench"
/* How long a write waits for another process's lock before it fails with
 * -EBUSY, and after how long the user is told about the wait. */
#define TB_STORE_WAIT_S 600.0
#define TB_STORE_NOTICE_S 5.0

typedef struct tb_store tb_store;
/* Receives a one-line notice (no newline) about a long lock wait. */
typedef void (*tb_store_notice_fn)(void *ctx, const char *line);

/* Open (creating when absent, upgrading a version-1 file) the database at
 * path.  On refusal returns a negative errno and a one-line reason in err,
 * having written nothing.  When an upgrade happened, *backup (if not NULL,
 * size backup_len) receives the backup's path, else "". */
int tb_store_open(const char *path, tb_store **out, char *err, int errlen);
int tb_store_open_upgrade(const char *path, tb_store **out, char *err, int errlen, char *backup, int backup_len);
/* Open an existing database read-only (report/compare); same checks; a
 * version-1 file is refused with the command that would upgrade it. */
int tb_store_open_readonly(const char *path, tb_store **out, char *err, int errlen);
void tb_store_close(tb_store *s);
/* The last error, one line naming the database. */
const char *tb_store_errmsg(tb_store *s);
/* Lock waits: give up after limit_s (<= 0: TB_STORE_WAIT_S; tests use
 * less); notices go to fn (NULL: stderr as "tritbench: LINE"). */
void tb_store_set_wait(tb_store *s, double limit_s, tb_store_notice_fn fn, void *ctx);
/* How many runs this open marked abandoned (interrupted, run fact
 * 'abandoned': their writer was killed or the machine restarted). */
int tb_store_reaped(const tb_store *s);

/* Writes return 0 or a negative errno: -EBUSY when another process held
 * the lock longer than the wait limit (nothing was written; retry later),
 * -ENOSPC disk full, -EROFS read-only, -EIO anything else. */

typedef struct tb_build_info {
    const char *git_commit, *git_describe, *compiler, *compiler_version, *cflags, *build_type,
        *kernel_variants, *deps, *tool_version;
    const char *binary_sha256;  /* 64 hex digits of the running executable */
    int git_dirty;
} tb_build_info;

/* Find or add (safe against a concurrent writer adding the same row). */
int tb_store_machine(tb_store *s, const tb_machine *m, int64_t *id);
int tb_store_build(tb_store *s, const tb_build_info *b, int64_t *id);
/* host_state: a JSON object or NULL; the store adds "writer" (pid, its
 * start time, boot id, host, pid namespace) so that a later open can tell
 * a run whose process is gone from one still measuring. */
int tb_store_run_begin(tb_store *s, int64_t machine, int64_t build, const char *suite,
                       const char *argv, const char *options_json, const char *env_json,
                       const char *host_state, int64_t *run_id);
int tb_store_run_end(tb_store *s, int64_t run_id, const char *status, const char *host_state);
/* A fact of the whole run (e.g. "freq_unknown", reason). */
int tb_store_run_fact(tb_store *s, int64_t run_id, const char *fact, const char *reason);
int tb_store_sampler_status(tb_store *s, int64_t run_id, const char *sampler, const tb_probe *p);
/* One idle-baseline reading (chan.kind POWER, value in W). */
int tb_store_idle_baseline(tb_store *s, int64_t run_id, const tb_reading *r);
/* (Re)create the view v_params_<workload> over case_params from the
 * workload's parameter declaration. */
int tb_store_declare_workload(tb_store *s, const tb_workload *wl);
/* Everything about one case, in one transaction: the case row, its
 * parameters, counts, samples, statistics, metrics, readings, modelled
 * energy and (when baseline_case_id > 0) its paired ratio. */
int tb_store_case(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t baseline_case_id,
                  int64_t *case_id);
/* Replace the derived figures of stored case `case_id` (its metrics, flags
 * and flags_reason) with r's, in one transaction: a run re-derives its
 * cases against the end-of-suite ceilings.  0; -EBUSY (nothing written);
 * -ENOENT no such case; another negative errno on a store failure. */
int tb_store_case_derived(tb_store *s, int64_t case_id, const tb_case_result *r);

/* Load the published figures embedded from results/reference/<name>.csv into
 * reference_figures (store-reference.c) when the table does not already
 * hold exactly them; *loaded = rows written (0 when already there).
 * -ENOENT when the database has no such table, else 0 or a negative errno. */
int tb_store_reference_load(tb_store *s, int *loaded);

/* ---- reading ---- */
typedef struct tb_cursor tb_cursor;
/* Prepare a read-only statement; NULL (reason in errmsg) when it fails or
 * would write. */
tb_cursor *tb_store_select(tb_store *s, const char *sql);
int tb_cursor_bind_int(tb_cursor *c, int i, int64_t v);
int tb_cursor_bind_text(tb_cursor *c, int i, const char *v);
/* 1 a row, 0 done, -EIO error (reason in the store's errmsg). */
int tb_cursor_next(tb_cursor *c);
int64_t tb_cursor_int(tb_cursor *c, int col);
double tb_cursor_real(tb_cursor *c, int col);      /* NAN when NULL */
const char *tb_cursor_text(tb_cursor *c, int col); /* "" when NULL */
void tb_cursor_close(tb_cursor *c);

#endif
