/* store-internal.h - what the store's files share: the handle, the
 * statement cache, the column-list row binder and error capture.  Nothing
 * outside harness/store*.c includes this: the store is the only writer. */
#ifndef TB_STORE_INTERNAL_H
#define TB_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include "tb-store.h"

#define TB_STMT_CACHE 48
#define TB_ROW_MAX 48

struct tb_store {
    sqlite3 *db;
    char path[1024];
    int readonly;
    char err[640];                  /* last error, one line, captured before any rollback */
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

#endif
