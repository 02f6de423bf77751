/* registry.c - the one list of kernel variants.  Each format family
 * exports a NULL-terminated array; add yours to `families` below.  The
 * family lists hold the references and the x86 variants; an AArch64 build
 * adds kernels/arm/'s one list (the other architecture's files are not
 * built, cmake/isa-flags.cmake); the device variants are kernels/cuda/'s
 * list on every architecture (usable only once the plugin has loaded). */
#include "tb-kernel.h"

#include <string.h>

/* Family lists, defined in each format's list file. */
/* TB-FAMILY-DECLS (keep this marker: one extern line per family) */
extern const tb_kernel *const tb_kernels_tq2[], *const tb_kernels_tq1[], *const tb_kernels_tl[];
extern const tb_kernel *const tb_kernels_fp16[], *const tb_kernels_bf16[], *const tb_kernels_int8[];
extern const tb_kernel *const tb_kernels_cuda[];
#ifdef TB_ISA_REQ_NEON /* AArch64 build: every format's NEON variants (kernels/arm/) */
extern const tb_kernel *const tb_kernels_arm[];
#endif

static const tb_kernel *const *const families[] = {
    /* TB-FAMILY-LIST (keep this marker: one entry per family) */
    tb_kernels_tq2, tb_kernels_tq1, tb_kernels_tl,
    tb_kernels_fp16, tb_kernels_bf16, tb_kernels_int8,
#ifdef TB_ISA_REQ_NEON
    tb_kernels_arm,
#endif
    tb_kernels_cuda,
    NULL,
};

int tb_kernel_count(void)
{
    int n = 0;
    for (int f = 0; families[f]; f++)
        for (int i = 0; families[f][i]; i++)
            n++;
    return n;
}

const tb_kernel *tb_kernel_at(int idx)
{
    for (int f = 0; families[f]; f++)
        for (int i = 0; families[f][i]; i++)
            if (idx-- == 0)
                return families[f][i];
    return NULL;
}

const tb_kernel *tb_kernel_find(const char *name)
{
    for (int i = 0, n = tb_kernel_count(); i < n; i++)
        if (!strcmp(tb_kernel_at(i)->name, name))
            return tb_kernel_at(i);
    return NULL;
}

const tb_kernel *tb_kernel_best(const char *format, uint32_t allowed)
{
    const tb_kernel *best = NULL;
    int best_bits = -1;
    for (int i = 0, n = tb_kernel_count(); i < n; i++) {
        const tb_kernel *k = tb_kernel_at(i);
        if (strcmp(k->format, format) || !tb_kernel_usable(k, allowed) || k->gpu)
            continue;
        int bits = __builtin_popcount(k->isa_mask);
        if (bits > best_bits) {
            best = k;
            best_bits = bits;
        }
    }
    return best;
}
