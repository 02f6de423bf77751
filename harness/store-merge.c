/* store-merge.c - merge another tritbench database into this one
 * (tb_store_merge, see tb-store-compare.h).  The input is attached
 * read-only in spirit (only SELECTs touch it); everything is copied by
 * INSERT ... SELECT inside one IMMEDIATE transaction on the output, so a
 * failure leaves the output as it was.  Ids: machines and builds are
 * matched by their natural keys (fingerprint; binary hash, or commit +
 * FNV for migrated rows); every other row gets its input id plus the
 * output's current maximum of that table (runs, cases, energy), so
 * references stay consistent without a lookup per row. */
#include "store-internal.h"
#include "tb-store-compare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const tb_merge_tables[] = {"machines", "builds",   "runs",     "run_facts", "sampler_status",
                                       "idle_baseline", "cases", "case_params", "counts", "samples",
                                       "stats",    "metrics",  "ratios",   "counters",  "energy",
                                       "tokens",   "noise_floor", NULL};
/* meta: this database's own identity; comparisons: verdicts about runs
 * and files of the database they were made in (re-run compare on the
 * merged file instead); reference_figures: the published numbers every
 * writing command loads from the binary (merge loads them into OUT). */
const char *const tb_merge_skipped[] = {"meta", "comparisons", "reference_figures", NULL};

static int known(const char *t)
{
    for (int i = 0; tb_merge_tables[i]; i++)
        if (!strcmp(t, tb_merge_tables[i]))
            return 1;
    for (int i = 0; tb_merge_skipped[i]; i++)
        if (!strcmp(t, tb_merge_skipped[i]))
            return 1;
    return !strncmp(t, "sqlite_", 7);
}

static int64_t one(tb_store *s, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        tb_store_fail(s, "merge query");
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        tb_store_fail(s, "merge query");
    sqlite3_finalize(st);
    return v;
}

/* INSERT INTO main.T(all columns) SELECT <column or override> FROM src.T t
 * WHERE where.  Overrides: "col=expr" pairs, NULL-terminated. */
static int copy_table(tb_store *s, const char *t, const char *const *over, const char *where, int *added)
{
    char cols[4096] = "", exprs[8192] = "", sql[16384], q[160];
    snprintf(q, sizeof q, "SELECT name FROM pragma_table_info('%s', 'main') ORDER BY cid", t);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
        return tb_store_fail(s, "merge: table columns");
    size_t oc = 0, oe = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        const char *e = NULL;
        for (int i = 0; over && over[i]; i++) {
            size_t n = strlen(c);
            if (!strncmp(over[i], c, n) && over[i][n] == '=')
                e = over[i] + n + 1;
        }
        if (e && !*e)
            continue; /* "col=": leave it to its default (a new id) */
        oc += (size_t)snprintf(cols + oc, sizeof cols - oc, "%s\"%s\"", oc ? "," : "", c);
        if (e)
            oe += (size_t)snprintf(exprs + oe, sizeof exprs - oe, "%s(%s)", oe ? "," : "", e);
        else
            oe += (size_t)snprintf(exprs + oe, sizeof exprs - oe, "%st.\"%s\"", oe ? "," : "", c);
    }
    sqlite3_finalize(st);
    snprintf(sql, sizeof sql, "INSERT INTO main.%s(%s) SELECT %s FROM src.%s t WHERE %s", t, cols, exprs, t, where);
    char what[96];
    snprintf(what, sizeof what, "merge: copying %s", t);
    if (tb_store_exec(s, sql, what) < 0)
        return -EIO;
    if (added)
        *added += sqlite3_changes(s->db);
    return 0;
}

static int exec(tb_store *s, const char *sql) { return tb_store_exec(s, sql, "merge"); }

