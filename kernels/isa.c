/* isa.c - the architecture-neutral side of kernel dispatch: the cached
 * feature probe (the probe itself is kernels/<arch>/cpu-<arch>.c), the one
 * process-wide cap on it (tb_isa_set_cap; reads no environment variable),
 * level names and the per-suffix requirements of cmake/isa-table.txt.
 * Compiled without ISA flags. */
#include "tb-gpu.h"
#include "tb-isa.h"
#include "tb-isa-req.h"
#include "cpu-arch.h"

#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

static const struct { const char *name; uint32_t bit; } bits[] = {
    {"avx2", TB_ISA_AVX2},           {"avx512", TB_ISA_AVX512},
    {"avx512vnni", TB_ISA_AVX512VNNI}, {"avx512bf16", TB_ISA_AVX512BF16},
    {"avxvnni", TB_ISA_AVXVNNI},     {"avx512vbmi", TB_ISA_AVX512VBMI},
    {"avx512fp16", TB_ISA_AVX512FP16}, {"cuda", TB_ISA_CUDA},
    {"neon", TB_ISA_NEON},           {"neondot", TB_ISA_NEONDOT},
    {"neoni8mm", TB_ISA_NEONI8MM},   {"neonfp16", TB_ISA_NEONFP16},
    {"neonbf16", TB_ISA_NEONBF16},
};

int tb_isa_parse(const char *name, uint32_t *mask)
{
    uint32_t all = 0xffffffffu;
    if (!strcmp(name, "native") || !strcmp(name, "auto"))
        *mask = all;
    else if (!strcmp(name, "scalar"))
        *mask = TB_ISA_CUDA; /* the levels cap the CPU; the GPU stays */
    else if (!strcmp(name, "avx2"))
        *mask = TB_ISA_CUDA | TB_ISA_AVX2;
    else if (!strcmp(name, "avxvnni")) /* AVX2 + VEX AVX-VNNI, no AVX-512 (Alder Lake on) */
        *mask = TB_ISA_CUDA | TB_ISA_AVX2 | TB_ISA_AVXVNNI;
    else if (!strcmp(name, "avx512"))
        *mask = TB_ISA_CUDA | TB_ISA_AVX2 | TB_ISA_AVX512 | TB_ISA_AVX512VBMI;
    else if (!strcmp(name, "avx512vnni"))
        *mask = TB_ISA_CUDA | TB_ISA_AVX2 | TB_ISA_AVX512 | TB_ISA_AVX512VBMI | TB_ISA_AVX512VNNI | TB_ISA_AVXVNNI;
    else if (!strcmp(name, "avx512bf16"))
        *mask = all;
    /* Arm levels: plain Armv8.0 NEON; Armv8.2 class (dotprod + fp16
     * arithmetic: Neoverse N1, Cortex-A76); Armv8.6 class (+ i8mm and
     * bf16, both mandatory from Armv8.6-A: Neoverse V1/N2, Graviton 3). */
    else if (!strcmp(name, "neon"))
        *mask = TB_ISA_CUDA | TB_ISA_NEON;
    else if (!strcmp(name, "neondot"))
        *mask = TB_ISA_CUDA | TB_ISA_NEON | TB_ISA_NEONDOT | TB_ISA_NEONFP16;
    else if (!strcmp(name, "neoni8mm"))
        *mask = TB_ISA_CUDA | TB_ISA_NEON | TB_ISA_NEONDOT | TB_ISA_NEONFP16 | TB_ISA_NEONI8MM |
                TB_ISA_NEONBF16;
    else
        return -1;
    return 0;
}

static const struct { const char *suffix; uint32_t bits; const char *flags; } req_rows[] = {
    TB_ISA_REQ_ROWS
};

int tb_isa_suffix_req(const char *suffix, uint32_t *mask)
{
    if (!strcmp(suffix, "scalar")) {
        *mask = 0;
        return 0;
    }
    if (!strcmp(suffix, "cuda")) {
        *mask = TB_ISA_CUDA;
        return 0;
    }
    for (size_t i = 0; i < TB_ISA_REQ_NROWS; i++)
        if (!strcmp(suffix, req_rows[i].suffix)) {
            *mask = req_rows[i].bits;
            return 0;
        }
    return -1;
}

uint32_t tb_isa_detect(void)
{
    /* a race of two first calls computes the same value twice: harmless */
    static _Atomic uint32_t cached;
    static _Atomic int done;
    if (!atomic_load_explicit(&done, memory_order_acquire)) {
        atomic_store_explicit(&cached, tb_cpu_detect_isa(), memory_order_relaxed);
        atomic_store_explicit(&done, 1, memory_order_release);
    }
    return atomic_load_explicit(&cached, memory_order_relaxed);
}

static _Atomic uint32_t cap = 0xffffffffu;

void tb_isa_set_cap(uint32_t mask) { atomic_store_explicit(&cap, mask, memory_order_relaxed); }

uint32_t tb_isa_cap(void) { return atomic_load_explicit(&cap, memory_order_relaxed); }

uint32_t tb_isa_allowed(void) { return (tb_isa_detect() | tb_gpu_bits()) & tb_isa_cap(); }

const char *tb_isa_names(uint32_t mask, char *buf, int len)
{
    int off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if ((mask & bits[i].bit) && off < len)
            off += snprintf(buf + off, (size_t)(len - off), "%s%s", off ? " " : "", bits[i].name);
    if (!mask)
        snprintf(buf, (size_t)len, "scalar");
    return buf;
}
