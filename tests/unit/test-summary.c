/* test-summary.c - the run summary read back from a synthetic database:
 * the header states the machine and each fact of the run once; the
 * bandwidth table has GB/s and no GOP/s; the matmul table shows the cache
 * mode, the ceiling a roofline % was computed against, 'suspect' instead
 * of a roofline above the margin, the paired speedup with its CI and the
 * baseline; the summary writes nothing to the database.  An `isa` run gets
 * the ladder table (speedups over the scalar and AVX2 levels of the same
 * format and group); other suites do not. */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-params.h"
#include "tb-store.h"
#include "tb-test.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static tb_case_result result(tb_case *c, tb_rep *reps, double median)
{
    tb_case_result r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.status = TB_STATUS_OK;
    r.v.verified = 1;
    r.iters = 1;
    r.nreps = 6;
    r.reps = reps;
    double per[6];
    for (int i = 0; i < 6; i++) {
        reps[i] = (tb_rep){.iters = 1, .wall_ns = (uint64_t)median, .round = i, .steal_ticks = -1};
        per[i] = median;
    }
    tb_stats_compute(per, 6, &r.st);
    r.have_stats = 1;
    r.best_ns = median;
    return r;
}

static void mm_case(tb_case *c, const char *backend, const char *fmt, tb_cache_mode cache, int baseline)
{
    memset(c, 0, sizeof *c);
    c->wl = tb_matmul_workload();
    c->threads = 1;
    c->cache = cache;
    c->baseline = baseline;
    snprintf(c->backend, sizeof c->backend, "%s", backend);
    tb_mm_params *p = TB_CASE_PARAMS(c, tb_mm_params);
    snprintf(p->format, sizeof p->format, "%s", fmt);
    snprintf(p->shape, sizeof p->shape, "4096x4096");
    p->rows = p->cols = 4096;
    p->n = 1;
    snprintf(c->group, sizeof c->group, "matmul/4096x4096/n1/t1/%s", tb_cache_mode_name(cache));
    tb_case_finish(c);
}

