/* tb-test-db.h - helpers the store tests share: a one-value SQL query on
 * a raw connection and a hash of a file's bytes (to prove a refused
 * database was left untouched). */
#ifndef TB_TEST_DB_H
#define TB_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "tb-workload.h"

/* First column of the first row; -999 for NULL, -12345 when the query fails. */
static inline int64_t q(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -12345;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad query %s: %s\n", sql, sqlite3_errmsg(db));
        return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -999 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* FNV-1a of a file's bytes; 0 when it cannot be read. */
static inline uint64_t file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char buf[4096];
    size_t n;
    uint64_t h = TB_FNV_INIT;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = tb_fnv1a(buf, n, h);
    fclose(f);
    return h;
}

#endif
