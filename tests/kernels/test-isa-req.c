/* test-isa-req.c - every registered kernel variant may run only where the
 * code it is compiled from can: its isa names a row of cmake/isa-table.txt
 * (or "scalar"), its isa_mask covers that row's bits, and its name is
 * "<format>_<isa>" ("<format>_ref" for scalar).  Also checks the table
 * itself: every row needs AVX2 (all rows build with -mavx2) and the
 * suffix lookup refuses unknown names.  The cap: tb_isa_allowed() is
 * detect & tb_isa_set_cap's mask, and dispatch under it never picks a
 * variant needing more. */
#include <stdio.h>
#include <string.h>

#include "tb-isa-req.h"
#include "tb-gpu.h"
#include "tb-kernel.h"
#include "tb-test.h"

static const struct { const char *suffix; uint32_t bits; const char *flags; } rows[] = {TB_ISA_REQ_ROWS};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint32_t m = 0;
        CHECK(tb_isa_suffix_req(rows[i].suffix, &m) == 0 && m == rows[i].bits);
        CHECK(rows[i].bits & TB_ISA_AVX2);
        CHECK(strstr(rows[i].flags, "-mavx2") != NULL);
    }
    uint32_t m = 1;
    CHECK(tb_isa_suffix_req("scalar", &m) == 0 && m == 0);
    CHECK(tb_isa_suffix_req("avx1024", &m) == -1);

    int n = tb_kernel_count();
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        const tb_kernel *k = tb_kernel_at(i);
        uint32_t req = 0;
        if (tb_isa_suffix_req(k->isa, &req) != 0) {
            fprintf(stderr, "%s: isa \"%s\" is not a suffix of cmake/isa-table.txt\n", k->name, k->isa);
            CHECK(0);
            continue;
        }
        if ((k->isa_mask & req) != req) {
            char need[128], have[128];
            fprintf(stderr, "%s: isa_mask {%s} lacks bits its -%s.c file is built for {%s}\n", k->name,
                    tb_isa_names(k->isa_mask, have, sizeof have), k->isa,
                    tb_isa_names(req, need, sizeof need));
            CHECK(0);
        }
        char want[64];
        snprintf(want, sizeof want, "%s_%s", k->format, strcmp(k->isa, "scalar") ? k->isa : "ref");
        /* device variants: two fp16 ones (fp16_cuda, fp16_cublas), so the
         * format prefix is what is required there */
        if (k->gpu ? strncmp(k->name, want, strlen(k->format) + 1) : strcmp(k->name, want)) {
            fprintf(stderr, "%s: expected the name %s (format_isa)\n", k->name, want);
            CHECK(0);
        }
    }

    /* one cap, applied by tb_isa_allowed */
    const uint32_t have = tb_isa_detect();
    CHECK(tb_isa_cap() == 0xffffffffu && tb_isa_allowed() == (have | tb_gpu_bits()));
    const char *levels[] = {"scalar", "avx2", "avxvnni", "avx512", "avx512vnni", "native"};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        uint32_t cap;
        CHECK(tb_isa_parse(levels[l], &cap) == 0);
        tb_isa_set_cap(cap);
        CHECK(tb_isa_allowed() == ((have | tb_gpu_bits()) & cap));
        const char *fmts[] = {"fp16", "bf16", "int8", "tq2", "tq1", "tl"};
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            const tb_kernel *k = tb_kernel_best(fmts[f], tb_isa_allowed());
            CHECK(k != NULL && !k->gpu && (k->isa_mask & ~(have & cap)) == 0);
            /* --isa avx2 means an AVX2-only CPU: no AVX-VNNI variant */
            if (!strcmp(levels[l], "avx2") && (have & TB_ISA_AVX2))
                CHECK(!strcmp(k->isa, "avx2"));
            /* AVX-VNNI without AVX-512: int8, tq2 and tq1 take their VEX VNNI variant */
            if (!strcmp(levels[l], "avxvnni") && (have & TB_ISA_AVXVNNI) &&
                (!strcmp(fmts[f], "int8") || !strcmp(fmts[f], "tq2") || !strcmp(fmts[f], "tq1")))
                CHECK(!strcmp(k->isa, "avxvnni"));
        }
    }
    CHECK(tb_isa_detect() == have); /* the cap never changes what CPUID says */
    tb_isa_set_cap(0xffffffffu);
    TEST_DONE();
}
