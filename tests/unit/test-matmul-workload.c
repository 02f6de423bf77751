/* test-matmul-workload.c - the "matmul" workload (bench/matmul.c) end to
 * end without the runner: for every format's quick case, shrunk to small
 * shapes, setup -> verify (must pass, against the variant's reference) ->
 * run -> counts -> teardown; outputs are deterministic (same checksum from
 * a second setup); unknown backends and oversize thread counts are refused
 * with a reason; the quick and full case lists are well formed (unique
 * keys, every registered format present, usable variants only). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tb-bench.h"
#include "tb-kernel.h"
#include "tb-params.h"
#include "tb-test.h"

static void check_case(const tb_case *proto, int64_t m, int64_t n, int64_t k, int threads)
{
    tb_case c = *proto;
    tb_mm_params *p = TB_CASE_PARAMS(&c, tb_mm_params);
    p->rows = m;
    p->n = n;
    p->cols = k;
    c.threads = threads;
    c.cache = TB_CACHE_HOT;
    tb_setup_info info = {0};
    void *ctx = NULL;
    int rc = c.wl->setup(&c, &ctx, &info);
    if (rc) {
        fprintf(stderr, "%s %lldx%lld n=%lld: setup failed: %d %s\n", c.backend, (long long)m,
                (long long)k, (long long)n, rc, info.why);
        CHECK(rc == 0);
        return;
    }
    tb_verdict v = {0};
    rc = c.wl->verify(ctx, &v);
    if (rc || v.verified != 1)
        fprintf(stderr, "%s %lldx%lld n=%lld t=%d: %s\n", c.backend, (long long)m, (long long)k,
                (long long)n, threads, v.reason);
    CHECK(rc == 0 && v.verified == 1);
    CHECK(v.reason[0] != 0);
    c.wl->run(ctx, 2);
    tb_counts ct;
    c.wl->counts(ctx, &ct);
    CHECK(ct.v[TB_CNT_BYTES_WEIGHTS] > 0 && ct.v[TB_CNT_BYTES_ACTS] == 4.0 * (double)(n * k) &&
          ct.v[TB_CNT_BYTES_OUT] == 4.0 * (double)(n * m));
    CHECK(tb_counts_ops(&ct) >= (double)(m * n * k)); /* ternary: additions only */
    c.wl->teardown(ctx);

    /* a second setup sees the same seeded data: same output bytes */
    tb_verdict v2 = {0};
    CHECK(c.wl->setup(&c, &ctx, &info) == 0);
    CHECK(c.wl->verify(ctx, &v2) == 0);
    CHECK(v2.checksum == v.checksum);
    c.wl->teardown(ctx);

    /* cold: clones cycled per iteration give the same output; a small
     * memory budget is reported as cold_partial with the bytes managed */
    c.cache = TB_CACHE_COLD;
    c.mem_budget = 4.0 * 1048576;
    tb_setup_info ci = {0};
    tb_verdict v3 = {0};
    CHECK(c.wl->setup(&c, &ctx, &ci) == 0);
    CHECK(c.wl->verify(ctx, &v3) == 0 && v3.checksum == v.checksum && v3.verified == 1);
    CHECK(strstr(v3.reason, "cold copies bit-identical") != NULL); /* every clone checked */
    c.wl->run(ctx, 5);
    double copies = NAN, bytes = NAN;
    for (int i = 0; i < ci.nfacts; i++) {
        if (!strcmp(ci.facts[i].name, "cold_copies"))
            copies = ci.facts[i].value;
        if (!strcmp(ci.facts[i].name, "cold_bytes"))
            bytes = ci.facts[i].value;
    }
    if (!(copies >= 2 && bytes >= copies * ct.v[TB_CNT_BYTES_WEIGHTS] * 0.5))
        fprintf(stderr, "%s: %g copies span %g bytes, weights %g\n", c.backend, copies, bytes, ct.v[TB_CNT_BYTES_WEIGHTS]);
    CHECK(copies >= 2 && bytes >= copies * ct.v[TB_CNT_BYTES_WEIGHTS] * 0.5);
    CHECK(bytes <= 4.0 * 1048576 + 2 * ct.v[TB_CNT_BYTES_WEIGHTS] + 4096 * copies);
    if (tb_bench_llc_bytes() > 0)
        CHECK(strstr(ci.flags, "cold_partial") != NULL && strstr(ci.flags_reason, "LLC"));
    c.wl->teardown(ctx);
}

