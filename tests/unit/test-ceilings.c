/* test-ceilings.c - the choice of the ceiling a case is judged against,
 * on synthetic probe results: best repetition (not the median), start and
 * end both kept with the higher used, cold cases against the probe beyond
 * the LLC, hot cases against a cache-resident probe of the weights' size
 * class; and the derived figures of a synthetic matmul result: roofline
 * share against the chosen ceiling, ceiling_suspect when a case beats its
 * ceiling by more than 5%, probes feeding the ceilings from their best
 * repetition; a GEMM judged against the compute peak of its own ISA level
 * and data type (an AVX2 int8 case against vpmaddubsw on ymm, never the
 * faster AVX-512 VNNI probe), and a peak probe feeding its ISA level. */
#include "tb-bench.h"
#include "tb-params.h"
#include "tb-test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static void add(tb_ceilings *c, tb_ceil_kind k, int t, double mib, int end, double best, double med, const char *key)
{
    tb_ceiling_obs o = {.kind = k, .threads = t, .bytes = mib * 1048576, .end = end, .best = best, .median = med};
    snprintf(o.key, sizeof o.key, "%s", key);
    CHECK(tb_ceilings_add(c, &o) == 0);
}

static void add_peak(tb_ceilings *c, tb_ceil_kind k, int t, int end, double best, const char *key, const char *isa)
{
    tb_ceiling_obs o = {.kind = k, .threads = t, .end = end, .best = best, .median = best * 0.9};
    snprintf(o.key, sizeof o.key, "%s", key);
    snprintf(o.isa, sizeof o.isa, "%s", isa);
    CHECK(tb_ceilings_add(c, &o) == 0);
}

static tb_case_result mm_result(tb_case *c, const tb_workload *wl, const char *fmt, tb_cache_mode cache,
                                double wbytes, double median_ns)
{
    memset(c, 0, sizeof *c);
    c->wl = wl;
    c->threads = 1;
    c->cache = cache;
    tb_mm_params *p = TB_CASE_PARAMS(c, tb_mm_params);
    snprintf(p->format, sizeof p->format, "%s", fmt);
    p->rows = 4096;
    p->cols = 4096;
    p->n = 1;
    tb_case_result r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.status = TB_STATUS_OK;
    r.have_stats = 1;
    r.st.median = median_ns;
    r.best_ns = median_ns;
    r.counts.v[TB_CNT_BYTES_WEIGHTS] = wbytes;
    r.counts.v[TB_CNT_INT8_ADD] = 4096.0 * 4096;
    return r;
}

/* A compute-bound 4096x4096 n=512 GEMM of fmt at ISA level isa, hot (17.2
 * GMAC in 200 ms), is judged against the compute peak `peak` and its
 * roofline share follows from it. */
static void gemm_judged(const tb_ceilings *lad, const char *fmt, const char *isa, double peak)
{
    tb_case gc;
    tb_case_result gr = mm_result(&gc, tb_matmul_workload(), fmt, TB_CACHE_HOT, 4.0 * 1048576, 2e8);
    snprintf(gc.isa, sizeof gc.isa, "%s", isa);
    TB_CASE_PARAMS(&gc, tb_mm_params)->n = 512;
    tb_derive(&gr, lad);
    double pk = tb_result_metric_value(&gr, "peak_ceiling_gops");
    if (pk != peak)
        fprintf(stderr, "%s_%s judged against %.0f GOP/s, want %.0f\n", fmt, isa, pk, peak);
    CHECK(pk == peak);
    CHECK_NEAR(tb_result_metric_value(&gr, "roofline_pct"), 100 * (4096.0 * 4096 * 512 / (peak / 2)) / 2e8, 1e-6);
}

