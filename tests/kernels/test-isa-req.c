/* test-isa-req.c - every registered kernel variant may run only where the
 * code it is compiled from can: its isa names a row of cmake/isa-table.txt
 * (or "scalar"), its isa_mask covers that row's bits, and its name is
 * "<format>_<isa>" ("<format>_ref" for scalar).  Also checks the table
 * itself: every row needs AVX2 (all rows build with -mavx2) and the
 * suffix lookup refuses unknown names. */
#include <stdio.h>
#include <string.h>

#include "tb-isa-req.h"
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
        if (strcmp(k->name, want)) {
            fprintf(stderr, "%s: expected the name %s (format_isa)\n", k->name, want);
            CHECK(0);
        }
    }
    TEST_DONE();
}
