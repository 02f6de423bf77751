/* test-store-migrate.c - the schema 1 -> 2 upgrade on a version-1 file
 * written by the version-1 binary (tests/fixtures/store/v1.db: a quick run
 * filtered to tq2 and fp16 4096x4096 GEMVs, the 8 MiB read probe and the
 * 1-thread peaks, by the build of b241828; see tests/fixtures/README.md):
 * a backup copy first, one transaction, every case and
 * figure kept, the matmul columns moved to case_params and counts, keys
 * and cache modes of v1 matmul cases ('hot'), renamed build columns, the
 * freq_unpinned case flag turned into a run fact; the upgraded tables
 * have the same columns as a fresh version-2 database; a second open does
 * not upgrade again; a read-only open of a v1 file is refused, untouched. */
#include "tb-store.h"
#include "tb-test.h"
#include "tb-test-db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    if (!a || !b) {
        if (a)
            fclose(a);
        if (b)
            fclose(b);
        return -1;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, n, b);
    fclose(a);
    return fclose(b);
}

/* "name,name,..." of a table's columns, sorted. */
static void columns(sqlite3 *db, const char *table, char *out, size_t len)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('%s') ORDER BY name)",
             table);
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Every table and view of the fresh database exists in the upgraded one
 * with the same columns (the list comes from the fresh file, so a table a
 * later version adds is covered without editing this test). */
