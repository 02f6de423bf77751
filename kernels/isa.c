/* isa.c - CPUID/XGETBV feature detection for kernel dispatch, and the one
 * process-wide cap on it (tb_isa_set_cap; reads no environment variable).
 * Compiled without ISA flags. */
#include "tb-gpu.h"
#include "tb-isa.h"
#include "tb-isa-req.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t detect_raw(void)
{
    unsigned a, b, c, d, max;
    uint32_t m = 0;
    if (!__get_cpuid(0, &max, &b, &c, &d))
        return 0;
    __cpuid(1, a, b, c, d);
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx)
        return 0;
    uint64_t xcr0 = xgetbv0();
    int ymm_ok = (xcr0 & 0x6) == 0x6;         /* XCR0 bits 1,2: SSE, AVX state */
    int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0; /* bits 5-7: opmask, ZMM */
    if (max < 7 || !ymm_ok)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned b7 = b, c7 = c;
    /* EBX bit 5: AVX2; bit 8: BMI2 (the avx2 files are built with -mbmi2) */
    if (((b7 >> 5) & 1) && ((b7 >> 8) & 1) && fma && f16c)
        m |= TB_ISA_AVX2;
    /* EBX bits 16 F, 17 DQ, 30 BW, 31 VL */
    if (zmm_ok && (m & TB_ISA_AVX2) && ((b7 >> 16) & 1) && ((b7 >> 17) & 1) && ((b7 >> 30) & 1) &&
        ((b7 >> 31) & 1))
        m |= TB_ISA_AVX512;
    if ((m & TB_ISA_AVX512) && ((c7 >> 11) & 1)) /* ECX bit 11: AVX512_VNNI */
        m |= TB_ISA_AVX512VNNI;
    if ((m & TB_ISA_AVX512) && ((c7 >> 1) & 1)) /* ECX bit 1: AVX512_VBMI */
        m |= TB_ISA_AVX512VBMI;
    if ((m & TB_ISA_AVX512) && ((d >> 23) & 1)) /* EDX bit 23: AVX512_FP16 */
        m |= TB_ISA_AVX512FP16;
    __cpuid_count(7, 1, a, b, c, d);
    if ((m & TB_ISA_AVX512) && ((a >> 5) & 1)) /* leaf 7.1 EAX bit 5: AVX512_BF16 */
        m |= TB_ISA_AVX512BF16;
    if ((m & TB_ISA_AVX2) && ((a >> 4) & 1)) /* leaf 7.1 EAX bit 4: AVX_VNNI */
        m |= TB_ISA_AVXVNNI;
    return m;
}

static const struct { const char *name; uint32_t bit; } bits[] = {
    {"avx2", TB_ISA_AVX2},           {"avx512", TB_ISA_AVX512},
    {"avx512vnni", TB_ISA_AVX512VNNI}, {"avx512bf16", TB_ISA_AVX512BF16},
    {"avxvnni", TB_ISA_AVXVNNI},     {"avx512vbmi", TB_ISA_AVX512VBMI},
    {"avx512fp16", TB_ISA_AVX512FP16}, {"cuda", TB_ISA_CUDA},
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
    for (size_t i = 0; i < sizeof req_rows / sizeof req_rows[0]; i++)
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
        atomic_store_explicit(&cached, detect_raw(), memory_order_relaxed);
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
