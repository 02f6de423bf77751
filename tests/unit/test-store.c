/* test-store.c - store round trip (machine, build, run, sampler status,
 * a full case with samples, stats, metrics, counters, energy), NULL for
 * missing figures, and refusal of newer, foreign and non-SQLite files
 * without touching them. */
#include "tb-machine.h"
#include "tb-store.h"
#include "tb-test.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t file_hash(const char *path)
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

static int64_t q(sqlite3 *db, const char *sql)
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

static void noop_run(void *c, uint64_t n) { (void)c; (void)n; }

int main(void)
{
    char dir[] = "/tmp/tb-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/r.db", dir);

    tb_store *s = NULL;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    sqlite3 *db = tb_store_db(s);
    CHECK(q(db, "PRAGMA user_version") == TB_SCHEMA_VERSION);
    CHECK(q(db, "SELECT count(*) FROM meta WHERE key='application' AND value='tritbench'") == 1);
    CHECK(q(db, "PRAGMA foreign_keys") == 1);

    tb_machine m;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    int64_t mid, mid2, bid, rid, cid;
    CHECK(tb_store_machine(s, &m, &mid) == 0);
    CHECK(tb_store_machine(s, &m, &mid2) == 0 && mid == mid2); /* keyed by fingerprint */
    tb_build_info b = {.git_commit = "abc", .git_dirty = 1, .compiler = "GNU", .binary_hash = "h1"};
    CHECK(tb_store_build(s, &b, &bid) == 0);
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "tritbench run quick", "{}", "{}", "{}", &rid) == 0);
    tb_probe live = {.state = TB_AVAIL_LIVE}, absent = {.state = TB_AVAIL_ABSENT};
    snprintf(absent.reason, sizeof absent.reason, "no /sys/class/powercap");
    CHECK(tb_store_sampler_status(s, rid, "clock", &live) == 0);
    CHECK(tb_store_sampler_status(s, rid, "powercap", &absent) == 0);

    tb_workload wl = {.name = "unit", .version = "1", .run = noop_run};
    tb_case c = {.wl = &wl, .threads = 2, .m = 8, .n = 1, .k = 16, .batch = -1};
    snprintf(c.key, sizeof c.key, "unit/a");
    tb_rep reps[3] = {{.iters = 10, .wall_ns = 1000, .cpu_ns = 990, .cpu_start = 0, .cpu_end = 1, .steal_ticks = -1},
                      {.iters = 10, .wall_ns = 1100, .cpu_ns = 1000},
                      {.iters = 10, .wall_ns = 1050, .cpu_ns = 1000}};
    tb_case_result r = {.c = &c, .v = {.verified = 1, .max_abs_err = 0, .nmse = 0, .bound = 0, .checksum = 7},
                        .iters = 10, .clock_res_ns = 1, .nreps = 3, .reps = reps, .have_stats = 1};
    strcpy(r.status, "ok");
    r.counts.ops[TB_OP_INT8_ADD] = 128;
    double per[3] = {100, 110, 105};
    tb_stats_compute(per, 3, &r.st);
    tb_result_metric(&r, "gbps", 12.5, "GB/s", NULL);
    tb_result_metric(&r, "missing", NAN, "W", "no RAPL");
    tb_reading rd[2] = {0};
    rd[0].sampler = "perf";
    strcpy(rd[0].chan.name, "task-clock");
    strcpy(rd[0].chan.unit, "ns");
    rd[0].chan.kind = TB_CHAN_TIME;
    rd[0].value = 1000;
    rd[0].raw_delta = 1000;
    rd[1].sampler = "powercap";
    strcpy(rd[1].chan.name, "package-0");
    strcpy(rd[1].chan.domain, "package");
    rd[1].chan.kind = TB_CHAN_ENERGY;
    rd[1].value = 0.25;
    rd[1].wraps = 1;
    rd[1].window_ns = 1000000;
    int rr[2] = {1, 1};
    r.readings = rd;
    r.reading_rep = rr;
    r.nreadings = 2;
    r.nmodel = 1;
    r.model[0] = (tb_model_energy){"model-7nm", 1e-9};
    CHECK(tb_store_case(s, rid, &r, &cid) == 0);
    CHECK(tb_store_run_end(s, rid, "ok", "{}") == 0);

    CHECK(q(db, "SELECT count(*) FROM samples") == 3);
    CHECK(q(db, "SELECT steal_ticks FROM samples WHERE rep=1") == -999); /* unreadable -> NULL */
    CHECK(q(db, "SELECT cpu_end FROM samples WHERE rep=1") == 1);
    CHECK(q(db, "SELECT median FROM stats") == 105);
    CHECK(q(db, "SELECT ci_lo FROM stats") == -999); /* n < 6: no CI, NULL not 0 */
    CHECK(q(db, "SELECT value FROM metrics WHERE name='missing'") == -999);
    CHECK(q(db, "SELECT count(*) FROM metrics WHERE name='missing' AND note='no RAPL'") == 1);
    CHECK(q(db, "SELECT count(*) FROM counters WHERE event='task-clock' AND value=1000") == 1);
    CHECK(q(db, "SELECT count(*) FROM energy WHERE kind='measured' AND domain='package' AND wraps=1") == 1);
    CHECK(q(db, "SELECT count(*) FROM energy WHERE kind='modelled' AND source='model-7nm'") == 1);
    CHECK(q(db, "SELECT ops_int8_add FROM cases") == 128);
    CHECK(q(db, "SELECT count(*) FROM sampler_status WHERE available=0 AND reason LIKE 'no /sys%'") == 1);
    CHECK(q(db, "SELECT count(*) FROM runs WHERE status='ok' AND ended_at IS NOT NULL") == 1);
    CHECK(q(db, "SELECT count(*) FROM v_case_summary WHERE gbps=12.5") == 1);
    /* foreign keys enforced */
    CHECK(sqlite3_exec(db, "INSERT INTO samples(case_id,rep,iters,wall_ns) VALUES(999,1,1,1)", 0, 0, 0) != SQLITE_OK);
    tb_store_close(s);

    /* Re-open: same database accepted, data kept. */
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    CHECK(q(tb_store_db(s), "SELECT count(*) FROM cases") == 1);
    tb_store_close(s);
    CHECK(tb_store_open_readonly(path, &s, err, sizeof err) == 0);
    tb_store_close(s);

    /* Newer schema: refused, file untouched. */
    char newer[256];
    snprintf(newer, sizeof newer, "%s/newer.db", dir);
    sqlite3 *raw;
    sqlite3_open(newer, &raw);
    sqlite3_exec(raw, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                      "INSERT INTO meta VALUES('application','tritbench'); PRAGMA user_version=99;", 0, 0, 0);
    sqlite3_close(raw);
    uint64_t h0 = file_hash(newer);
    CHECK(tb_store_open(newer, &s, err, sizeof err) < 0);
    CHECK(strstr(err, "newer") != NULL);
    CHECK(file_hash(newer) == h0);

    /* Foreign SQLite database: refused, untouched. */
    char foreign[256];
    snprintf(foreign, sizeof foreign, "%s/foreign.db", dir);
    sqlite3_open(foreign, &raw);
    sqlite3_exec(raw, "CREATE TABLE customers(id INTEGER); INSERT INTO customers VALUES(1);", 0, 0, 0);
    sqlite3_close(raw);
    h0 = file_hash(foreign);
    CHECK(tb_store_open(foreign, &s, err, sizeof err) < 0);
    CHECK(strstr(err, "not a tritbench database") != NULL);
    CHECK(file_hash(foreign) == h0);

    /* Not SQLite at all: refused, untouched. */
    char text[256];
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    FILE *f = fopen(text, "w");
    fputs("these are my notes, not a database\n", f);
    for (int i = 0; i < 100; i++)
        fputs("padding line to exceed one sqlite header\n", f);
    fclose(f);
    h0 = file_hash(text);
    CHECK(tb_store_open(text, &s, err, sizeof err) < 0);
    CHECK(strstr(err, "not a SQLite database") != NULL);
    CHECK(file_hash(text) == h0);

    /* Read-only open of a missing file fails and creates nothing. */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    CHECK(tb_store_open_readonly(missing, &s, err, sizeof err) < 0);
    CHECK(access(missing, F_OK) != 0);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