static int same_tables(sqlite3 *fresh, sqlite3 *up)
{
    sqlite3_stmt *st;
    int ok = 1, n = 0;
    if (sqlite3_prepare_v2(fresh, "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char a[2048], b[2048];
        columns(fresh, t, a, sizeof a);
        columns(up, t, b, sizeof b);
        if (strcmp(a, b) || !a[0]) {
            fprintf(stderr, "%s: fresh (%s) vs upgraded (%s)\n", t, a, b);
            ok = 0;
        }
        n++;
    }
    sqlite3_finalize(st);
    return ok && n >= 17;
}

int main(void)
{
    char dir[] = "/tmp/tb-migrate-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char v1[256], ro[256], fresh[256], err[1024], backup[1200];
    snprintf(v1, sizeof v1, "%s/v1.db", dir);
    snprintf(ro, sizeof ro, "%s/ro.db", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.db", dir);
    CHECK(copy_file(TB_FIXTURES "/store/v1.db", v1) == 0);
    CHECK(copy_file(TB_FIXTURES "/store/v1.db", ro) == 0);

    /* a read-only open refuses a v1 file and names the command that upgrades */
    uint64_t h0 = file_hash(ro);
    tb_store *s = NULL;
    CHECK(tb_store_open_readonly(ro, &s, err, sizeof err) < 0);
    CHECK(strstr(err, "schema version 1") && strstr(err, "tritbench run"));
    CHECK(file_hash(ro) == h0);

    sqlite3 *db;
    CHECK(sqlite3_open(v1, &db) == SQLITE_OK);
    int64_t cases = q(db, "SELECT count(*) FROM cases"), samples = q(db, "SELECT count(*) FROM samples");
    int64_t metrics = q(db, "SELECT count(*) FROM metrics"), energy = q(db, "SELECT count(*) FROM energy");
    int64_t matmul = q(db, "SELECT count(*) FROM cases WHERE workload='matmul'");
    int64_t freq = q(db, "SELECT count(*) FROM cases WHERE flags LIKE '%freq_unpinned%'");
    CHECK(q(db, "PRAGMA user_version") == 1 && cases == 5 && matmul == 2 && freq > 0);
    sqlite3_close(db);

    CHECK(tb_store_open_upgrade(v1, &s, err, sizeof err, backup, sizeof backup) == 0);
    if (!s)
        fprintf(stderr, "upgrade: %s\n", err);
    CHECK(backup[0] && access(backup, F_OK) == 0);
    tb_store_close(s);

    /* the backup is the version-1 database, whole */
    CHECK(sqlite3_open(backup, &db) == SQLITE_OK);
    CHECK(q(db, "PRAGMA user_version") == 1 && q(db, "SELECT count(*) FROM cases") == cases);
    sqlite3_close(db);

    CHECK(sqlite3_open(v1, &db) == SQLITE_OK);
    CHECK(q(db, "PRAGMA user_version") == TB_SCHEMA_VERSION);
    CHECK(q(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
    CHECK(q(db, "SELECT count(*) FROM cases") == cases);
    CHECK(q(db, "SELECT count(*) FROM samples") == samples);
    CHECK(q(db, "SELECT count(*) FROM samples WHERE round IS NULL OR round != rep") == 0);
    CHECK(q(db, "SELECT count(*) FROM metrics") == metrics);
    CHECK(q(db, "SELECT count(*) FROM energy") == energy);
    CHECK(q(db, "SELECT count(*) FROM cases WHERE workload='matmul' AND cache_mode='hot' AND case_key LIKE '%/hot'") ==
          matmul);
    CHECK(q(db, "SELECT count(*) FROM cases WHERE workload!='matmul' AND cache_mode IS NULL") == cases - matmul);
    CHECK(q(db, "SELECT count(*) FROM case_params p JOIN cases c ON c.id=p.case_id WHERE c.workload='matmul'"
                " AND p.name='format' AND p.value IN ('fp16','tq2')") == matmul);
    CHECK(q(db, "SELECT count(*) FROM case_params WHERE name='n' AND value=1") == matmul);
    CHECK(q(db, "SELECT count(*) FROM case_params WHERE name='rows' AND value=4096") == matmul);
    CHECK(q(db, "SELECT count(*) FROM case_params WHERE name='model' AND value='llama2-7b'") == matmul);
    CHECK(q(db, "SELECT count(*) FROM case_params WHERE name='mib' AND value=8") == 1);
    CHECK(q(db, "SELECT count(*) FROM counts WHERE quantity='bytes_weights' AND value > 0") >= matmul);
    CHECK(q(db, "SELECT count(*) FROM counts c JOIN case_params p ON p.case_id=c.case_id AND p.name='format'"
                " AND p.value='tq2' WHERE c.quantity='int8_add' AND c.value=4096*4096") == 1);
    CHECK(q(db, "SELECT count(*) FROM builds WHERE binary_sha256 IS NULL AND length(binary_fnv1a64)=16"
                " AND kernel_variants LIKE '%tq2_ref%'") == 1);
    CHECK(q(db, "SELECT count(*) FROM run_facts WHERE fact='freq_unpinned'") == 1);
    CHECK(q(db, "SELECT count(*) FROM cases WHERE flags LIKE '%freq_unpinned%' OR flags_reason LIKE '%freq_unpinned%'") ==
          0);
    CHECK(q(db, "SELECT count(*) FROM meta WHERE key='upgraded_from' AND value='1'") == 1);
    CHECK(q(db, "SELECT count(*) FROM v_case_summary WHERE cache_mode='hot'") == matmul);
    sqlite3_close(db);

    /* same columns as a fresh version-2 database */
    CHECK(tb_store_open(fresh, &s, err, sizeof err) == 0);
    tb_store_close(s);
    sqlite3 *fdb;
    CHECK(sqlite3_open(fresh, &fdb) == SQLITE_OK && sqlite3_open(v1, &db) == SQLITE_OK);
    CHECK(same_tables(fdb, db));
    sqlite3_close(fdb);
    sqlite3_close(db);

    /* a second open finds the current version: no second backup */
    CHECK(tb_store_open_upgrade(v1, &s, err, sizeof err, backup, sizeof backup) == 0);
    CHECK(backup[0] == 0);
    tb_store_close(s);

    /* a version-2 database (written by the version-2 binary) upgrades too */
    char v2[256];
    snprintf(v2, sizeof v2, "%s/v2.db", dir);
    CHECK(copy_file(TB_FIXTURES "/store/v2.db", v2) == 0);
    CHECK(sqlite3_open(v2, &db) == SQLITE_OK);
    int64_t cases2 = q(db, "SELECT count(*) FROM cases"), samples2 = q(db, "SELECT count(*) FROM samples");
    CHECK(q(db, "PRAGMA user_version") == 2 && cases2 > 0);
    sqlite3_close(db);
    CHECK(tb_store_open_upgrade(v2, &s, err, sizeof err, backup, sizeof backup) == 0);
    CHECK(backup[0] && strstr(backup, ".v2-backup-") && access(backup, F_OK) == 0);
    tb_store_close(s);
    CHECK(sqlite3_open(v2, &db) == SQLITE_OK && sqlite3_open(fresh, &fdb) == SQLITE_OK);
    CHECK(q(db, "PRAGMA user_version") == TB_SCHEMA_VERSION);
    CHECK(q(db, "SELECT count(*) FROM cases") == cases2 && q(db, "SELECT count(*) FROM samples") == samples2);
    CHECK(q(db, "SELECT count(*) FROM meta WHERE key='upgraded_from' AND value='2'") == 1);
    CHECK(q(db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
    CHECK(same_tables(fdb, db));
    sqlite3_close(fdb);
    sqlite3_close(db);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
