/* test-merge-tables.c - every table of a fresh database is either copied
 * by `tritbench merge` or deliberately left out (tb_merge_tables,
 * tb_merge_skipped): a table a later change adds fails here until merge
 * knows what to do with it, instead of being dropped silently. */
#include "tb-store-compare.h"
#include "tb-store.h"
#include "tb-test.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int listed(const char *t)
{
    for (int i = 0; tb_merge_tables[i]; i++)
        if (!strcmp(t, tb_merge_tables[i]))
            return 1;
    for (int i = 0; tb_merge_skipped[i]; i++)
        if (!strcmp(t, tb_merge_skipped[i]))
            return 1;
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/tb-mergetab-XXXXXX", path[64], err[512];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    tb_store *s;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    tb_store_close(s);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *st;
    int n = 0;
    CHECK(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'", -1,
                             &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!listed(t)) {
            fprintf(stderr, "table %s: neither merged nor listed as skipped (harness/store-merge.c)\n", t);
            tb_test_failures++;
        }
        n++;
    }
    sqlite3_finalize(st);
    CHECK(n >= 19); /* comparisons and noise_floor are there */
    sqlite3_close(db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
