/* ops-registry.c - the one list of decoder-op variants (tb-ops.h): the
 * portable reference, then the SIMD variants of the architecture being
 * built (an AArch64 build compiles no x86 suffix file; its ops_neon is
 * kernels/arm/ops-neon.c), and the run-time
 * choice among those the CPU (and the --isa cap) allows. */
#include "ops-internal.h"

#include <stddef.h>
#include <string.h>


static const tb_ops *const variants[] = {
    &tb_ops_ref,
#if defined(__x86_64__) && defined(TB_ISA_REQ_AVX2) /* x86 build */
    &tb_ops_avx2,
    &tb_ops_avx512,
#endif
#if defined(__aarch64__) && defined(TB_ISA_REQ_NEON) /* AArch64 build */
    &tb_ops_neon,
#endif
    NULL,
};

int tb_ops_count(void)
{
    int n = 0;
    while (variants[n])
        n++;
    return n;
}

const tb_ops *tb_ops_at(int i)
{
    return i >= 0 && i < tb_ops_count() ? variants[i] : NULL;
}

const tb_ops *tb_ops_find(const char *name)
{
    for (int i = 0; variants[i]; i++)
        if (!strcmp(variants[i]->name, name))
            return variants[i];
    return NULL;
}

const tb_ops *tb_ops_best(uint32_t allowed)
{
    const tb_ops *best = &tb_ops_ref;
    int best_bits = 0;
    for (int i = 0; variants[i]; i++) {
        uint32_t need = variants[i]->isa_mask;
        if ((need & ~allowed) == 0 && __builtin_popcount(need) > best_bits) {
            best = variants[i];
            best_bits = __builtin_popcount(need);
        }
    }
    return best;
}
