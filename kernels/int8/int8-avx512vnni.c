/* int8-avx512vnni.c - variant int8_avx512vnni (AVX-512 VNNI vpdpbusd).
 * Layout and quantization rule: int8-internal.h.
 *
 * vpdpbusd multiplies unsigned by signed bytes, so activations are stored
 * as u8 = xq + 128 (in area A of the scratch, tiles of T tokens) and the
 * precomputed corr[r] = -128 * rowsum(wq) restores xq . wq exactly (int32
 * arithmetic wraps identically, and the true sum fits).
 *
 * GEMV (n == 1): each thread streams its panels once, four accumulators.
 * GEMM (n > 1): per K block of KCQ groups (2 panels x KCQ x 64 B = 16 KiB,
 * L1-resident) a 32 x NJ register-blocked micro-kernel runs over every
 * activation tile; partial int32 sums are kept in y's own memory between K
 * blocks and the float epilogue is applied after the last one.  The
 * micro-kernel lives in int8-vnni-micro.h (shared with the ternary GEMM). */
#include <immintrin.h>

#include "int8-internal.h"
#include "int8-vnni-micro.h"

#define NJ TB_I8_VNNI_NJ /* tokens per activation tile in GEMM (24 accumulators) */
#define KCQ 256 /* K block in 4-column groups (1024 columns); 128 measured equal, 64 slower */
static_assert(NJ <= TB_I8_NJ_MAX, "scratch is sized for TB_I8_NJ_MAX");

#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_i8mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *sx;
    uint32_t *xa; /* area A: u8 groups, tiles of tw tokens */
    int64_t tw;
} job;

INLINE __mmask16 row_mask(int64_t rows, int64_t p)
{
    int64_t left = rows - p * TB_I8_PANEL;
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

INLINE __mmask16 tail_mask(int64_t left)
{
    return left >= 16 ? (__mmask16)0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
}

/* Quantize token j into its tile slot (u8 = xq + 128). */
static void quant_token(const job *jb, int64_t j)
{
    const int64_t cols = jb->m->cols, kq = jb->m->kq, tw = jb->tw;
    const float *x = jb->x + j * cols;
    __m512 amax = _mm512_setzero_ps();
    for (int64_t c = 0; c < cols; c += 16)
        amax = _mm512_max_ps(amax,
                             _mm512_abs_ps(_mm512_maskz_loadu_ps(tail_mask(cols - c), x + c)));
    const float a = _mm512_reduce_max_ps(amax);
    const float inv = a > 0.0f ? 127.0f / a : 0.0f;
    jb->sx[j] = a > 0.0f ? a / 127.0f : 0.0f;
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
    const __m512i off = _mm512_set1_epi32(128);
    uint32_t *dst = jb->xa + ((j / tw) * kq) * tw + j % tw;
    uint32_t tmp[4];
    for (int64_t c = 0; c < kq * TB_I8_KG; c += 16) {
        const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(tail_mask(cols - c), x + c), vinv);
        __m512i q = _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), off);
        const __m128i b = _mm512_cvtepi32_epi8(q);
        const int64_t g0 = c / TB_I8_KG, ng = kq - g0 < 4 ? kq - g0 : 4;
        if (tw == 1) {
            _mm_mask_storeu_epi32(dst + g0, (__mmask8)((1u << ng) - 1), b);
        } else {
            _mm_storeu_si128((__m128i *)tmp, b);
            for (int64_t g = 0; g < ng; g++)
                dst[(g0 + g) * tw] = tmp[g];
        }
    }
}

static void quant_worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    long j0, j1;
    tb_pool_split((long)jb->n, jb->tw, tid, nthreads, &j0, &j1);
    for (int64_t j = j0; j < j1; j++)
        quant_token(jb, j);
}

/* ---- GEMV ---- */

