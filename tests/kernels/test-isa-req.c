/* test-isa-req.c - every registered kernel variant may run only where the
 * code it is compiled from can: its isa names a row of cmake/isa-table.txt
 * (or "scalar"), its isa_mask covers that row's bits, and its name is
 * "<format>_<isa>" ("<format>_ref" for scalar).  Also checks the table
 * itself (the rows of the target architecture, TB_ISA_ARCH): every x86 row
 * needs AVX2 (all build with -mavx2), every arm row needs NEON and sets
 * -march, and the suffix lookup refuses unknown names.  The bits: the
 * device bit (TB_ISA_CUDA) and the Arm bits do not collide, each bit has one
 * name.  The cap: tb_isa_allowed() is (detect | device) & tb_isa_set_cap's
 * mask; every level (x86 and Arm) keeps the device bit, a level of the other
 * architecture allows scalar CPU code only, and dispatch under a cap never
 * picks a variant needing more (avx2 -> avx2, avxvnni -> avxvnni for int8
 * and tq2, neon -> neon, neondot -> neondot where the CPU has them; fp16 at
 * neondot -> neonfp16, bf16 at neoni8mm -> neonbf16 where it has those). */
#include <stdio.h>
#include <string.h>

#include "tb-isa-req.h"
#include "tb-gpu.h"
#include "tb-kernel.h"
#include "tb-test.h"

static const struct { const char *suffix; uint32_t bits; const char *flags; } rows[] = {TB_ISA_REQ_ROWS};

int main(void)
{
    const int x86 = !strcmp(TB_ISA_ARCH, "x86"), arm = !strcmp(TB_ISA_ARCH, "arm");
    CHECK(x86 || arm || TB_ISA_REQ_NROWS == 0);
    for (size_t i = 0; i < TB_ISA_REQ_NROWS; i++) {
        uint32_t m = 0;
        CHECK(tb_isa_suffix_req(rows[i].suffix, &m) == 0 && m == rows[i].bits);
        CHECK(rows[i].bits & (x86 ? TB_ISA_AVX2 : TB_ISA_NEON));
        CHECK(strstr(rows[i].flags, x86 ? "-mavx2" : "-march=armv8") != NULL);
        /* no bit of the other architecture */
        CHECK((rows[i].bits & (x86 ? 0xffff0000u : 0x0000ffffu)) == 0);
    }
    if (arm) /* every AArch64 CPU has Advanced SIMD */
        CHECK(tb_isa_detect() & TB_ISA_NEON);
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
    /* the device bit is its own: no CPU level bit of either architecture,
     * and every bit has at most one name */
    const uint32_t arm_bits =
        TB_ISA_NEON | TB_ISA_NEONDOT | TB_ISA_NEONI8MM | TB_ISA_NEONFP16 | TB_ISA_NEONBF16;
    CHECK((TB_ISA_CUDA & arm_bits) == 0 && (arm_bits & 0x0000ffffu) == 0);
    for (int b = 0; b < 32; b++) {
        char nb[64];
        CHECK(strchr(tb_isa_names(1u << b, nb, sizeof nb), ' ') == NULL);
    }
    CHECK(!(have & TB_ISA_CUDA)); /* the CPU probe never reports the device */
    const char *levels[] = {"scalar", "avx2",    "avxvnni",  "avx512", "avx512vnni",
                            "neon",   "neondot", "neoni8mm", "native"};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        uint32_t cap;
        CHECK(tb_isa_parse(levels[l], &cap) == 0);
        CHECK(cap & TB_ISA_CUDA); /* the levels cap the CPU, never the device */
        const int arm_level = !strncmp(levels[l], "neon", 4);
        const int x86_level = strcmp(levels[l], "scalar") && strcmp(levels[l], "native") && !arm_level;
        CHECK(!arm_level || (cap & ~(arm_bits | TB_ISA_CUDA)) == 0);
        CHECK(!x86_level || (cap & arm_bits) == 0);
        tb_isa_set_cap(cap);
        CHECK(tb_isa_allowed() == ((have | tb_gpu_bits()) & cap));
        const char *fmts[] = {"fp16", "bf16", "int8", "tq2", "tq1", "tl"};
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            const tb_kernel *k = tb_kernel_best(fmts[f], tb_isa_allowed());
            CHECK(k != NULL && !k->gpu && (k->isa_mask & ~(have & cap)) == 0);
            /* a level of the other architecture allows scalar code only */
            if ((arm_level && x86) || (x86_level && arm))
                CHECK(!strcmp(k->isa, "scalar"));
            /* --isa avx2 means an AVX2-only CPU: no AVX-VNNI variant */
            if (!strcmp(levels[l], "avx2") && (have & TB_ISA_AVX2))
                CHECK(!strcmp(k->isa, "avx2"));
            /* AVX-VNNI without AVX-512: int8, tq2 and tq1 take their VEX VNNI variant */
            if (!strcmp(levels[l], "avxvnni") && (have & TB_ISA_AVXVNNI) &&
                (!strcmp(fmts[f], "int8") || !strcmp(fmts[f], "tq2") || !strcmp(fmts[f], "tq1")))
                CHECK(!strcmp(k->isa, "avxvnni"));
            /* --isa neon: plain Armv8.0 code; int8, tq2, tq1, fp16 and bf16 have it */
            const int has_dot = !strcmp(fmts[f], "int8") || !strcmp(fmts[f], "tq2") || !strcmp(fmts[f], "tq1");
            if (!strcmp(levels[l], "neon") && arm &&
                (has_dot || !strcmp(fmts[f], "fp16") || !strcmp(fmts[f], "bf16")))
                CHECK(!strcmp(k->isa, "neon"));
            /* the Armv8.2 level (neondot) includes fp16 arithmetic, the
             * Armv8.6 level (neoni8mm) bf16 as well */
            if (!strcmp(levels[l], "neondot") && (have & TB_ISA_NEONFP16) && !strcmp(fmts[f], "fp16"))
                CHECK(!strcmp(k->isa, "neonfp16"));
            if (!strcmp(levels[l], "neondot") && arm && !strcmp(fmts[f], "bf16"))
                CHECK(!strcmp(k->isa, "neon"));
            if (!strcmp(levels[l], "neoni8mm") && (have & TB_ISA_NEONBF16) && !strcmp(fmts[f], "bf16"))
                CHECK(!strcmp(k->isa, "neonbf16"));
            /* with dotprod, int8, tq2 and tq1 take their sdot variant */
            if (!strcmp(levels[l], "neondot") && (have & TB_ISA_NEONDOT) && has_dot)
                CHECK(!strcmp(k->isa, "neondot"));
        }
    }
    CHECK(tb_isa_detect() == have); /* the cap never changes what CPUID says */
    tb_isa_set_cap(0xffffffffu);
    TEST_DONE();
}
