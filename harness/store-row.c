/* store-row.c - the store's statement cache and its column-list row
 * binder: the SQL of an insert is built from the row's column names, the
 * prepared statement is cached by its text, its parameter count is
 * checked against the column list, and every bind and step is checked and
 * turned into a one-line error in s->err (with its SQLite code kept, so a
 * caller can tell a lock wait that ran out from a full disk). */
#include "store-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Capture the connection's error in one line: "<path>: <what>: <problem>
 * (SQLite code N)", the problem in words (store-errors.c). */
static int capture(tb_store *s, const char *what, const char *msg)
{
    s->code = sqlite3_extended_errcode(s->db);
    s->sys_errno = sqlite3_system_errno(s->db);
    char problem[400];
    tb_store_describe(s->code, s->sys_errno, s->path, msg, problem, sizeof problem);
    snprintf(s->err, sizeof s->err, "%s: %s: %s (SQLite code %d)", s->path, what, problem, s->code);
    return tb_store_errno(s);
}

int tb_store_errno(const tb_store *s) { return s->code ? tb_store_code_errno(s->code, s->sys_errno) : -EIO; }

int tb_store_fail(tb_store *s, const char *what)
{
    capture(s, what, sqlite3_errmsg(s->db));
    return -EIO;
}

int tb_store_bind_ok(tb_store *s, int rc, const char *what)
{
    return rc == SQLITE_OK ? 0 : tb_store_fail(s, what);
}

int tb_store_exec(tb_store *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) {
        tb_store_wait_done(s); /* after a long lock wait: say it is over */
        return 0;
    }
    capture(s, what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -EIO;
}

sqlite3_stmt *tb_store_stmt(tb_store *s, const char *sql)
{
    for (int i = 0; i < s->ncache; i++)
        if (!strcmp(s->cache[i].sql, sql)) {
            sqlite3_reset(s->cache[i].st);
            sqlite3_clear_bindings(s->cache[i].st);
            return s->cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        char what[96];
        snprintf(what, sizeof what, "cannot prepare \"%.60s...\"", sql);
        tb_store_fail(s, what);
        return NULL;
    }
    if (s->ncache == TB_STMT_CACHE) { /* full: evict the oldest */
        sqlite3_finalize(s->cache[0].st);
        free(s->cache[0].sql);
        memmove(&s->cache[0], &s->cache[1], sizeof s->cache[0] * (TB_STMT_CACHE - 1));
        s->ncache--;
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        snprintf(s->err, sizeof s->err, "%s: out of memory caching a statement", s->path);
        return NULL;
    }
    s->cache[s->ncache].sql = copy;
    s->cache[s->ncache].st = st;
    s->ncache++;
    return st;
}

void tb_row_init(tb_row *r, const char *table)
{
    r->table = table;
    r->n = 0;
    r->overflow = 0;
}

static int row_slot(tb_row *r, const char *col, tb_vtype t)
{
    if (r->n == TB_ROW_MAX) {
        r->overflow = 1;
        return -1;
    }
    r->col[r->n] = col;
    r->type[r->n] = t;
    return r->n++;
}

void tb_row_int(tb_row *r, const char *col, int64_t v)
{
    int i = row_slot(r, col, TB_V_INT);
    if (i >= 0)
        r->i[i] = v;
}

void tb_row_opt(tb_row *r, const char *col, int64_t v)
{
    if (v < 0)
        tb_row_null(r, col);
    else
        tb_row_int(r, col, v);
}

void tb_row_real(tb_row *r, const char *col, double v)
{
    if (isnan(v)) {
        tb_row_null(r, col);
        return;
    }
    int i = row_slot(r, col, TB_V_REAL);
    if (i >= 0)
        r->d[i] = v;
}

void tb_row_text(tb_row *r, const char *col, const char *v)
{
    if (!v || !*v) {
        tb_row_null(r, col);
        return;
    }
    int i = row_slot(r, col, TB_V_TEXT);
    if (i >= 0)
        r->s[i] = v;
}

void tb_row_null(tb_row *r, const char *col) { row_slot(r, col, TB_V_NULL); }

int tb_row_insert(tb_store *s, const tb_row *r, int replace, int64_t *rowid)
{
    if (r->overflow || r->n == 0) {
        snprintf(s->err, sizeof s->err, "%s: insert into %s: %s", s->path, r->table,
                 r->overflow ? "more columns than the binder holds" : "no columns");
        return -EIO;
    }
    char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql, "INSERT %sINTO %s(", replace ? "OR REPLACE " : "", r->table);
    for (int i = 0; i < r->n && o < sizeof sql; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%s", i ? "," : "", r->col[i]);
    if (o < sizeof sql)
        o += (size_t)snprintf(sql + o, sizeof sql - o, ") VALUES(");
    for (int i = 0; i < r->n && o < sizeof sql; i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s?", i ? "," : "");
    if (o < sizeof sql)
        o += (size_t)snprintf(sql + o, sizeof sql - o, ")");
    if (o >= sizeof sql) {
        snprintf(s->err, sizeof s->err, "%s: insert into %s: statement too long", s->path, r->table);
        return -EIO;
    }
    sqlite3_stmt *st = tb_store_stmt(s, sql);
    if (!st)
        return -EIO;
    char what[96];
    snprintf(what, sizeof what, "insert into %s", r->table);
    if (sqlite3_bind_parameter_count(st) != r->n) {
        snprintf(s->err, sizeof s->err, "%s: %s: %d parameters for %d columns", s->path, what,
                 sqlite3_bind_parameter_count(st), r->n);
        return -EIO;
    }
    for (int i = 0; i < r->n; i++) {
        int rc = SQLITE_OK;
        switch (r->type[i]) {
        case TB_V_NULL: rc = sqlite3_bind_null(st, i + 1); break;
        case TB_V_INT: rc = sqlite3_bind_int64(st, i + 1, r->i[i]); break;
        case TB_V_REAL: rc = sqlite3_bind_double(st, i + 1, r->d[i]); break;
        case TB_V_TEXT: rc = sqlite3_bind_text(st, i + 1, r->s[i], -1, SQLITE_TRANSIENT); break;
        }
        if (rc != SQLITE_OK) {
            char w[160];
            snprintf(w, sizeof w, "%s: binding %s", what, r->col[i]);
            return tb_store_fail(s, w);
        }
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        tb_store_fail(s, what);
        sqlite3_reset(st);
        return -EIO;
    }
    if (rowid)
        *rowid = sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(st);
    tb_store_wait_done(s);
    return 0;
}
