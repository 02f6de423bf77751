/* store-read.c - read-only cursors over the store for the summary and
 * reports: a statement that would write is refused (sqlite3_stmt_readonly),
 * so the store stays the only writer. */
#include "store-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct tb_cursor {
    tb_store *s;
    sqlite3_stmt *st;
};

tb_cursor *tb_store_select(tb_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        tb_store_fail(s, "cannot prepare a query");
        return NULL;
    }
    if (!sqlite3_stmt_readonly(st)) {
        sqlite3_finalize(st);
        snprintf(s->err, sizeof s->err, "%s: refused a query that would write (only the store writes)", s->path);
        return NULL;
    }
    tb_cursor *c = calloc(1, sizeof *c);
    if (!c) {
        sqlite3_finalize(st);
        snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
        return NULL;
    }
    c->s = s;
    c->st = st;
    return c;
}

int tb_cursor_bind_int(tb_cursor *c, int i, int64_t v)
{
    return tb_store_bind_ok(c->s, sqlite3_bind_int64(c->st, i, v), "bind");
}

int tb_cursor_bind_text(tb_cursor *c, int i, const char *v)
{
    return tb_store_bind_ok(c->s, v ? sqlite3_bind_text(c->st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(c->st, i),
                            "bind");
}

int tb_cursor_next(tb_cursor *c)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return tb_store_fail(c->s, "query");
}

int64_t tb_cursor_int(tb_cursor *c, int col) { return sqlite3_column_int64(c->st, col); }

double tb_cursor_real(tb_cursor *c, int col)
{
    return sqlite3_column_type(c->st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(c->st, col);
}

const char *tb_cursor_text(tb_cursor *c, int col)
{
    const unsigned char *t = sqlite3_column_text(c->st, col);
    return t ? (const char *)t : "";
}

void tb_cursor_close(tb_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    free(c);
}