int main(void)
{
    char dir[] = "/tmp/tb-summary-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], out[256], err[512];
    snprintf(path, sizeof path, "%s/s.db", dir);
    snprintf(out, sizeof out, "%s/summary.txt", dir);
    tb_store *s = NULL;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    tb_machine m;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    tb_build_info b = {.git_commit = "0123456789abcdef", .binary_sha256 = "feed"};
    int64_t mid, bid, rid, base_id = 0, cid;
    CHECK(tb_store_machine(s, &m, &mid) == 0 && tb_store_build(s, &b, &bid) == 0);
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "tritbench run quick", "{}", "{}", NULL, &rid) == 0);
    CHECK(tb_store_run_fact(s, rid, "freq_unknown", "no cpufreq interface") == 0);

    /* ceilings: a 64 MiB read probe beyond a 32 MiB LLC at 20 GB/s */
    tb_ceilings *cl = malloc(sizeof *cl);
    tb_ceilings_init(cl, 32.0 * 1048576);
    tb_ceiling_obs o = {.kind = TB_CEIL_READ_BW, .threads = 1, .bytes = 64.0 * 1048576, .best = 20, .median = 18};
    snprintf(o.key, sizeof o.key, "bw/read/avx2/64MiB/t1");
    tb_ceilings_add(cl, &o);
    /* compute peaks of two ISA levels: an AVX2 GEMM is judged against the AVX2 one */
    tb_ceiling_obs pk8 = {.kind = TB_CEIL_PEAK_INT8, .threads = 1, .best = 170, .median = 160};
    snprintf(pk8.key, sizeof pk8.key, "peak/int8-avx2/t1");
    snprintf(pk8.isa, sizeof pk8.isa, "avx2");
    tb_ceilings_add(cl, &pk8);
    tb_ceiling_obs pkv = {.kind = TB_CEIL_PEAK_INT8, .threads = 1, .best = 600, .median = 580};
    snprintf(pkv.key, sizeof pkv.key, "peak/int8-avx512vnni/t1");
    snprintf(pkv.isa, sizeof pkv.isa, "avx512vnni");
    tb_ceilings_add(cl, &pkv);

    tb_rep reps[4][6];
    tb_case bw;
    memset(&bw, 0, sizeof bw);
    bw.wl = tb_probe_bw_workload();
    bw.threads = 1;
    tb_bw_params *bp = TB_CASE_PARAMS(&bw, tb_bw_params);
    snprintf(bp->kind, sizeof bp->kind, "read");
    snprintf(bp->impl, sizeof bp->impl, "avx2");
    bp->mib = 64;
    bp->bytes_per_array = 64 << 20;
    tb_case_finish(&bw);
    tb_case_result rb = result(&bw, reps[0], 64.0 * 1048576 / 18);
    rb.best_ns = 64.0 * 1048576 / 20; /* median 18 GB/s, fastest repetition 20 GB/s */
    rb.counts.v[TB_CNT_BYTES_ACTS] = 64.0 * 1048576;
    rb.counts.v[TB_CNT_FP32_ADD] = 16.0 * 1048576;
    tb_derive(&rb, cl);
    CHECK(tb_store_case(s, rid, &rb, 0, &cid) == 0);

    /* the same probe at the end of the suite, 50% slower: a drift line */
    tb_case bwe = bw;
    snprintf(TB_CASE_PARAMS(&bwe, tb_bw_params)->phase, sizeof bp->phase, "end");
    tb_case_finish(&bwe);
    tb_rep reps_end[6];
    tb_case_result re = result(&bwe, reps_end, 64.0 * 1048576 / 10);
    re.counts = rb.counts;
    tb_derive(&re, cl);
    CHECK(tb_store_case(s, rid, &re, 0, &cid) == 0);

    tb_case f16, t2;
    mm_case(&f16, "fp16_avx2", "fp16", TB_CACHE_COLD, 1);
    mm_case(&t2, "tq2_avx2", "tq2", TB_CACHE_COLD, 0);
    tb_case_result r1 = result(&f16, reps[1], 32.0 * 1048576 / 16); /* 16 GB/s: 80% */
    r1.counts.v[TB_CNT_BYTES_WEIGHTS] = 32.0 * 1048576;
    r1.counts.v[TB_CNT_FP32_MUL] = r1.counts.v[TB_CNT_FP32_ADD] = 4096.0 * 4096;
    tb_derive(&r1, cl);
    CHECK(tb_store_case(s, rid, &r1, 0, &base_id) == 0);
    tb_case_result r2 = result(&t2, reps[2], 4.0 * 1048576 / 30); /* 30 GB/s > 1.05 x 20: suspect */
    r2.counts.v[TB_CNT_BYTES_WEIGHTS] = 4.0 * 1048576;
    r2.counts.v[TB_CNT_INT8_ADD] = 4096.0 * 4096;
    r2.ratio = (tb_ratio){.valid = 1, .n = 6, .median = 7.5, .ci_lo = 7.1, .ci_hi = 7.9};
    tb_derive(&r2, cl);
    CHECK(strstr(r2.flags, "ceiling_suspect") != NULL);
    CHECK(tb_store_case(s, rid, &r2, base_id, &cid) == 0);
    /* int8_avx2 at n = 512, hot, at half the AVX2 int8 peak (170 GOP/s) */
    tb_case g8;
    mm_case(&g8, "int8_avx2", "int8", TB_CACHE_HOT, 0);
    snprintf(g8.isa, sizeof g8.isa, "avx2");
    TB_CASE_PARAMS(&g8, tb_mm_params)->n = 512;
    snprintf(g8.group, sizeof g8.group, "matmul/4096x4096/n512/t1/hot");
    tb_case_finish(&g8);
    const double macs = 4096.0 * 4096 * 512;
    tb_case_result r3 = result(&g8, reps[3], macs / 85 / 0.5);
    r3.counts.v[TB_CNT_BYTES_WEIGHTS] = 16.0 * 1048576;
    r3.counts.v[TB_CNT_INT8_MUL] = r3.counts.v[TB_CNT_INT8_ADD] = macs;
    tb_derive(&r3, cl);
    CHECK(tb_store_case(s, rid, &r3, 0, &cid) == 0);
    CHECK(tb_store_run_end(s, rid, "ok", NULL) == 0);

    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *st;
    int64_t before = -1, after = -2;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM cases)", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        before = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);

    fflush(stdout);
    int saved = dup(1);
    CHECK(freopen(out, "w", stdout) != NULL);
    int rc = tb_summary_print(s, rid, 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK(rc == 0);

    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM cases)", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        after = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    CHECK(before == after && before > 0); /* the summary only reads */
    sqlite3_close(db);

    static char text[16384];
    FILE *f = fopen(out, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    CHECK(strstr(text, "run fact freq_unknown: no cpufreq interface") != NULL);
    CHECK(strstr(text, "bandwidth") && strstr(text, "GB/s"));
    const char *bwrow = strstr(text, "bw/read/avx2/64MiB/t1");
    char bwline[512] = "";
    if (bwrow)
        sscanf(bwrow, "%511[^\n]", bwline);
    CHECK(strstr(bwline, "18.00") && strstr(bwline, "20.00")); /* median and best, on the probe's own row */
    const char *bwhead = strstr(text, "\nbandwidth");
    char firstline[256] = "";
    if (bwhead)
        sscanf(bwhead + 1, "%255[^\n]", firstline);
    CHECK(firstline[0] && !strstr(firstline, "GOP/s")); /* no GOP/s column for a memory probe */
    const char *row1 = strstr(text, "matmul/fp16_avx2/4096x4096/n1/t1/cold");
    const char *row2 = strstr(text, "matmul/tq2_avx2/4096x4096/n1/t1/cold");
    CHECK(row1 && row2);
    char l1[512] = "", l2[512] = "";
    if (row1)
        sscanf(row1, "%511[^\n]", l1);
    if (row2)
        sscanf(row2, "%511[^\n]", l2);
    CHECK(strstr(l1, "cold") && strstr(l1, "80%") && strstr(l1, "rd64M 20.0") && strstr(l1, "baseline"));
    CHECK(strstr(l2, "suspect") && strstr(l2, "7.50x [7.10,7.90]") && strstr(l2, "ceiling_suspect"));
    CHECK(strstr(text, "1 case(s) beat their ceiling") != NULL);
    const char *row3 = strstr(text, "matmul/int8_avx2/4096x4096/n512/t1/hot");
    char l3[512] = "";
    if (row3)
        sscanf(row3, "%511[^\n]", l3);
    CHECK(strstr(l3, "50%") && strstr(l3, "pk avx2 170")); /* its own level's peak, named */
    const char *drift = strstr(text, "ceiling drift");
    CHECK(drift && strstr(drift, "bw/read/avx2/64MiB/t1") && strstr(drift, "-50%")); /* best 20 -> 10 GB/s */
    if (tb_test_failures)
        fputs(text, stderr);

    CHECK(strstr(text, "ISA ladder") == NULL); /* a quick run has no ladder table */

    /* an isa run: tq2 at three levels in one group, 100 / 10 / 5 us */
    int64_t rid2;
    CHECK(tb_store_run_begin(s, mid, bid, "isa", "tritbench run isa", "{}", "{}", NULL, &rid2) == 0);
    static const struct { const char *backend, *isa; double ns; } lv[] = {
        {"tq2_ref", "scalar", 100000}, {"tq2_avx2", "avx2", 10000}, {"tq2_avx512vnni", "avx512vnni", 5000}};
    tb_case lc[3];
    tb_rep lreps[3][6];
    for (int i = 0; i < 3; i++) {
        mm_case(&lc[i], lv[i].backend, "tq2", TB_CACHE_COLD, 0);
        snprintf(lc[i].isa, sizeof lc[i].isa, "%s", lv[i].isa);
        tb_case_result lr = result(&lc[i], lreps[i], lv[i].ns);
        lr.counts.v[TB_CNT_BYTES_WEIGHTS] = 4.0 * 1048576;
        tb_derive(&lr, cl);
        CHECK(tb_store_case(s, rid2, &lr, 0, &cid) == 0);
    }
    CHECK(tb_store_run_end(s, rid2, "ok", NULL) == 0);
    fflush(stdout);
    saved = dup(1);
    CHECK(freopen(out, "w", stdout) != NULL);
    rc = tb_summary_print(s, rid2, 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK(rc == 0);
    f = fopen(out, "r");
    n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    const char *lad = strstr(text, "ISA ladder");
    CHECK(lad != NULL);
    const char *la = lad ? strstr(lad, "tq2_avx2 ") : NULL, *lb = lad ? strstr(lad, "tq2_avx512vnni") : NULL;
    const char *lr0 = lad ? strstr(lad, "tq2_ref") : NULL;
    char la1[512] = "", lb1[512] = "", lr1[512] = "";
    if (la)
        sscanf(la, "%511[^\n]", la1);
    if (lb)
        sscanf(lb, "%511[^\n]", lb1);
    if (lr0)
        sscanf(lr0, "%511[^\n]", lr1);
    CHECK(strstr(la1, "10.00x") && strstr(la1, "1.00x"));  /* avx2: 10x over scalar */
    CHECK(strstr(lb1, "20.00x") && strstr(lb1, "2.00x"));  /* avx512vnni: 20x scalar, 2x avx2 */
    CHECK(strstr(lr1, "1.00x") && strstr(lr1, "0.10x"));   /* scalar vs avx2 */
    CHECK(lad && strstr(lad, "\ntq2    4096x4096/n1/t1/cold ")); /* the group, without "matmul/" */
    CHECK(strstr(la1, "suspect") != NULL); /* 4 MiB in 10 us beats the 20 GB/s ceiling */
    if (tb_test_failures)
        fputs(text, stderr);

    tb_store_close(s);
    free(cl);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