int main(void)
{
    tb_ceilings *cl = malloc(sizeof *cl);
    tb_ceilings_init(cl, 32.0 * 1048576); /* a 32 MiB LLC */
    add(cl, TB_CEIL_READ_BW, 1, 4, 0, 60, 40, "bw/read/avx2/4MiB/t1");
    add(cl, TB_CEIL_READ_BW, 1, 8, 0, 50, 30, "bw/read/avx2/8MiB/t1");
    add(cl, TB_CEIL_READ_BW, 1, 16, 0, 45, 35, "bw/read/avx2/16MiB/t1");
    add(cl, TB_CEIL_READ_BW, 1, 32, 0, 20, 9, "bw/read/avx2/32MiB/t1"); /* = LLC: neither cache nor DRAM class */
    add(cl, TB_CEIL_READ_BW, 1, 128, 0, 18, 10, "bw/read/avx2/128MiB/t1");
    add(cl, TB_CEIL_READ_BW, 1, 128, 1, 21, 12, "bw/read/avx2/128MiB/t1");
    add(cl, TB_CEIL_READ_BW, 2, 128, 0, 30, 25, "bw/read/avx2/128MiB/t2");
    add_peak(cl, TB_CEIL_PEAK_INT8, 1, 0, 200, "peak/int8-avx2/t1", "avx2");
    add_peak(cl, TB_CEIL_PEAK_INT8, 1, 1, 190, "peak/int8-avx2/t1", "avx2");
    add_peak(cl, TB_CEIL_PEAK_FP32, 1, 0, 100, "peak/fp32-avx2/t1", "avx2");

    tb_ceiling_pick p;
    /* cold: DRAM probe, the higher of start and end */
    CHECK(tb_ceiling_bandwidth(cl, 1, TB_CACHE_COLD, 4.0 * 1048576, &p) == 0);
    CHECK(p.bytes == 128.0 * 1048576 && p.value == 21 && p.start == 18 && p.end == 21);
    CHECK(strstr(p.note, "beyond the LLC") && strstr(p.note, "start 18.0") && strstr(p.note, "end 21.0"));
    /* hot: smallest cache-resident probe >= the weights */
    CHECK(tb_ceiling_bandwidth(cl, 1, TB_CACHE_HOT, 5.0 * 1048576, &p) == 0 && p.bytes == 8.0 * 1048576 && p.value == 50);
    CHECK(tb_ceiling_bandwidth(cl, 1, TB_CACHE_HOT, 1.0 * 1048576, &p) == 0 && p.bytes == 4.0 * 1048576);
    /* hot, weights above LLC/2 but in the LLC: the largest cache-resident probe, never the 32 MiB one */
    CHECK(tb_ceiling_bandwidth(cl, 1, TB_CACHE_HOT, 20.0 * 1048576, &p) == 0 && p.bytes == 16.0 * 1048576);
    /* hot, weights larger than the LLC: DRAM */
    CHECK(tb_ceiling_bandwidth(cl, 1, TB_CACHE_HOT, 64.0 * 1048576, &p) == 0 && p.bytes == 128.0 * 1048576);
    /* threads must match */
    CHECK(tb_ceiling_bandwidth(cl, 2, TB_CACHE_COLD, 1, &p) == 0 && p.value == 30);
    CHECK(tb_ceiling_bandwidth(cl, 4, TB_CACHE_COLD, 1, &p) == -ENOENT);
    CHECK(tb_ceiling_peak(cl, TB_CEIL_PEAK_INT8, 1, "avx2", &p) == 0 && p.value == 200 && p.start == 200 && p.end == 190);
    CHECK(tb_ceiling_peak(cl, TB_CEIL_PEAK_FP32, 2, "avx2", &p) == -ENOENT);

    /* every ISA level's peak in one run: each case meets its own level's */
    tb_ceilings *lad = malloc(sizeof *lad);
    tb_ceilings_init(lad, 32.0 * 1048576);
    add_peak(lad, TB_CEIL_PEAK_FP32, 1, 0, 176, "peak/fp32-avx512/t1", "avx512");
    add_peak(lad, TB_CEIL_PEAK_FP32, 1, 0, 88, "peak/fp32-avx2/t1", "avx2");
    add_peak(lad, TB_CEIL_PEAK_INT8, 1, 0, 620, "peak/int8-avx512vnni/t1", "avx512vnni");
    add_peak(lad, TB_CEIL_PEAK_INT8, 1, 0, 330, "peak/int8-avx512/t1", "avx512");
    add_peak(lad, TB_CEIL_PEAK_INT8, 1, 0, 310, "peak/int8-avxvnni/t1", "avxvnni");
    add_peak(lad, TB_CEIL_PEAK_INT8, 1, 0, 165, "peak/int8-avx2/t1", "avx2");
    add_peak(lad, TB_CEIL_PEAK_INT8, 1, 1, 170, "peak/int8-avx2/t1", "avx2");
    CHECK(tb_ceiling_peak(lad, TB_CEIL_PEAK_INT8, 1, "avx2", &p) == 0 && p.value == 170 && p.start == 165);
    CHECK(strstr(p.note, "peak/int8-avx2/t1") && !strstr(p.note, "no "));
    CHECK(tb_ceiling_peak(lad, TB_CEIL_PEAK_INT8, 1, "avxvnni", &p) == 0 && p.value == 310);
    CHECK(tb_ceiling_peak(lad, TB_CEIL_PEAK_INT8, 1, NULL, &p) == 0 && p.value == 620); /* no level: the fastest */
    /* a level without a probe of its own: the fastest, and the note says so */
    CHECK(tb_ceiling_peak(lad, TB_CEIL_PEAK_INT8, 1, "neondot", &p) == 0 && p.value == 620);
    CHECK(strstr(p.note, "no neondot int8") && strstr(p.note, "peak/int8-avx512vnni/t1"));
    /* the variant -> probe level map */
    CHECK(!strcmp(tb_probe_peak_isa(1, "avx2"), "avx2") && !strcmp(tb_probe_peak_isa(0, "avx2"), "avx2"));
    CHECK(!strcmp(tb_probe_peak_isa(1, "avxvnni"), "avxvnni") && !strcmp(tb_probe_peak_isa(0, "avxvnni"), "avx2"));
    CHECK(!strcmp(tb_probe_peak_isa(1, "avx512vnni"), "avx512vnni"));
    CHECK(!strcmp(tb_probe_peak_isa(0, "avx512vnni"), "avx512"));
    CHECK(!strcmp(tb_probe_peak_isa(1, "avx512vbmi"), "avx512") && !strcmp(tb_probe_peak_isa(0, "avx512bf16"), "avx512"));
    CHECK(!strcmp(tb_probe_peak_isa(1, "scalar"), "scalar"));
    {
        static const struct { const char *fmt, *isa; double peak; } gemm[] = {
            {"int8", "avx2", 170}, {"tq2", "avx2", 170}, {"tq1", "avxvnni", 310}, {"tl", "avx512", 330},
            {"int8", "avx512vnni", 620}, {"fp16", "avx2", 88}, {"bf16", "avx512bf16", 176}, {"fp16", "avx512", 176},
        };
        for (size_t g = 0; g < sizeof gemm / sizeof gemm[0]; g++)
            gemm_judged(lad, gemm[g].fmt, gemm[g].isa, gemm[g].peak);
        /* with the ternary-step probe in the run (above: none, so the
         * ternary AVX2 GEMMs fell back to the int8 peak), they meet it, and
         * only they: int8 at avx2 and ternary at avxvnni keep their int8 peaks */
        CHECK(tb_probe_peak_tern("tq2", "avx2") && tb_probe_peak_tern("tq1", "avx2") &&
              tb_probe_peak_tern("tl", "avx2"));
        CHECK(!tb_probe_peak_tern("int8", "avx2") && !tb_probe_peak_tern("tq2", "avxvnni") &&
              !tb_probe_peak_tern("tq1", "avx512vnni") && !tb_probe_peak_tern("fp16", "avx2"));
        add_peak(lad, TB_CEIL_PEAK_TERN, 1, 0, 255, "peak/tern-avx2/t1", "avx2");
        static const struct { const char *fmt, *isa; double peak; } tern[] = {
            {"tq2", "avx2", 255}, {"tq1", "avx2", 255}, {"tl", "avx2", 255},
            {"int8", "avx2", 170}, {"tq2", "avxvnni", 310}, {"tq1", "avx512vnni", 620},
        };
        for (size_t g = 0; g < sizeof tern / sizeof tern[0]; g++)
            gemm_judged(lad, tern[g].fmt, tern[g].isa, tern[g].peak);
        CHECK(tb_ceiling_peak(lad, TB_CEIL_PEAK_TERN, 1, "avx2", &p) == 0 && strstr(p.note, "ternary-step"));
    }
    free(lad);

    /* derived: a cold tq2-like GEMV, 4 MiB of weights in 400 us = 10.5 GB/s vs 21 */
    tb_case c;
    tb_case_result r = mm_result(&c, tb_matmul_workload(), "tq2", TB_CACHE_COLD, 4.0 * 1048576, 400000);
    tb_derive(&r, cl);
    double roof = tb_result_metric_value(&r, "roofline_pct"), bw = tb_result_metric_value(&r, "bw_ceiling_gbps");
    CHECK(bw == 21);
    CHECK_NEAR(roof, 100 * (4.0 * 1048576 / 21) / 400000, 1e-9);
    CHECK(!strstr(r.flags, "ceiling_suspect"));
    /* the same case at 150 us: 28 GB/s > 1.05 x 21: suspect, with both figures in the reason */
    r = mm_result(&c, tb_matmul_workload(), "tq2", TB_CACHE_COLD, 4.0 * 1048576, 150000);
    tb_derive(&r, cl);
    CHECK(strstr(r.flags, "ceiling_suspect") && strstr(r.flags_reason, "21.0 GB/s ceiling") && strstr(r.flags_reason, "28.0 GB/s measured"));
    CHECK(tb_result_metric_value(&r, "roofline_pct") > 100);
    for (int i = 0; i < r.nmetrics; i++)
        if (!strcmp(r.metrics[i].name, "roofline_pct"))
            CHECK(strstr(r.metrics[i].note, "SUSPECT") != NULL);
    /* 4% above the ceiling is within the margin */
    r = mm_result(&c, tb_matmul_workload(), "tq2", TB_CACHE_COLD, 4.0 * 1048576, 4.0 * 1048576 / (21 * 1.04));
    tb_derive(&r, cl);
    CHECK(!strstr(r.flags, "ceiling_suspect"));
    /* derived again once a better ceiling came in (the end-of-run probe):
     * the suspect flag and its reason go, earlier flags stay */
    r = mm_result(&c, tb_matmul_workload(), "tq2", TB_CACHE_COLD, 4.0 * 1048576, 150000);
    tb_result_flag(&r, "unstable", "CV 9%");
    tb_derive(&r, cl);
    CHECK(!strcmp(r.flags, "unstable,ceiling_suspect") && strstr(r.flags_reason, "; ceiling_suspect: "));
    {
        tb_ceilings *more = malloc(sizeof *more);
        *more = *cl;
        add(more, TB_CEIL_READ_BW, 1, 128, 1, 30, 20, "bw/read/avx2/128MiB/t1"); /* better end probes */
        add_peak(more, TB_CEIL_PEAK_INT8, 1, 1, 1000, "peak/int8-avx2/t1", "avx2");
        tb_derive_again(&r, more);
        CHECK(!strcmp(r.flags, "unstable") && !strcmp(r.flags_reason, "unstable: CV 9%"));
        CHECK_NEAR(tb_result_metric_value(&r, "bw_ceiling_gbps"), 30, 1e-9);
        CHECK_NEAR(tb_result_metric_value(&r, "roofline_pct"), 100 * (4.0 * 1048576 / 30) / 150000, 1e-9);
        /* still above the better ceiling: flagged once, not twice */
        r = mm_result(&c, tb_matmul_workload(), "tq2", TB_CACHE_COLD, 4.0 * 1048576, 100000);
        tb_derive(&r, cl);
        tb_derive_again(&r, more);
        CHECK(!strcmp(r.flags, "ceiling_suspect") && strstr(r.flags_reason, "30.0 GB/s ceiling") &&
              !strstr(r.flags_reason, "21.0 GB/s ceiling"));
        free(more);
    }
    /* a decoder case: derived from its steps, then, the steps released as
     * once stored, derived again from what it keeps (the median step, step
     * and KV bytes) against the better end-of-run probe */
    {
        tb_case ec;
        memset(&ec, 0, sizeof ec);
        ec.wl = tb_e2e_workload();
        ec.threads = 1;
        ec.cache = TB_CACHE_COLD;
        tb_e2e_params *ep = TB_CASE_PARAMS(&ec, tb_e2e_params);
        ep->n_gen = 3;
        ep->batch = 1;
        ep->ctx = 16;
        tb_step st[3] = {{160000, 1, TB_STEP_DECODE}, {150000, 1, TB_STEP_DECODE}, {140000, 1, TB_STEP_DECODE}};
        int rep[3] = {1, 1, 1};
        tb_case_result er;
        memset(&er, 0, sizeof er);
        er.c = &ec;
        er.status = TB_STATUS_OK;
        er.have_stats = 1;
        er.st.median = 450000;
        er.best_ns = 450000;
        er.nreps = 1;
        er.steps = st;
        er.step_rep = rep;
        er.nsteps = 3;
        tb_result_metric(&er, "step_bytes", 4.0 * 1048576, "B", "");
        tb_result_metric(&er, "kv_bytes", 0, "B", "");
        tb_result_flag(&er, "cold_partial", "x");
        tb_derive(&er, cl); /* 4 MiB per 150 us step: 28 GB/s > 1.05 x 21 */
        CHECK(!strcmp(er.flags, "cold_partial,ceiling_suspect") && strstr(er.flags_reason, "21.0 GB/s ceiling"));
        CHECK_NEAR(tb_result_metric_value(&er, "ms_per_token"), 0.15, 1e-12);
        CHECK_NEAR(tb_result_metric_value(&er, "roofline_pct"), 100 * (4.0 * 1048576 / 21) / 150000, 1e-9);
        er.steps = NULL;
        er.step_rep = NULL;
        er.nsteps = 0;
        tb_ceilings *more = malloc(sizeof *more);
        *more = *cl;
        add(more, TB_CEIL_READ_BW, 1, 128, 1, 30, 20, "bw/read/avx2/128MiB/t1");
        CHECK(tb_derive_again(&er, more) == 1);
        CHECK(!strcmp(er.flags, "cold_partial") && !strcmp(er.flags_reason, "cold_partial: x"));
        CHECK_NEAR(tb_result_metric_value(&er, "bw_ceiling_gbps"), 30, 1e-9);
        CHECK_NEAR(tb_result_metric_value(&er, "roofline_pct"), 100 * (4.0 * 1048576 / 30) / 150000, 1e-6);
        CHECK_NEAR(tb_result_metric_value(&er, "roofline_tokens_per_s"), 30 / (4.0 * 1048576) * 1e9, 1e-6);
        CHECK_NEAR(tb_result_metric_value(&er, "ms_per_token"), 0.15, 1e-12); /* untouched */
        free(more);
    }
    /* no ceilings at this thread count: NAN with a reason, never 0 */
    tb_ceilings *empty = malloc(sizeof *empty);
    tb_ceilings_init(empty, 32.0 * 1048576);
    r = mm_result(&c, tb_matmul_workload(), "fp16", TB_CACHE_HOT, 32.0 * 1048576, 1e6);
    tb_derive(&r, empty);
    CHECK(isnan(tb_result_metric_value(&r, "roofline_pct")));

    /* a probe feeds the ceilings with its best repetition, start and end merged */
    tb_case pc;
    memset(&pc, 0, sizeof pc);
    pc.wl = tb_probe_bw_workload();
    pc.threads = 1;
    tb_bw_params *bp = TB_CASE_PARAMS(&pc, tb_bw_params);
    snprintf(bp->kind, sizeof bp->kind, "read");
    snprintf(bp->impl, sizeof bp->impl, "avx2");
    bp->mib = 64;
    bp->bytes_per_array = 64 << 20;
    bp->arrays = 1;
    snprintf(bp->phase, sizeof bp->phase, "end");
    CHECK(tb_case_finish(&pc) == 0 && strcmp(pc.key, "bw/read/avx2/64MiB/end/t1") == 0);
    tb_case_result pr;
    memset(&pr, 0, sizeof pr);
    pr.c = &pc;
    pr.status = TB_STATUS_OK;
    pr.have_stats = 1;
    pr.st.median = 8e6;  /* 64 MiB in 8 ms: 8.4 GB/s */
    pr.best_ns = 4e6;    /* the best: 16.8 GB/s */
    pr.counts.v[TB_CNT_BYTES_ACTS] = 64.0 * 1048576;
    tb_derive(&pr, empty);
    CHECK(isnan(tb_result_metric_value(&pr, "gops"))); /* no GOP/s for a memory probe */
    tb_derive_ceiling(empty, &pr);
    CHECK(empty->n == 1 && empty->v[0].end == 1 && strcmp(empty->v[0].key, "bw/read/avx2/64MiB/t1") == 0);
    CHECK_NEAR(empty->v[0].best, 64.0 * 1048576 / 4e6, 1e-9);
    CHECK(tb_ceiling_bandwidth(empty, 1, TB_CACHE_COLD, 1, &p) == 0 && isnan(p.start) && p.end == p.value);

    /* a peak probe feeds the ceilings with its ISA level */
    tb_case kc;
    memset(&kc, 0, sizeof kc);
    kc.wl = tb_probe_peak_workload();
    kc.threads = 1;
    snprintf(kc.isa, sizeof kc.isa, "avxvnni");
    tb_peak_params *kp = TB_CASE_PARAMS(&kc, tb_peak_params);
    snprintf(kp->probe, sizeof kp->probe, "int8-avxvnni");
    snprintf(kp->kind, sizeof kp->kind, "int8");
    CHECK(tb_case_finish(&kc) == 0);
    tb_case_result kr;
    memset(&kr, 0, sizeof kr);
    kr.c = &kc;
    kr.status = TB_STATUS_OK;
    kr.have_stats = 1;
    kr.st.median = kr.best_ns = 1e6;
    kr.counts.v[TB_CNT_INT8_MUL] = kr.counts.v[TB_CNT_INT8_ADD] = 1e8;
    tb_derive(&kr, empty);
    tb_derive_ceiling(empty, &kr);
    CHECK(empty->n == 2 && empty->v[1].kind == TB_CEIL_PEAK_INT8 && !strcmp(empty->v[1].isa, "avxvnni"));
    CHECK(tb_ceiling_peak(empty, TB_CEIL_PEAK_INT8, 1, "avxvnni", &p) == 0 && p.value == 200);

    free(cl);
    free(empty);
    TEST_DONE();
}
