/* test-probe-isa.c - no machine-ceiling probe (bench/probes.c) is offered
 * on a CPU lacking a bit its probe-<suffix>.c file is compiled for
 * (cmake/isa-table.txt): for each table row and each of its bits, a case
 * list built with that bit removed from the allowed set has no case of
 * that suffix.  With every bit allowed, each probe's isa is a table suffix
 * or "scalar", and every probe file shows up.  The ISA ladder's probes
 * ("ladder", what `run isa` and `run matmul` take) measure the compute
 * peak at every level a variant is matched to (tb_probe_peak_isa), with
 * the bandwidth probes of the best level only; "quick" one peak per kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench.h"
#include "tb-isa-req.h"
#include "tb-test.h"

static const struct { const char *suffix; uint32_t bits; const char *flags; } rows[] = {TB_ISA_REQ_ROWS};

static int build_as(const char *which, uint32_t allowed, tb_caselist *l)
{
    tb_suite_opts o = {.max_threads = 1, .threads = {1}, .nthreads = 1, .isa_allowed = allowed,
                       .isa_name = "test"};
    memset(l, 0, sizeof *l);
    return tb_probes_add_cases(l, &o, which, "");
}

static int build(uint32_t allowed, tb_caselist *l) { return build_as("full", allowed, l); }

/* How many cases of the list have this backend name. */
static int count_backend(const tb_caselist *l, const char *backend)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += !strcmp(l->v[i].backend, backend);
    return n;
}

int main(void)
{
    setenv("TRITBENCH_BW_MIB", "1", 1); /* small arrays: no machine probe, few specs */
    tb_caselist l;
    CHECK(build(0xffffffffu, &l) == 0);
    /* every probe file of this architecture (cmake/isa-table.txt) */
    const char *want[] = {"scalar", "avx512vnni", "avx512", "avxvnni", "avx2"};
    const size_t nwant = strcmp(TB_ISA_ARCH, "x86") ? 1 : sizeof want / sizeof want[0];
    for (size_t w = 0; w < nwant; w++) {
        int seen = 0;
        for (int i = 0; i < l.n; i++)
            seen += !strcmp(l.v[i].isa, want[w]);
        if (!seen)
            fprintf(stderr, "no probe case of isa %s\n", want[w]);
        CHECK(seen > 0);
    }
    for (int i = 0; i < l.n; i++) {
        uint32_t req;
        if (tb_isa_suffix_req(l.v[i].isa, &req) != 0) {
            fprintf(stderr, "%s: isa \"%s\" is not a suffix of cmake/isa-table.txt\n", l.v[i].key, l.v[i].isa);
            CHECK(0);
        }
    }
    tb_caselist_free(&l);

    for (size_t r = 0; r < TB_ISA_REQ_NROWS; r++)
        for (int b = 0; b < 32; b++) {
            uint32_t bit = 1u << b;
            if (!(rows[r].bits & bit))
                continue;
            CHECK(build(~bit, &l) == 0);
            for (int i = 0; i < l.n; i++)
                if (!strcmp(l.v[i].isa, rows[r].suffix)) {
                    char nb[64];
                    fprintf(stderr, "%s offered without %s, which probe-%s.c is built for\n", l.v[i].key,
                            tb_isa_names(bit, nb, sizeof nb), rows[r].suffix);
                    CHECK(0);
                }
            tb_caselist_free(&l);
        }

    if (!strcmp(TB_ISA_ARCH, "x86")) {
        /* the ladder: every level's peak, each variant's level has one */
        const char *peaks[] = {"peak-fp32-avx512", "peak-fp32-avx2", "peak-fp32-scalar", "peak-int8-avx512vnni",
                               "peak-int8-avx512", "peak-int8-avxvnni", "peak-int8-avx2"};
        CHECK(build_as("ladder", 0xffffffffu, &l) == 0);
        for (size_t k = 0; k < sizeof peaks / sizeof peaks[0]; k++) {
            if (count_backend(&l, peaks[k]) != 1)
                fprintf(stderr, "ladder: %d case(s) of %s, want 1\n", count_backend(&l, peaks[k]), peaks[k]);
            CHECK(count_backend(&l, peaks[k]) == 1);
        }
        const char *levels[] = {"avx2", "avxvnni", "avx512", "avx512vnni", "avx512vbmi", "avx512bf16"};
        for (size_t v = 0; v < sizeof levels / sizeof levels[0]; v++)
            for (int int8 = 0; int8 < 2; int8++) {
                char name[48];
                snprintf(name, sizeof name, "peak-%s-%s", int8 ? "int8" : "fp32", tb_probe_peak_isa(int8, levels[v]));
                if (count_backend(&l, name) != 1)
                    fprintf(stderr, "ladder: a %s variant has no %s probe\n", levels[v], name);
                CHECK(count_backend(&l, name) == 1);
            }
        CHECK(count_backend(&l, "bw-read-avx512") > 0 && count_backend(&l, "bw-read-avx2") == 0);
        tb_caselist_free(&l);
        /* --isa avx2: the ladder stops at AVX2 */
        uint32_t avx2;
        CHECK(tb_isa_suffix_req("avx2", &avx2) == 0);
        CHECK(build_as("ladder", avx2, &l) == 0);
        CHECK(count_backend(&l, "peak-int8-avx2") == 1 && count_backend(&l, "peak-fp32-avx2") == 1);
        CHECK(count_backend(&l, "peak-int8-avxvnni") == 0 && count_backend(&l, "peak-fp32-avx512") == 0);
        tb_caselist_free(&l);
        /* quick: the best level per kind only */
        CHECK(build_as("quick", 0xffffffffu, &l) == 0);
        CHECK(count_backend(&l, "peak-int8-avx512vnni") == 1 && count_backend(&l, "peak-int8-avx2") == 0);
        CHECK(count_backend(&l, "peak-fp32-avx512") == 1 && count_backend(&l, "peak-fp32-avx2") == 0);
        tb_caselist_free(&l);
    }
    TEST_DONE();
}
