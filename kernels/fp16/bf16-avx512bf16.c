/* bf16-avx512bf16.c - variant bf16_avx512bf16 (AVX-512 BF16): bf16 weights
 * and bf16 activations (rounded to nearest even inside run(), timed), pairs
 * multiplied and summed into fp32 by vdpbf16ps.  Layout: fp16-internal.h.
 *
 * Activations are converted into tiles of T tokens, pair-interleaved
 * (xp[q][j] = the two bf16 of x[j][2q..2q+1] in one 32-bit word; T = 1 for
 * GEMV so the tile is the plain row).  GEMV: each thread streams its panels
 * once, four accumulators.  GEMM: per K block of KCP pairs (2 panels x KCP x
 * 64 B = 16 KiB, L1-resident) a 32 x NJ register-blocked micro-kernel runs
 * over every activation tile, adding into y.
 *
 * Accuracy vs bf16_ref (same bf16 operands, fp64 accumulation): only the
 * fp32 accumulation order differs; NMSE ~ K * 2^-48 / 6 < 1e-11 for
 * K <= 28672, bound stated as 1e-9.  Note vdpbf16ps treats bf16 denormals
 * as zero (no effect on the normal-range data we use). */
#include <immintrin.h>

#include "fp16-internal.h"

#define NJ 12   /* tokens per activation tile in GEMM */
#define KCP 128 /* K block in pairs (256 columns) */
static_assert(NJ <= TB_F16_NJ_MAX, "scratch is sized for TB_F16_NJ_MAX");

#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float *x;
    int64_t n;
    float *y;
    uint32_t *xp;
    int64_t tw; /* tile width: 1 (GEMV) or NJ */
} job;

INLINE __mmask16 row_mask(int64_t rows, int64_t p)
{
    int64_t left = rows - p * TB_F16_PANEL;
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

INLINE __m512 dp(__m512 acc, __m512i w, __m512i x)
{
    return _mm512_dpbf16_ps(acc, (__m512bh)w, (__m512bh)x);
}

/* Convert token rows into bf16-pair tiles (vcvtne2ps2bf16: RNE). */
static void convert_tiles(const job *jb, int64_t t0, int64_t t1)
{
    const int64_t cols = jb->m->cols, pairs = jb->m->kstep, tw = jb->tw;
    uint32_t tmp[16] __attribute__((aligned(64)));
    for (int64_t t = t0; t < t1; t++) {
        uint32_t *dst = jb->xp + t * pairs * tw;
        for (int64_t jj = 0; jj < tw; jj++) {
            const int64_t j = t * tw + jj;
            if (j >= jb->n) {
                for (int64_t q = 0; q < pairs; q++)
                    dst[q * tw + jj] = 0;
                continue;
            }
            const float *src = jb->x + j * cols;
            for (int64_t c = 0; c < cols; c += 32) {
                const int64_t left = cols - c;
                const __mmask16 ml = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
                const __mmask16 mh =
                    left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
                const __m512 lo = _mm512_maskz_loadu_ps(ml, src + c);
                const __m512 hi = _mm512_maskz_loadu_ps(mh, src + c + 16);
                const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
                const int64_t npairs = left >= 32 ? 16 : (left + 1) / 2;
                if (tw == 1) {
                    _mm512_mask_storeu_epi32(dst + c / 2, (__mmask16)((1u << npairs) - 1), v);
                } else {
                    _mm512_store_si512(tmp, v);
                    for (int64_t q = 0; q < npairs; q++)
                        dst[(c / 2 + q) * tw + jj] = tmp[q];
                }
            }
        }
    }
}

static void convert_worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    long t0, t1;
    tb_pool_split((long)((jb->n + jb->tw - 1) / jb->tw), 1, tid, nthreads, &t0, &t1);
    convert_tiles(jb, t0, t1);
}

/* ---- GEMV ---- */

/* Output panels [p0, p1). */
static void gemv_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t pairs = m->kstep;
    const uint32_t *xp = jb->xp;
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * pairs * 32;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        int64_t q = 0;
        for (; q + 4 <= pairs; q += 4) {
            const uint16_t *wq = w + q * 32;
            _mm_prefetch((const char *)(wq + 2048), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 96), _MM_HINT_T0);
            a0 = dp(a0, _mm512_load_si512(wq), _mm512_set1_epi32((int)xp[q]));
            a1 = dp(a1, _mm512_load_si512(wq + 32), _mm512_set1_epi32((int)xp[q + 1]));
            a2 = dp(a2, _mm512_load_si512(wq + 64), _mm512_set1_epi32((int)xp[q + 2]));
            a3 = dp(a3, _mm512_load_si512(wq + 96), _mm512_set1_epi32((int)xp[q + 3]));
        }
        for (; q < pairs; q++)
            a0 = dp(a0, _mm512_load_si512(w + q * 32), _mm512_set1_epi32((int)xp[q]));
        __m512 s = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        _mm512_mask_storeu_ps(jb->y + p * TB_F16_PANEL, row_mask(m->rows, p), s);
    }
}

/* ---- GEMM ---- */

