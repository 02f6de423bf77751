/* store-compare.c - writes and reads of the comparison tables
 * (comparisons, noise_floor; see tb-store-compare.h).  These tables joined
 * schema version 3 after some version-3 files existed: the first write to
 * such a file creates them from the embedded schema's block (the same
 * statements, with IF NOT EXISTS), inside the write's transaction. */
#include "store-internal.h"
#include "tb-store-compare.h"
#include "tb-platform.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char tb_schema_sql[];

#define BLOCK_MARK "-- ---- Comparisons"

/* 1 when table t exists in schema db ("main" or an attached name). */
int tb_store_has_table(tb_store *s, const char *db, const char *t)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s.sqlite_master WHERE type='table' AND name=?", db);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* Inside a transaction: create the comparison block's tables when absent. */
int tb_store_ensure_compare_tables(tb_store *s)
{
    if (tb_store_has_table(s, "main", "comparisons") && tb_store_has_table(s, "main", "noise_floor"))
        return 0;
    const char *a = strstr(tb_schema_sql, BLOCK_MARK);
    if (!a) {
        snprintf(s->err, sizeof s->err, "%s: this build's schema has no comparison tables", s->path);
        return -EIO;
    }
    const char *e = strstr(a + 1, "\n-- ---- ");
    size_t n = e ? (size_t)(e - a) : strlen(a);
    char *sql = malloc(2 * n + 256), *o = sql;
    if (!sql)
        return -ENOMEM;
    for (size_t i = 0; i < n;) {
        static const char *const kw[] = {"CREATE TABLE ", "CREATE INDEX "};
        int hit = 0;
        for (int k = 0; k < 2 && !hit; k++)
            if (!strncmp(a + i, kw[k], strlen(kw[k]))) {
                o += sprintf(o, "%sIF NOT EXISTS ", kw[k]);
                i += strlen(kw[k]);
                hit = 1;
            }
        if (!hit)
            *o++ = a[i++];
    }
    *o = 0;
    int rc = tb_store_exec(s, sql, "cannot create the comparison tables");
    free(sql);
    return rc;
}

int tb_store_comparisons(tb_store *s, const tb_comparison *rows, int n)
{
    char now[40];
    tb_plat_utc_now(now, sizeof now);
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc;
    rc = tb_store_ensure_compare_tables(s);
    for (int i = 0; i < n && rc == 0; i++) {
        const tb_comparison *c = &rows[i];
        tb_row r;
        tb_row_init(&r, "comparisons");
        tb_row_text(&r, "compared_at", now);
        tb_row_text(&r, "kind", c->kind);
        tb_row_opt(&r, "base_run_id", c->base_run_id > 0 ? c->base_run_id : -1);
        tb_row_opt(&r, "cand_run_id", c->cand_run_id > 0 ? c->cand_run_id : -1);
        tb_row_text(&r, "base_source", c->base_source);
        tb_row_text(&r, "cand_source", c->cand_source);
        tb_row_text(&r, "base_commit", c->base_commit);
        tb_row_text(&r, "cand_commit", c->cand_commit);
        tb_row_text(&r, "case_key", c->case_key);
        tb_row_text(&r, "base_fingerprint", c->base_fingerprint);
        tb_row_text(&r, "cand_fingerprint", c->cand_fingerprint);
        tb_row_int(&r, "cross_machine", c->cross_machine);
        tb_row_real(&r, "base_median_ns", c->base_median_ns);
        tb_row_real(&r, "cand_median_ns", c->cand_median_ns);
        tb_row_opt(&r, "base_n", c->base_n);
        tb_row_opt(&r, "cand_n", c->cand_n);
        tb_row_real(&r, "ratio", c->ratio);
        tb_row_real(&r, "ci_lo", c->ci_lo);
        tb_row_real(&r, "ci_hi", c->ci_hi);
        tb_row_real(&r, "ci_level", c->ci_level);
        tb_row_text(&r, "ci_method", c->ci_method);
        tb_row_real(&r, "p_value", c->p_value);
        tb_row_real(&r, "p_holm", c->p_holm);
        tb_row_real(&r, "threshold", c->threshold);
        tb_row_real(&r, "noise_floor", c->noise_floor);
        tb_row_text(&r, "verdict", c->verdict);
        tb_row_text(&r, "note", c->note);
        rc = tb_row_insert(s, &r, 0, NULL);
    }
    if (rc < 0 || tb_store_exec(s, "COMMIT", "cannot commit the comparison") < 0) {
        rc = rc == -ENOMEM ? rc : tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

int tb_store_noise_floor(tb_store *s, const char *fingerprint, const char *case_key, double floor, int rounds,
                         const char *method, const char *note)
{
    char now[40];
    tb_plat_utc_now(now, sizeof now);
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc;
    rc = tb_store_ensure_compare_tables(s);
    if (rc == 0) {
        tb_row r;
        tb_row_init(&r, "noise_floor");
        tb_row_text(&r, "fingerprint", fingerprint);
        tb_row_text(&r, "case_key", case_key);
        tb_row_real(&r, "floor", floor);
        tb_row_int(&r, "rounds", rounds);
        tb_row_text(&r, "method", method);
        tb_row_text(&r, "measured_at", now);
        tb_row_text(&r, "note", note);
        rc = tb_row_insert(s, &r, 1, NULL);
    }
    if (rc < 0 || tb_store_exec(s, "COMMIT", "cannot commit the noise floor") < 0) {
        rc = rc == -ENOMEM ? rc : tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

double tb_store_noise_floor_get(tb_store *s, const char *fingerprint, const char *case_key)
{
    if (!tb_store_has_table(s, "main", "noise_floor"))
        return NAN;
    sqlite3_stmt *st;
    double v = NAN;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT floor FROM noise_floor WHERE fingerprint=? AND case_key=? ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return NAN;
    sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, case_key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}
