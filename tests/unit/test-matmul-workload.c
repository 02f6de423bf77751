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
#include "tb-test.h"

static void check_case(const tb_case *proto, int64_t m, int64_t n, int64_t k, int threads)
{
    tb_case c = *proto;
    c.m = m;
    c.n = n;
    c.k = k;
    c.threads = threads;
    char why[256] = "";
    void *ctx = NULL;
    int rc = c.wl->setup(&c, &ctx, why, sizeof why);
    if (rc) {
        fprintf(stderr, "%s %lldx%lld n=%lld: setup failed: %d %s\n", c.backend, (long long)m,
                (long long)k, (long long)n, rc, why);
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
    CHECK(ct.bytes_weights > 0 && ct.bytes_acts == 4.0 * (double)(n * k) &&
          ct.bytes_out == 4.0 * (double)(n * m));
    double ops = 0;
    for (int i = 0; i < TB_OP__COUNT; i++)
        ops += ct.ops[i];
    CHECK(ops >= (double)(m * n * k)); /* ternary: additions only */
    c.wl->teardown(ctx);

    /* a second setup sees the same seeded data: same output bytes */
    tb_verdict v2 = {0};
    CHECK(c.wl->setup(&c, &ctx, why, sizeof why) == 0);
    CHECK(c.wl->verify(ctx, &v2) == 0);
    CHECK(v2.checksum == v.checksum);
    c.wl->teardown(ctx);
}

int main(void)
{
    CHECK(tb_bench_pool_init(2) == 0);
    tb_suite_opts o = {.max_threads = 2, .threads = {1, 2}, .nthreads = 2,
                       .isa_allowed = tb_isa_allowed(), .isa_name = "native"};
    tb_caselist quick = {0}, full = {0};
    CHECK(tb_matmul_add_cases(&quick, &o, "quick") == 0);
    CHECK(tb_matmul_add_cases(&full, &o, "full") == 0);
    CHECK(tb_matmul_add_cases(&full, &o, "nonsense") == -EINVAL);

    /* every registered format with a usable variant appears in quick */
    for (int i = 0; i < tb_kernel_count(); i++) {
        const tb_kernel *k = tb_kernel_at(i);
        if (!tb_kernel_best(k->format, o.isa_allowed))
            continue;
        int found = 0;
        for (int j = 0; j < quick.n; j++)
            found |= !strcmp(quick.v[j].format, k->format);
        if (!found)
            fprintf(stderr, "format %s missing from the quick matmul cases\n", k->format);
        CHECK(found);
    }
    /* keys unique; variants usable; fields filled */
    tb_caselist *lists[2] = {&quick, &full};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            const tb_case *c = &lists[l]->v[i];
            const tb_kernel *k = tb_kernel_find(c->backend);
            CHECK(k && tb_kernel_usable(k, o.isa_allowed));
            CHECK(c->m > 0 && c->n > 0 && c->k > 0 && c->threads >= 1);
            CHECK(!strncmp(c->key, "matmul/", 7) && c->shape[0] && c->params[0] == '{');
            for (int j = 0; j < i; j++)
                if (!strcmp(c->key, lists[l]->v[j].key)) {
                    fprintf(stderr, "duplicate key %s\n", c->key);
                    CHECK(0);
                }
        }
    CHECK(full.n > quick.n);

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
        char why[256] = "";
        void *ctx = NULL;
        snprintf(c.backend, sizeof c.backend, "no_such_kernel");
        CHECK(c.wl->setup(&c, &ctx, why, sizeof why) < 0 && why[0]);
        c = quick.v[0];
        c.threads = 64;
        why[0] = 0;
        CHECK(c.wl->setup(&c, &ctx, why, sizeof why) < 0 && why[0]);
    }
    tb_caselist_free(&quick);
    tb_caselist_free(&full);
    tb_bench_pool_free();
    TEST_DONE();
}
