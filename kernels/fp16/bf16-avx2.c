/* bf16-avx2.c - variant bf16_avx2 (AVX2 + FMA): bf16 weights widened to fp32
 * by shifts (a bf16 is the high half of an fp32), fp32 FMA.  Layout:
 * fp16-internal.h (bf16 pair steps: one u32 per row holds columns 2q, 2q+1).
 *
 * Activations are rounded to bf16 (RNE, as bf16_ref and the AVX-512 BF16
 * path do) inside run(), timed, into the scratch as fp32.
 * GEMV (n == 1): each thread streams its panels once; per pair step two ymm
 * loads (rows 0-7, 8-15), vpslld 16 gives the even column, vpand 0xffff0000
 * the odd one, four FMAs into four accumulators; software prefetch.
 * GEMM (n > 1): the fp16_avx2 driver (tb_f16_gemm_avx2, fp16-avx2.c) in its
 * bf16 mode: panels widened once per K block, 16 x 6 FMA micro-kernel.
 *
 * Accuracy vs bf16_ref (same bf16 operands, exact products in fp32, fp32
 * vs fp64 accumulation): NMSE ~ K 2^-48 / 6, bound 1e-9 as bf16_avx512bf16. */
#include <immintrin.h>

#include "fp16-internal.h"

#define PF_BYTES 2048 /* prefetch distance along a thread's stream */

typedef struct job {
    const tb_f16mat *m;
    const float *xr; /* activations rounded to bf16, 2 * kstep floats (zero-padded) */
    float *y;
} job;

/* x rounded to bf16 (RNE; NaN stays a quiet NaN), as fp32: exactly
 * tb_bf16_to_f32(tb_bf16_from_f32(x)). */
static void round_bf16(const float *x, int64_t cols, int64_t kpad, float *out)
{
    const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
    const __m256i hi16 = _mm256_set1_epi32((int)0xffff0000u), quiet = _mm256_set1_epi32(0x400000);
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8) {
        const __m256 v = _mm256_loadu_ps(x + c);
        const __m256i u = _mm256_castps_si256(v);
        __m256i r = _mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(
                                                                   _mm256_srli_epi32(u, 16), one)));
        r = _mm256_and_si256(r, hi16);
        const __m256i nan = _mm256_and_si256(_mm256_or_si256(u, quiet), hi16);
        const __m256 isnan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        _mm256_storeu_ps(out + c, _mm256_blendv_ps(_mm256_castsi256_ps(r),
                                                   _mm256_castsi256_ps(nan), isnan));
    }
    for (; c < cols; c++)
        out[c] = tb_bf16_to_f32(tb_bf16_from_f32(x[c]));
    for (; c < kpad; c++)
        out[c] = 0.0f;
}

/* Output panels [p0, p1). */
static void gemv_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t pairs = m->kstep;
    const float *x = jb->xr;
    const __m256i hi16 = _mm256_set1_epi32((int)0xffff0000u);
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * pairs * 32;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (int64_t q = 0; q < pairs; q++) {
            const uint16_t *wq = w + q * 32;
            _mm_prefetch((const char *)wq + PF_BYTES, _MM_HINT_T0);
            const __m256i v0 = _mm256_load_si256((const __m256i *)(const void *)wq);
            const __m256i v1 = _mm256_load_si256((const __m256i *)(const void *)(wq + 16));
            const __m256 xe = _mm256_broadcast_ss(x + 2 * q), xo = _mm256_broadcast_ss(x + 2 * q + 1);
            a0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v0, 16)), xe, a0);
            a1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v1, 16)), xe, a1);
            a2 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v0, hi16)), xo, a2);
            a3 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v1, hi16)), xo, a3);
        }
        const __m256 lo = _mm256_add_ps(a0, a2), hi = _mm256_add_ps(a1, a3);
        float *y = jb->y + p * TB_F16_PANEL;
        const int64_t left = m->rows - p * TB_F16_PANEL;
        if (left >= 16) {
            _mm256_storeu_ps(y, lo);
            _mm256_storeu_ps(y + 8, hi);
        } else {
            const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            const __m256i l = _mm256_set1_epi32((int)left);
            _mm256_maskstore_ps(y, _mm256_cmpgt_epi32(l, idx), lo);
            _mm256_maskstore_ps(y + 8, _mm256_cmpgt_epi32(l, _mm256_add_epi32(idx, _mm256_set1_epi32(8))),
                                hi);
        }
    }
}

static size_t scratch_bytes(const tb_kmat *km, int64_t n)
{
    const int64_t k = 2 * tb_f16mat_of(km)->kstep;
    const int64_t npad = n <= 1 ? 1 : (n + TB_F16_NJ_MAX - 1) / TB_F16_NJ_MAX * TB_F16_NJ_MAX;
    return (size_t)(npad * k) * sizeof(float);
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    if (n > 1) {
        tb_f16_gemm_avx2(km, x, n, y, scratch, pool, nthreads, 1);
        return;
    }
    round_bf16(x, m->cols, 2 * m->kstep, scratch);
    job jb = {m, scratch, y};
    tb_pool_run_shared(pool, nthreads, (long)m->npanels,
                       tb_pool_chunk_units((long)m->kstep * 64, 1), gemv_panels, &jb);
}

const tb_kernel tb_k_bf16_avx2 = {
    .name = "bf16_avx2",
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
    .scratch_bytes = scratch_bytes,
    .run = run,
    .ops = tb_bf16_ops,
};