/* Output panels [p0, p1). */
static void gemv_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq;
    const uint32_t *xa = jb->xa;
    for (int64_t p = p0; p < p1; p++) {
        const int8_t *w = m->w + p * kq * 64;
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
        __m512i a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
        int64_t q = 0;
        for (; q + 4 <= kq; q += 4) {
            const int8_t *wq = w + q * 64;
            _mm_prefetch((const char *)(wq + 2048), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 64), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 128), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 192), _MM_HINT_T0);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32((int)xa[q]), _mm512_load_si512(wq));
            a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32((int)xa[q + 1]),
                                     _mm512_load_si512(wq + 64));
            a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32((int)xa[q + 2]),
                                     _mm512_load_si512(wq + 128));
            a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32((int)xa[q + 3]),
                                     _mm512_load_si512(wq + 192));
        }
        for (; q < kq; q++)
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32((int)xa[q]),
                                     _mm512_load_si512(w + q * 64));
        const __m512i s = _mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3));
        _mm512_mask_storeu_ps(jb->y + p * TB_I8_PANEL, row_mask(m->rows, p),
                              tb_i8_vnni_epilogue(TB_I8_VNNI_INT8, s, m->corr + p * TB_I8_PANEL,
                                                  m->scale + p * TB_I8_PANEL, 0, jb->sx[0]));
    }
}

/* ---- GEMM ---- */

TB_I8_VNNI_MICROS(micro, TB_I8_VNNI_INT8)

/* Panels [p0, p1), a piece of tb_pool_run_shared (pairs of panels). */
static void gemm_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq, rows = m->rows, n = jb->n;
    for (int64_t k0 = 0; k0 < kq; k0 += KCQ) {
        const int64_t kn = kq - k0 < KCQ ? kq - k0 : KCQ;
        const int first = k0 == 0, last = k0 + kn == kq;
        for (int64_t p = p0; p < p1; p += 2) {
            const int np = p + 1 < p1 ? 2 : 1;
            const int8_t *b0 = m->w + (p * kq + k0) * 64;
            const int8_t *b1 = np > 1 ? b0 + kq * 64 : b0;
            const __mmask16 m0 = row_mask(rows, p), m1 = np > 1 ? row_mask(rows, p + 1) : 0;
            /* next block in loop order: panels p+2, p+3 at this K block (formed
             * as integers: may lie past the matrix; prefetches never fault) */
            const char *n0 = (const char *)((uintptr_t)b0 + (uintptr_t)(2 * kq * 64));
            const char *n1 = (const char *)((uintptr_t)b0 + (uintptr_t)(3 * kq * 64));
            for (int64_t j0 = 0; j0 < n; j0 += NJ) {
                const int nj = n - j0 < NJ ? (int)(n - j0) : NJ;
                const tb_i8_vnni_tile t = {
                    .b0 = b0, .b1 = b1, .kn = kn,
                    .xt = jb->xa + (j0 / NJ) * kq * NJ + k0 * NJ,
                    .y = jb->y + j0 * rows + p * TB_I8_PANEL, .ldy = rows,
                    .first = first, .last = last, .m0 = m0, .m1 = m1,
                    .pf0 = j0 == 0 ? n0 : (const char *)b0,
                    .pf1 = j0 == 0 ? n1 : (const char *)b1,
                    .rint = m->corr + p * TB_I8_PANEL, .rf = m->scale + p * TB_I8_PANEL,
                    .cint = NULL, .cf = jb->sx + j0,
                };
                micro_tab[np - 1][nj - 1](&t);
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    job jb = {m, x, n, y, scratch,
              (uint32_t *)((char *)scratch + tb_i8_scratch_sx_bytes(n)), n == 1 ? 1 : NJ};
    if (n == 1) {
        quant_token(&jb, 0);
        tb_pool_run_shared(pool, nthreads, (long)m->npanels,
                           tb_pool_chunk_units((long)m->kq * 64, 1), gemv_panels, &jb);
        return;
    }
    tb_pool_run(pool, nthreads, quant_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kq * 64, 2),
                       gemm_panels, &jb);
}

const tb_kernel tb_k_int8_avx512vnni = {
    .name = "int8_avx512vnni",
    .format = "int8",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "int8_ref",
    .max_nmse = 0,
    .bits_per_weight = 8,
    .act = TB_ACT_I8,
    .prepare = tb_i8_prepare,
    .free = tb_i8_free,
    .clone = tb_i8_clone,
    .bytes = tb_i8_bytes,
    .scratch_bytes = tb_i8_scratch_bytes,
    .run = run,
    .ops = tb_i8_ops,
};
