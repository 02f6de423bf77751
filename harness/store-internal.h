/* store-internal.h - what the store's files share: the handle, the
 * statement cache, the column-list row binder, error capture and
 * description, the lock wait and the writer identity of a run.  Nothing
 * outside harness/store*.c includes this: the store is the only writer. */
#ifndef TB_STORE_INTERNAL_H
#define TB_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "tb-store.h"

#define TB_STMT_CACHE 48
#define TB_ROW_MAX 48

struct tb_store {
    sqlite3 *db;
    char path[1024];
    int readonly;
    char err[640];                  /* last error, one line, captured before any rollback */
    int code;                       /* SQLite result code of that error (0: not SQLite's) */
    int sys_errno;                  /* the OS error behind it, when SQLite knows one */
    /* waiting for another writer's lock (store-wait.c) */
    double wait_limit_s;
    tb_store_notice_fn notice;
    void *notice_ctx;
    uint64_t busy_since_ns;
    int busy_noticed;
    int reaped;                     /* runs marked abandoned by this open */
    struct { char *sql; sqlite3_stmt *st; } cache[TB_STMT_CACHE];
    int ncache;
};

/* A row to insert: column names and values, bound by name order. */
typedef enum { TB_V_NULL, TB_V_INT, TB_V_REAL, TB_V_TEXT } tb_vtype;
typedef struct tb_row {
    const char *table;
    const char *col[TB_ROW_MAX];
    tb_vtype type[TB_ROW_MAX];
    int64_t i[TB_ROW_MAX];
    double d[TB_ROW_MAX];
    const char *s[TB_ROW_MAX];
    int n;
    int overflow;
} tb_row;

void tb_row_init(tb_row *r, const char *table);
void tb_row_int(tb_row *r, const char *col, int64_t v);
void tb_row_opt(tb_row *r, const char *col, int64_t v);      /* NULL when v < 0 */
void tb_row_real(tb_row *r, const char *col, double v);      /* NULL when NAN */
void tb_row_text(tb_row *r, const char *col, const char *v); /* NULL when NULL or "" */
void tb_row_null(tb_row *r, const char *col);
/* INSERT (or INSERT OR REPLACE when replace) the row through a cached
 * statement whose parameter count is checked against the column list.
 * 0 or -EIO with s->err set; *rowid when not NULL. */
int tb_row_insert(tb_store *s, const tb_row *r, int replace, int64_t *rowid);

/* A cached prepared statement for sql (reset, bindings cleared). */
sqlite3_stmt *tb_store_stmt(tb_store *s, const char *sql);
/* Execute SQL without results; 0 or -EIO with s->err set ("what: msg"). */
int tb_store_exec(tb_store *s, const char *sql, const char *what);
/* Record a one-line error: "<path>: <what>: <sqlite message> (code N)". */
int tb_store_fail(tb_store *s, const char *what);
/* Check a bind's result; -EIO with s->err set on failure. */
int tb_store_bind_ok(tb_store *s, int rc, const char *what);
/* The errno a public call returns for the last failure: -EBUSY (the lock
 * wait ran out), -ENOSPC, -EROFS, else -EIO. */
int tb_store_errno(const tb_store *s);

/* ---- store-errors.c ---- */
/* What went wrong, in words, from an SQLite result code and the OS error
 * behind it ("disk full: no space left on the file system holding P",
 * "directory D is read-only: cannot create P-wal and P-shm", ...). */
void tb_store_describe(int code, int sys_errno, const char *path, const char *sqlite_msg, char *buf, size_t len);
/* Why the database file could not be created (open(2) failed with e). */
void tb_store_describe_create(int e, const char *path, char *buf, size_t len);
/* The negative errno for an SQLite result code (see tb_store_errno). */
int tb_store_code_errno(int code, int sys_errno);

/* ---- store-wait.c ---- */
/* Install the lock-waiting busy handler on a connection (s->db). */
void tb_store_wait_install(tb_store *s);
/* BEGIN IMMEDIATE, waiting for another writer as the busy handler allows;
 * tells the user when a long wait ends. */
int tb_store_begin(tb_store *s);
/* After a statement that waited: say the lock was acquired. */
void tb_store_wait_done(tb_store *s);

/* ---- store-writer.c ---- */
/* The writer identity of this process as a JSON member "writer":{...}. */
int tb_store_writer_json(char *buf, size_t len);
/* Mark runs left 'running' by a writer that is certainly gone (killed,
 * crashed, or the machine restarted) as interrupted with an 'abandoned'
 * run fact.  Runs of live writers, of other hosts or pid namespaces, and
 * runs without a writer identity are left alone. */
int tb_store_reap(tb_store *s);

/* ---- store-compare.c ---- */
/* 1 when table t exists in schema db ("main" or an attached name). */
int tb_store_has_table(tb_store *s, const char *db, const char *t);
/* Inside a transaction: create comparisons/noise_floor when absent. */
int tb_store_ensure_compare_tables(tb_store *s);

#endif
