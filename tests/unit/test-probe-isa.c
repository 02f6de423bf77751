/* test-probe-isa.c - no machine-ceiling probe (bench/probes.c) is offered
 * on a CPU lacking a bit its probe-<suffix>.c file is compiled for
 * (cmake/isa-table.txt): for each table row and each of its bits, a case
 * list built with that bit removed from the allowed set has no case of
 * that suffix.  With every bit allowed, each probe's isa is a table suffix
 * or "scalar", and every probe file shows up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench.h"
#include "tb-isa-req.h"
#include "tb-test.h"

static const struct { const char *suffix; uint32_t bits; const char *flags; } rows[] = {TB_ISA_REQ_ROWS};

static int build(uint32_t allowed, tb_caselist *l)
{
    tb_suite_opts o = {.max_threads = 1, .threads = {1}, .nthreads = 1, .isa_allowed = allowed,
                       .isa_name = "test"};
    memset(l, 0, sizeof *l);
    return tb_probes_add_cases(l, &o, "full", "");
}

int main(void)
{
    setenv("TRITBENCH_BW_MIB", "1", 1); /* small arrays: no machine probe, few specs */
    tb_caselist l;
    CHECK(build(0xffffffffu, &l) == 0);
    /* every probe file of this architecture (cmake/isa-table.txt) */
    const char *want[] = {"scalar", "avx512vnni", "avx512", "avx2"};
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
    TEST_DONE();
}