INLINE void micro(const int np, const int nj, const uint16_t *b0, const uint16_t *b1, int64_t kn,
                  const uint32_t *xt, float *y, int64_t ldy, int accum, __mmask16 m0,
                  __mmask16 m1, const char *pf0, const char *pf1)
{
    __m512 acc0[NJ], acc1[NJ];
#pragma GCC unroll 12
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            acc0[j] = accum ? _mm512_maskz_loadu_ps(m0, y + j * ldy) : _mm512_setzero_ps();
            if (np > 1)
                acc1[j] = accum ? _mm512_maskz_loadu_ps(m1, y + j * ldy + 16)
                                : _mm512_setzero_ps();
        }
    }
    for (int64_t q = 0; q < kn; q++) {
        const __m512i w0 = _mm512_load_si512(b0 + q * 32);
        const __m512i w1 = np > 1 ? _mm512_load_si512(b1 + q * 32) : w0;
        const uint32_t *xq = xt + q * NJ;
        _mm_prefetch(pf0 + q * 64, _MM_HINT_T1); /* the next block's weights */
        _mm_prefetch(pf1 + q * 64, _MM_HINT_T1);
#pragma GCC unroll 12
        for (int j = 0; j < NJ; j++) {
            if (j < nj) {
                const __m512i xv = _mm512_set1_epi32((int)xq[j]);
                acc0[j] = dp(acc0[j], w0, xv);
                if (np > 1)
                    acc1[j] = dp(acc1[j], w1, xv);
            }
        }
    }
#pragma GCC unroll 12
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            _mm512_mask_storeu_ps(y + j * ldy, m0, acc0[j]);
            if (np > 1)
                _mm512_mask_storeu_ps(y + j * ldy + 16, m1, acc1[j]);
        }
    }
}

typedef void (*micro_fn)(const uint16_t *, const uint16_t *, int64_t, const uint32_t *, float *,
                         int64_t, int, __mmask16, __mmask16, const char *, const char *);

#define MICRO(NP, NJV)                                                                        \
    static void micro_##NP##_##NJV(const uint16_t *b0, const uint16_t *b1, int64_t kn,         \
                                   const uint32_t *xt, float *y, int64_t ldy, int accum,      \
                                   __mmask16 m0, __mmask16 m1, const char *pf0,               \
                                   const char *pf1)                                           \
    {                                                                                         \
        micro(NP, NJV, b0, b1, kn, xt, y, ldy, accum, m0, m1, pf0, pf1);                      \
    }
#define MICRO_ALL(NP)                                                                         \
    MICRO(NP, 1) MICRO(NP, 2) MICRO(NP, 3) MICRO(NP, 4) MICRO(NP, 5) MICRO(NP, 6)             \
    MICRO(NP, 7) MICRO(NP, 8) MICRO(NP, 9) MICRO(NP, 10) MICRO(NP, 11) MICRO(NP, 12)
MICRO_ALL(1)
MICRO_ALL(2)

static const micro_fn micro_tab[2][NJ] = {
    {micro_1_1, micro_1_2, micro_1_3, micro_1_4, micro_1_5, micro_1_6, micro_1_7, micro_1_8,
     micro_1_9, micro_1_10, micro_1_11, micro_1_12},
    {micro_2_1, micro_2_2, micro_2_3, micro_2_4, micro_2_5, micro_2_6, micro_2_7, micro_2_8,
     micro_2_9, micro_2_10, micro_2_11, micro_2_12},
};

/* Panels [p0, p1), a piece of tb_pool_run_shared (pairs of panels). */
static void gemm_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t pairs = m->kstep, rows = m->rows, n = jb->n;
    for (int64_t k0 = 0; k0 < pairs; k0 += KCP) {
        const int64_t kn = pairs - k0 < KCP ? pairs - k0 : KCP;
        for (int64_t p = p0; p < p1; p += 2) {
            const int np = p + 1 < p1 ? 2 : 1;
            const uint16_t *b0 = m->w + (p * pairs + k0) * 32;
            const uint16_t *b1 = np > 1 ? b0 + pairs * 32 : b0;
            const __mmask16 m0 = row_mask(rows, p), m1 = np > 1 ? row_mask(rows, p + 1) : 0;
            /* next block in loop order: panels p+2, p+3 at this K block (formed
             * as integers: may lie past the matrix; prefetches never fault) */
            const char *n0 = (const char *)((uintptr_t)b0 + (uintptr_t)(2 * pairs * 64));
            const char *n1 = (const char *)((uintptr_t)b0 + (uintptr_t)(3 * pairs * 64));
            for (int64_t j0 = 0; j0 < n; j0 += NJ) {
                const int nj = n - j0 < NJ ? (int)(n - j0) : NJ;
                const uint32_t *xt = jb->xp + (j0 / NJ) * pairs * NJ + k0 * NJ;
                micro_tab[np - 1][nj - 1](b0, b1, kn, xt, jb->y + j0 * rows + p * TB_F16_PANEL,
                                          rows, k0 > 0, m0, m1, j0 == 0 ? n0 : (const char *)b0,
                                          j0 == 0 ? n1 : (const char *)b1);
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    job jb = {tb_f16mat_of(km), x, n, y, scratch, n == 1 ? 1 : NJ};
    if (n == 1) {
        convert_tiles(&jb, 0, 1);
        tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                           tb_pool_chunk_units((long)jb.m->kstep * 64, 1), gemv_panels, &jb);
        return;
    }
    tb_pool_run(pool, nthreads, convert_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                       tb_pool_chunk_units((long)jb.m->kstep * 64, 2), gemm_panels, &jb);
}

const tb_kernel tb_k_bf16_avx512bf16 = {
    .name = "bf16_avx512bf16",
    .format = "bf16",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "bf16_ref",
    .max_nmse = 1e-9,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_bf16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = tb_bf16_scratch_tiles,
    .run = run,
    .ops = tb_bf16_ops,
};