int main(void)
{
    CHECK(tb_bench_pool_init(2, 1) == 0);
    tb_suite_opts o = {.max_threads = 2, .threads = {1, 2}, .nthreads = 2,
                       .isa_allowed = tb_isa_allowed(), .isa_name = "native"};
    tb_caselist quick = {0}, full = {0}, isa = {0};
    CHECK(tb_matmul_add_cases(&quick, &o, "quick") == 0);
    CHECK(tb_matmul_add_cases(&isa, &o, "isa") == 0);
    CHECK(tb_matmul_add_cases(&full, &o, "full") == 0);
    CHECK(tb_matmul_add_cases(&full, &o, "nonsense") == -EINVAL);

    /* every registered format with a usable variant appears in quick */
    for (int i = 0; i < tb_kernel_count(); i++) {
        const tb_kernel *k = tb_kernel_at(i);
        if (!tb_kernel_best(k->format, o.isa_allowed))
            continue;
        int found = 0;
        for (int j = 0; j < quick.n; j++)
            found |= !strcmp(TB_CASE_CPARAMS(&quick.v[j], tb_mm_params)->format, k->format);
        if (!found)
            fprintf(stderr, "format %s missing from the quick matmul cases\n", k->format);
        CHECK(found);
    }
    /* the ISA ladder: every usable variant at n = 1 (1 and 2 threads), every
     * usable SIMD variant at n = 512; one fp16 baseline per group */
    for (int i = 0; i < tb_kernel_count(); i++) {
        const tb_kernel *k = tb_kernel_at(i);
        int gemv = 0, gemm = 0;
        for (int j = 0; j < isa.n; j++)
            if (!strcmp(isa.v[j].backend, k->name)) {
                const int64_t n = TB_CASE_CPARAMS(&isa.v[j], tb_mm_params)->n;
                gemv += n == 1;
                gemm += n == 512;
            }
        const int usable = tb_kernel_usable(k, o.isa_allowed);
        if (gemv != (usable ? 4 : 0) || gemm != (usable && k->isa_mask ? 2 : 0))
            fprintf(stderr, "isa suite: %s has %d GEMV and %d GEMM cases\n", k->name, gemv, gemm);
        CHECK(gemv == (usable ? 4 : 0) && gemm == (usable && k->isa_mask ? 2 : 0));
    }
    for (int i = 0; i < isa.n; i++) {
        int base = 0;
        for (int j = 0; j < isa.n; j++)
            if (!strcmp(isa.v[j].group, isa.v[i].group))
                base += isa.v[j].baseline;
        CHECK(base == 1);
    }
    /* keys unique; variants usable; fields filled */
    tb_caselist *lists[3] = {&quick, &full, &isa};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const tb_case *c = &lists[l]->v[i];
            const tb_kernel *k = tb_kernel_find(c->backend);
            CHECK(k && tb_kernel_usable(k, o.isa_allowed));
            const tb_mm_params *p = TB_CASE_CPARAMS(c, tb_mm_params);
            CHECK(p->rows > 0 && p->n > 0 && p->cols > 0 && c->threads >= 1);
            CHECK(!strncmp(c->key, "matmul/", 7) && p->shape[0] && c->group[0]);
            CHECK(c->cache == TB_CACHE_HOT || c->cache == TB_CACHE_COLD);
            CHECK(p->n == 1 || c->cache == TB_CACHE_HOT); /* GEMMs are hot */
            CHECK(strstr(c->key, c->cache == TB_CACHE_HOT ? "/hot" : "/cold") != NULL);
            if (c->cache == TB_CACHE_COLD)
                CHECK(c->mem_budget > 0);
            for (int j = 0; j < i; j++)
                if (!strcmp(c->key, lists[l]->v[j].key)) {
                    fprintf(stderr, "duplicate key %s\n", c->key);
                    CHECK(0);
                }
        }
    CHECK(full.n > quick.n);
    /* each group has exactly one fp16 baseline, and groups are contiguous */
    for (int i = 0; i < quick.n; i++) {
        int base = 0;
        for (int j = 0; j < quick.n; j++)
            if (!strcmp(quick.v[j].group, quick.v[i].group))
                base += quick.v[j].baseline;
        CHECK(base == 1);
        if (i > 0 && strcmp(quick.v[i].group, quick.v[i - 1].group))
            for (int j = 0; j < i - 1; j++)
                CHECK(strcmp(quick.v[j].group, quick.v[i].group) != 0);
    }
    /* --cache: quick GEMVs cold by default, hot on request, both */
    {
        tb_caselist hot = {0}, both = {0};
        tb_suite_opts oh = o, ob = o;
        oh.cache_modes = TB_CACHE_HOT;
        ob.cache_modes = TB_CACHE_BOTH;
        CHECK(tb_matmul_add_cases(&hot, &oh, "quick") == 0 && tb_matmul_add_cases(&both, &ob, "quick") == 0);
        int cold_default = 0, cold_hot = 0;
        for (int i = 0; i < quick.n; i++)
            cold_default += quick.v[i].cache == TB_CACHE_COLD;
        for (int i = 0; i < hot.n; i++)
            cold_hot += hot.v[i].cache == TB_CACHE_COLD;
        CHECK(cold_default > 0 && cold_hot == 0 && both.n == quick.n + cold_default);
        tb_caselist_free(&hot);
        tb_caselist_free(&both);
    }

    /* each quick variant (one per format), shrunk: GEMV and GEMM, 1 and 2 threads */
    for (int i = 0; i < quick.n; i++) {
        int first = 1;
        for (int j = 0; j < i; j++)
            first &= strcmp(quick.v[j].backend, quick.v[i].backend) != 0;
        if (!first)
            continue;
        check_case(&quick.v[i], 100, 1, 300, 2);
        check_case(&quick.v[i], 64, 17, 257, 1);
        check_case(&quick.v[i], 33, 40, 1030, 2);
        printf("ok   %s\n", quick.v[i].backend);
    }

    /* refusals carry a reason */
    if (quick.n > 0) {
        tb_case c = quick.v[0];
        tb_setup_info info = {0};
        void *ctx = NULL;
        snprintf(c.backend, sizeof c.backend, "no_such_kernel");
        CHECK(c.wl->setup(&c, &ctx, &info) < 0 && info.why[0]);
        c = quick.v[0];
        c.threads = 64;
        info.why[0] = 0;
        CHECK(c.wl->setup(&c, &ctx, &info) < 0 && info.why[0]);
    }
    tb_caselist_free(&quick);
    tb_caselist_free(&isa);
    tb_caselist_free(&full);
    tb_bench_pool_free();
    TEST_DONE();
}