/* The whole copy, inside the transaction. */
static int merge_body(tb_store *s, tb_merge_stats *o)
{
    char sql[2048];
    if (tb_store_ensure_compare_tables(s) < 0)
        return -EIO;
    /* every table of the input must be one merge knows (never drop data silently) */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM src.sqlite_master WHERE type='table'", -1, &st, NULL) != SQLITE_OK)
        return tb_store_fail(s, "merge: reading the input's tables");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (!known(t)) {
            snprintf(s->err, sizeof s->err, "input table %s is unknown to this merge; refusing rather than drop it", t);
            sqlite3_finalize(st);
            return -EIO;
        }
    }
    sqlite3_finalize(st);

    /* conflicts: same fingerprint, other host name; same binary hash, other commit */
    int64_t c1 = one(s, "SELECT count(*) FROM src.machines a JOIN main.machines b ON a.fingerprint=b.fingerprint"
                        " WHERE coalesce(a.hostname,'') <> coalesce(b.hostname,'')");
    int64_t c2 = one(s, "SELECT count(*) FROM src.builds a JOIN main.builds b ON a.binary_sha256=b.binary_sha256"
                        " WHERE a.git_commit <> b.git_commit");
    if (c1 < 0 || c2 < 0)
        return -EIO;
    o->conflicts += (int)(c1 + c2);
    if (c1 + c2)
        snprintf(o->conflict_text, sizeof o->conflict_text,
                 "%lld machine(s) with a known fingerprint but another host name (kept the existing row: the "
                 "fingerprint covers what matters for timings); %lld build(s) with a known binary hash but another "
                 "commit (kept the existing row)",
                 (long long)c1, (long long)c2);

    static const char *const new_id[] = {"id=", NULL};
    if (copy_table(s, "machines", new_id, "t.fingerprint NOT IN (SELECT fingerprint FROM main.machines)",
                   &o->machines_added) < 0 ||
        copy_table(s, "builds", new_id,
                   "NOT EXISTS (SELECT 1 FROM main.builds b WHERE (t.binary_sha256 IS NOT NULL AND"
                   " b.binary_sha256=t.binary_sha256) OR (t.binary_sha256 IS NULL AND b.binary_sha256 IS NULL AND"
                   " b.git_commit=t.git_commit AND b.binary_fnv1a64 IS t.binary_fnv1a64))",
                   &o->builds_added) < 0)
        return -EIO;
    if (exec(s, "CREATE TEMP TABLE merge_machine(old INTEGER PRIMARY KEY, new INTEGER)") < 0 ||
        exec(s, "INSERT INTO merge_machine SELECT a.id, b.id FROM src.machines a JOIN main.machines b"
                " ON a.fingerprint=b.fingerprint") < 0 ||
        exec(s, "CREATE TEMP TABLE merge_build(old INTEGER PRIMARY KEY, new INTEGER)") < 0 ||
        exec(s, "INSERT INTO merge_build SELECT a.id, (SELECT b.id FROM main.builds b WHERE (a.binary_sha256 IS NOT"
                " NULL AND b.binary_sha256=a.binary_sha256) OR (a.binary_sha256 IS NULL AND b.binary_sha256 IS NULL"
                " AND b.git_commit=a.git_commit AND b.binary_fnv1a64 IS a.binary_fnv1a64) ORDER BY b.id LIMIT 1)"
                " FROM src.builds a") < 0)
        return -EIO;
    /* runs already present: same machine, start, suite and command line */
    if (exec(s, "CREATE TEMP TABLE merge_run(old INTEGER PRIMARY KEY)") < 0 ||
        exec(s, "INSERT INTO merge_run SELECT r.id FROM src.runs r JOIN merge_machine mm ON mm.old=r.machine_id"
                " WHERE NOT EXISTS (SELECT 1 FROM main.runs x WHERE x.machine_id=mm.new AND x.started_at=r.started_at"
                " AND x.suite=r.suite AND x.argv=r.argv)") < 0)
        return -EIO;
    int64_t total = one(s, "SELECT count(*) FROM src.runs"), fresh = one(s, "SELECT count(*) FROM merge_run");
    int64_t roff = one(s, "SELECT coalesce(max(id),0) FROM main.runs");
    int64_t coff = one(s, "SELECT coalesce(max(id),0) FROM main.cases");
    int64_t eoff = one(s, "SELECT coalesce(max(id),0) FROM main.energy");
    if (total < 0 || fresh < 0 || roff < 0 || coff < 0 || eoff < 0)
        return -EIO;
    o->runs_skipped += (int)(total - fresh);
    char rid[64], cid[64], bid[64], eid[64], rwhere[128], cwhere[160];
    snprintf(rid, sizeof rid, "run_id=t.run_id+%lld", (long long)roff);
    snprintf(cid, sizeof cid, "case_id=t.case_id+%lld", (long long)coff);
    snprintf(bid, sizeof bid, "baseline_case_id=t.baseline_case_id+%lld", (long long)coff);
    snprintf(eid, sizeof eid, "id=t.id+%lld", (long long)eoff);
    snprintf(rwhere, sizeof rwhere, "t.run_id IN (SELECT old FROM merge_run)");
    snprintf(cwhere, sizeof cwhere, "t.case_id IN (SELECT id FROM src.cases WHERE run_id IN (SELECT old FROM merge_run))");
    char runid[64], caseid[64];
    snprintf(runid, sizeof runid, "id=t.id+%lld", (long long)roff);
    snprintf(caseid, sizeof caseid, "id=t.id+%lld", (long long)coff);
    const char *run_over[] = {runid, "machine_id=(SELECT new FROM merge_machine WHERE old=t.machine_id)",
                              "build_id=(SELECT new FROM merge_build WHERE old=t.build_id)", NULL};
    const char *case_over[] = {caseid, rid, NULL};
    const char *by_run[] = {rid, NULL};
    const char *by_case[] = {cid, NULL};
    const char *ratio_over[] = {cid, bid, NULL};
    const char *energy_over[] = {eid, cid, NULL};
    if (copy_table(s, "runs", run_over, "t.id IN (SELECT old FROM merge_run)", &o->runs_added) < 0 ||
        copy_table(s, "run_facts", by_run, rwhere, NULL) < 0 ||
        copy_table(s, "sampler_status", by_run, rwhere, NULL) < 0 ||
        copy_table(s, "idle_baseline", by_run, rwhere, NULL) < 0 ||
        copy_table(s, "cases", case_over, rwhere, &o->cases_added) < 0)
        return -EIO;
    static const char *const per_case[] = {"case_params", "counts", "samples", "stats", "metrics", "counters",
                                           "tokens", NULL};
    for (int i = 0; per_case[i]; i++)
        if (copy_table(s, per_case[i], by_case, cwhere, NULL) < 0)
            return -EIO;
    if (copy_table(s, "ratios", ratio_over, cwhere, NULL) < 0 || copy_table(s, "energy", energy_over, cwhere, NULL) < 0)
        return -EIO;
    if (tb_store_has_table(s, "src", "noise_floor")) {
        static const char *const nf_over[] = {"id=", NULL};
        if (copy_table(s, "noise_floor", nf_over,
                       "NOT EXISTS (SELECT 1 FROM main.noise_floor x WHERE x.fingerprint=t.fingerprint AND"
                       " x.case_key=t.case_key AND x.measured_at=t.measured_at)",
                       &o->floors_added) < 0)
            return -EIO;
    }
    /* the per-workload parameter views the output lacks */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT sql FROM src.sqlite_master WHERE type='view' AND name LIKE 'v_params_%' AND name"
                           " NOT IN (SELECT name FROM main.sqlite_master)",
                           -1, &st, NULL) != SQLITE_OK)
        return tb_store_fail(s, "merge: views");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
        rc = exec(s, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    (void)sql;
    return rc;
}

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
    int ok = a && b;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, a)) > 0)
        ok = fwrite(buf, 1, n, b) == n;
    if (a)
        fclose(a);
    if (b && fclose(b) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

int tb_store_merge(tb_store *s, const char *in_path, tb_merge_stats *o, char *err, int errlen)
{
    memset(o, 0, sizeof *o);
    char tmpdir[] = "/tmp/tritbench-merge-XXXXXX", tmp[sizeof tmpdir + 16] = "", bk[1100] = "";
    const char *use = in_path;
    tb_store *in = NULL;
    /* validate the input with the store's own checks */
    int rc = tb_store_open_readonly(in_path, &in, err, errlen);
    if (rc < 0 && strstr(err, "is older than")) {
        /* upgrade a temporary copy through the migration chain; the input stays as it is */
        if (!mkdtemp(tmpdir)) {
            snprintf(err, (size_t)errlen, "%s: needs an upgrade, but no temporary directory could be made", in_path);
            return -EIO;
        }
        snprintf(tmp, sizeof tmp, "%s/in.db", tmpdir);
        if (copy_file(in_path, tmp) < 0) {
            snprintf(err, (size_t)errlen, "%s: needs an upgrade, but copying it to %s failed", in_path, tmp);
            rmdir(tmpdir);
            return -EIO;
        }
        rc = tb_store_open_upgrade(tmp, &in, err, errlen, bk, sizeof bk);
        use = tmp;
    }
    if (rc < 0)
        goto out;
    tb_store_close(in);
    in = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ? AS src", -1, &st, NULL) != SQLITE_OK) {
        rc = tb_store_fail(s, "merge: attach");
        goto fail_msg;
    }
    sqlite3_bind_text(st, 1, use, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        rc = tb_store_fail(s, "merge: attach");
        goto fail_msg;
    }
    sqlite3_finalize(st);
    rc = tb_store_begin(s);
    if (rc == 0) {
        rc = merge_body(s, o);
        if (rc == 0)
            rc = tb_store_exec(s, "COMMIT", "merge: commit");
        if (rc < 0) {
            rc = -EIO;
            char keep[sizeof s->err];
            snprintf(keep, sizeof keep, "%s", s->err);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            snprintf(s->err, sizeof s->err, "%s", keep);
        }
    }
    sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.merge_machine; DROP TABLE IF EXISTS temp.merge_build;"
                        " DROP TABLE IF EXISTS temp.merge_run", NULL, NULL, NULL);
    sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
fail_msg:
    if (rc < 0)
        snprintf(err, (size_t)errlen, "%s: nothing merged: %s", in_path, s->err);
out:
    if (in)
        tb_store_close(in);
    if (tmp[0]) {
        char p[sizeof tmp + 16];
        static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
        for (int i = 0; i < 4; i++) {
            snprintf(p, sizeof p, "%s%s", tmp, sfx[i]);
            unlink(p);
        }
        if (bk[0])
            unlink(bk);
        rmdir(tmpdir);
    }
    return rc < 0 ? rc : 0;
}
