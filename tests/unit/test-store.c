/* test-store.c - store round trip (machine, build, run, run facts,
 * sampler status, a full case with parameters, counts, samples, stats,
 * metrics, counters, energy, a paired ratio), NULL for missing figures,
 * the parameter view, read-only cursors refusing writes, store errors
 * reported with SQLite's message (not a rollback's), and refusal of
 * newer, foreign, corrupt, in-memory and non-SQLite files without
 * touching them. */
#include "tb-machine.h"
#include "tb-store.h"
#include "tb-test.h"
#include "tb-test-db.h"

#include <stddef.h>

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void noop_run(void *c, uint64_t n) { (void)c; (void)n; }

typedef struct unit_params { char fmt[8]; int64_t rows; double scale; } unit_params;
static const tb_param_decl unit_decl[] = {
    {"fmt", TB_PARAM_TEXT, offsetof(unit_params, fmt), 8, "%s"},
    {"rows", TB_PARAM_INT, offsetof(unit_params, rows), 8, "r%lld"},
    {"scale", TB_PARAM_REAL, offsetof(unit_params, scale), 8, NULL},
};

int main(void)
{
    char dir[] = "/tmp/tb-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/r.db", dir);

    tb_store *s = NULL;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA foreign_keys=ON", 0, 0, 0);
    CHECK(q(db, "PRAGMA user_version") == TB_SCHEMA_VERSION);
    CHECK(q(db, "SELECT count(*) FROM meta WHERE key='application' AND value='tritbench'") == 1);
    CHECK(q(db, "PRAGMA foreign_keys") == 1);

    tb_machine m;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    int64_t mid, mid2, bid, rid, cid;
    CHECK(tb_store_machine(s, &m, &mid) == 0);
    CHECK(tb_store_machine(s, &m, &mid2) == 0 && mid == mid2); /* keyed by fingerprint */
    tb_build_info b = {.git_commit = "abc", .git_dirty = 1, .compiler = "GNU", .binary_sha256 = "ab12"};
    int64_t bid2;
    CHECK(tb_store_build(s, &b, &bid) == 0);
    CHECK(tb_store_build(s, &b, &bid2) == 0 && bid == bid2); /* keyed by the SHA-256 */
    tb_build_info nob = {.git_commit = "abc"};
    CHECK(tb_store_build(s, &nob, &bid2) < 0);
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "tritbench run quick", "{}", "{}", "{}", &rid) == 0);
    tb_probe live = {.state = TB_AVAIL_LIVE}, absent = {.state = TB_AVAIL_ABSENT};
    snprintf(absent.reason, sizeof absent.reason, "no /sys/class/powercap");
    CHECK(tb_store_sampler_status(s, rid, "clock", &live) == 0);
    CHECK(tb_store_sampler_status(s, rid, "powercap", &absent) == 0);
    CHECK(tb_store_run_fact(s, rid, "freq_unknown", "no cpufreq") == 0);

    tb_workload wl = {.name = "unit", .version = "1", .key_name = "u", .key_backend = 1, .params = unit_decl,
                      .nparams = 3, .run = noop_run};
    tb_case c = {.wl = &wl, .threads = 2, .cache = TB_CACHE_COLD};
    snprintf(c.backend, sizeof c.backend, "fp16_x");
    unit_params *up = TB_CASE_PARAMS(&c, unit_params);
    snprintf(up->fmt, sizeof up->fmt, "fp16");
    up->rows = 8;
    up->scale = 0.5;
    CHECK(tb_case_finish(&c) == 0);
    CHECK(strcmp(c.key, "u/fp16_x/fp16/r8/t2/cold") == 0);
    CHECK(tb_store_declare_workload(s, &wl) == 0);
    tb_rep reps[3] = {{.iters = 10, .wall_ns = 1000, .cpu_ns = 990, .cpu_start = 0, .cpu_end = 1, .steal_ticks = -1},
                      {.iters = 10, .wall_ns = 1100, .cpu_ns = 1000},
                      {.iters = 10, .wall_ns = 1050, .cpu_ns = 1000}};
    tb_case_result r = {.c = &c, .v = {.verified = 1, .max_abs_err = 0, .nmse = 0, .bound = 0, .checksum = 7},
                        .iters = 10, .clock_res_ns = 1, .nreps = 3, .reps = reps, .have_stats = 1,
                        .status = TB_STATUS_OK};
    r.counts.v[TB_CNT_INT8_ADD] = 128;
    r.counts.v[TB_CNT_BYTES_WEIGHTS] = 64;
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
    tb_step steps[5] = {{.ns = 5000, .n_tokens = 16, .phase = TB_STEP_PREFILL}, {.ns = 700, .n_tokens = 1, .phase = 1},
                        {.ns = 710, .n_tokens = 1, .phase = 1}, {.ns = 4900, .n_tokens = 16, .phase = 0},
                        {.ns = 690, .n_tokens = 1, .phase = 1}};
    int step_rep[5] = {1, 1, 1, 2, 2};
    r.steps = steps;
    r.step_rep = step_rep;
    r.nsteps = 5;
    CHECK(tb_store_case(s, rid, &r, 0, &cid) == 0);
    r.steps = NULL;
    r.step_rep = NULL;
    r.nsteps = 0;
    /* a second case of the group with a paired ratio over the first */
    tb_case c2 = c;
    snprintf(c2.backend, sizeof c2.backend, "tq2_x");
    CHECK(tb_case_finish(&c2) == 0);
    tb_case_result r2 = r;
    r2.c = &c2;
    r2.ratio = (tb_ratio){.valid = 1, .n = 3, .median = 4.5, .ci_lo = NAN, .ci_hi = NAN};
    int64_t cid2;
    CHECK(tb_store_case(s, rid, &r2, cid, &cid2) == 0);
    CHECK(tb_store_run_end(s, rid, "ok", "{}") == 0);
    CHECK(tb_store_run_end(s, 9999, "ok", "{}") < 0 && strstr(tb_store_errmsg(s), "no such run"));

    CHECK(q(db, "SELECT count(*) FROM samples WHERE case_id=1") == 3);
    CHECK(q(db, "SELECT count(*) FROM tokens WHERE case_id=1") == 5);
    CHECK(q(db, "SELECT count(*) FROM tokens WHERE case_id=2") == 0);
    CHECK(q(db, "SELECT ns FROM tokens WHERE case_id=1 AND rep=2 AND step=1 AND phase='decode'") == 690);
    CHECK(q(db, "SELECT n_tokens FROM tokens WHERE case_id=1 AND rep=2 AND step=0 AND phase='prefill'") == 16);
    CHECK(q(db, "SELECT steal_ticks FROM samples WHERE rep=1") == -999); /* unreadable -> NULL */
    CHECK(q(db, "SELECT cpu_end FROM samples WHERE rep=1") == 1);
    CHECK(q(db, "SELECT median FROM stats") == 105);
    CHECK(q(db, "SELECT ci_lo FROM stats") == -999); /* n < 6: no CI, NULL not 0 */
    CHECK(q(db, "SELECT value FROM metrics WHERE name='missing'") == -999);
    CHECK(q(db, "SELECT count(*) FROM metrics WHERE name='missing' AND note='no RAPL'") == 2);
    CHECK(q(db, "SELECT count(*) FROM counters WHERE event='task-clock' AND value=1000 AND case_id=1") == 1);
    CHECK(q(db, "SELECT count(*) FROM energy WHERE kind='measured' AND domain='package' AND wraps=1") == 2);
    CHECK(q(db, "SELECT count(*) FROM energy WHERE kind='modelled' AND source='model-7nm'") == 2);
    CHECK(q(db, "SELECT count(*) FROM energy WHERE kind='modelled' AND source='model-45nm' AND joules > 0") == 2);
    CHECK(q(db, "SELECT value FROM counts WHERE quantity='int8_add' AND case_id=1") == 128);
    CHECK(q(db, "SELECT count(*) FROM counts WHERE case_id=1") == TB_CNT__COUNT);
    CHECK(q(db, "SELECT rows FROM v_params_unit WHERE case_id=1") == 8);
    CHECK(q(db, "SELECT count(*) FROM v_params_unit WHERE fmt='fp16' AND scale=0.5 AND cache_mode='cold'") == 2);
    CHECK(q(db, "SELECT count(*) FROM ratios WHERE baseline_case_id=1 AND median=4.5 AND ci_lo IS NULL") == 1);
    CHECK(q(db, "SELECT count(*) FROM run_facts WHERE fact='freq_unknown'") == 1);
    CHECK(q(db, "SELECT output_checksum = '0000000000000007' FROM cases WHERE id=1") == 1);
    CHECK(q(db, "SELECT count(*) FROM builds WHERE binary_sha256='ab12' AND binary_fnv1a64 IS NULL") == 1);
    CHECK(q(db, "SELECT count(*) FROM sampler_status WHERE available=0 AND reason LIKE 'no /sys%'") == 1);
    CHECK(q(db, "SELECT count(*) FROM runs WHERE status='ok' AND ended_at IS NOT NULL") == 1);
    CHECK(q(db, "SELECT count(*) FROM v_case_summary WHERE gbps=12.5 AND speedup IS NULL") == 1);
    CHECK(q(db, "SELECT count(*) FROM cases WHERE status NOT IN ('ok')") == 0);
    /* derived figures replaced (a run re-deriving against its end-of-run
     * ceilings): metrics and flags of that case only, the rest untouched */
    {
        tb_case_result rdv = r;
        rdv.nmetrics = 0;
        tb_result_metric(&rdv, "gbps", 11.0, "GB/s", "again");
        tb_result_metric(&rdv, "roofline_pct", 88.0, "%", NULL);
        snprintf(rdv.flags, sizeof rdv.flags, "unstable");
        snprintf(rdv.flags_reason, sizeof rdv.flags_reason, "unstable: CV 9%%");
        CHECK(tb_store_case_derived(s, cid, &rdv) == 0);
        CHECK(q(db, "SELECT count(*) FROM metrics WHERE case_id=1") == 2);
        CHECK(q(db, "SELECT count(*) FROM metrics WHERE case_id=1 AND name='gbps' AND value=11 AND note='again'") == 1);
        CHECK(q(db, "SELECT count(*) FROM metrics WHERE case_id=2 AND name='gbps' AND value=12.5") == 1);
        CHECK(q(db, "SELECT count(*) FROM cases WHERE id=1 AND flags='unstable' AND flags_reason='unstable: CV 9%'") == 1);
        CHECK(q(db, "SELECT median FROM stats WHERE case_id=1") == 105);
        rdv.flags[0] = rdv.flags_reason[0] = 0;
        CHECK(tb_store_case_derived(s, cid, &rdv) == 0);
        CHECK(q(db, "SELECT count(*) FROM cases WHERE id=1 AND flags IS NULL AND flags_reason IS NULL") == 1);
        CHECK(tb_store_case_derived(s, 9999, &rdv) == -ENOENT && strstr(tb_store_errmsg(s), "no such case"));
        CHECK(q(db, "SELECT count(*) FROM metrics WHERE case_id=1") == 2); /* the failed update left it */
        CHECK(tb_store_case_derived(s, cid, &r) == 0);                   /* back as it was */
    }
    /* foreign keys enforced */
    CHECK(sqlite3_exec(db, "INSERT INTO samples(case_id,rep,iters,wall_ns) VALUES(999,1,1,1)", 0, 0, 0) != SQLITE_OK);

    /* cursors: read-only statements only */
    tb_cursor *cur = tb_store_select(s, "SELECT count(*), sum(threads) FROM cases WHERE run_id=?");
    CHECK(cur != NULL);
    if (cur) {
        CHECK(tb_cursor_bind_int(cur, 1, rid) == 0);
        CHECK(tb_cursor_next(cur) == 1 && tb_cursor_int(cur, 0) == 2 && tb_cursor_real(cur, 1) == 4);
        CHECK(tb_cursor_next(cur) == 0);
        tb_cursor_close(cur);
    }
    CHECK(tb_store_select(s, "DELETE FROM cases") == NULL && strstr(tb_store_errmsg(s), "would write"));
    CHECK(tb_store_select(s, "SELECT nonsense FROM nowhere") == NULL && strstr(tb_store_errmsg(s), "nowhere"));

    /* a store error says what SQLite said, not what the rollback said */
    CHECK(sqlite3_exec(db, "DROP TABLE ratios", 0, 0, 0) == SQLITE_OK);
    tb_case_result r3 = r2;
    CHECK(tb_store_case(s, rid, &r3, cid, NULL) < 0);
    CHECK(strstr(tb_store_errmsg(s), "ratios") != NULL);
    CHECK(strstr(tb_store_errmsg(s), "rollback") == NULL);
    CHECK(q(db, "SELECT count(*) FROM cases") == 2); /* the failed case left nothing */
    tb_store_close(s);
    sqlite3_close(db);

    /* Re-open: same database accepted, data kept. */
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    tb_store_close(s);
    CHECK(tb_store_open_readonly(path, &s, err, sizeof err) == 0);
    tb_store_close(s);

    /* In-memory and URI databases would vanish: refused. */
    CHECK(tb_store_open("", &s, err, sizeof err) < 0 && strstr(err, "not a file path"));
    CHECK(tb_store_open(":memory:", &s, err, sizeof err) < 0 && strstr(err, "not a file path"));
    CHECK(tb_store_open("file:x.db?mode=memory", &s, err, sizeof err) < 0);

    /* Corrupt database: refused, untouched. */
    char corrupt[256];
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.db", dir);
    CHECK(tb_store_open(corrupt, &s, err, sizeof err) == 0);
    tb_store_close(s);
    {
        sqlite3 *raw0;
        sqlite3_open(corrupt, &raw0);
        sqlite3_exec(raw0, "PRAGMA journal_mode=DELETE", 0, 0, 0);
        int64_t root = q(raw0, "SELECT rootpage FROM sqlite_master WHERE name='cases'");
        sqlite3_close(raw0);
        FILE *cf = fopen(corrupt, "r+b");
        CHECK(cf != NULL);
        if (cf) {
            /* scribble over the second page (a table's b-tree page) */
            char junk[4096];
            memset(junk, 0x5a, sizeof junk);
            fseek(cf, (long)(root - 1) * 4096, SEEK_SET); /* the cases table's b-tree page */
            fwrite(junk, 1, sizeof junk, cf);
            fclose(cf);
        }
        uint64_t hc = file_hash(corrupt);
        CHECK(tb_store_open(corrupt, &s, err, sizeof err) < 0);
        CHECK(strstr(err, "corrupt") != NULL || strstr(err, "malformed") != NULL);
        CHECK(file_hash(corrupt) == hc);
    }

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
