/* tq1-avxvnni.c - tq1 kernels for AVX-VNNI (tq1_avxvnni: VEX vpdpbusd on ymm,
 * for CPUs with AVX-VNNI but no AVX-512, Intel client cores from Alder Lake
 * on).  GEMV: tq1_avx512vnni's scheme on 32-byte halves, no digit
 * extraction: with t_0 the stored byte and t_{i+1} = 3 t_i mod 256 (two byte
 * adds), 3 t_i = 256 d_i + t_{i+1}, so per lane
 *   sum_j d_i[j] x_i[j] = (3 sum t_i x_i - sum t_{i+1} x_i) / 256   (exact)
 * and two vpdpbusd (t unsigned, activations signed, from memory) per digit
 * replace tq1_avx2's two compares, two subtractions, vpmaddubsw and int16
 * add.  4 rows at a time (8 int32 chains: A and B per row), one reduction per
 * 4 rows, each row load paired with a prefetch of the same block of the next
 * row group.  Result = sum codes*x - sum x, bit-exact with tq1_ref.
 * GEMM (n > 1): tq1_avx2's decoder and the AVX2 blocked engine. */
#include "tern-x86.h"

static inline __attribute__((always_inline)) __m128i
tq1_dot_rows(const uint8_t *w, int64_t rb, int64_t pf, const int8_t *a, int64_t nblk, const int R)
{
    __m256i accA[4], accB[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
        accA[r] = accB[r] = _mm256_setzero_si256();
    for (int64_t b = 0; b < nblk; b++) {
        const int8_t *ab = a + b * TB_TQ1_BLOCK;
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            const uint8_t *wb = w + r * rb + b * TB_TQ1_BLOCK_BYTES;
            _mm_prefetch((const char *)(wb + pf), _MM_HINT_T0);
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                const __m256i *x = (const __m256i *)(const void *)(ab + 32 * h);
                __m256i t = _mm256_load_si256((const __m256i *)(const void *)(wb + 32 * h));
#pragma GCC unroll 5
                for (int i = 0; i < 5; i++) {
                    accA[r] = _mm256_dpbusd_avx_epi32(accA[r], t, x[2 * i]);
                    t = _mm256_add_epi8(_mm256_add_epi8(t, t), t);
                    accB[r] = _mm256_dpbusd_avx_epi32(accB[r], t, x[2 * i]);
                }
            }
        }
    }
    __m256i s[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        __m256i A = accA[r];
        s[r] = _mm256_srai_epi32(
            _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(A, A), A), accB[r]), 8);
    }
    __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/* y[i] = (float)(v[i] - asum) * fac for the first nr lanes. */
static inline void tq1_store4(float *y, __m128i v, int32_t asum, float fac, int nr)
{
    __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(_mm_sub_epi32(v, _mm_set1_epi32(asum))),
                          _mm_set1_ps(fac));
    if (nr == 4) {
        _mm_storeu_ps(y, f);
        return;
    }
    float t[4];
    _mm_storeu_ps(t, f);
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

static void tq1_gemv_avxvnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                             const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ1_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(4 * rb);
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        tq1_store4(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 4), asum[0], fac[0], 4);
    switch (r1 - r) {
    case 3:
        tq1_store4(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 3), asum[0], fac[0], 3);
        break;
    case 2:
        tq1_store4(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 2), asum[0], fac[0], 2);
        break;
    case 1:
        tq1_store4(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 1), asum[0], fac[0], 1);
        break;
    default:
        break;
    }
}

static void tq1_gemm_avxvnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                             const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    tb_tern_gemm_avxvnni(m, tb_tq1_decode_avx2, TB_TERN_YMM_KC / TB_TQ1_BLOCK * TB_TQ1_BLOCK, xq,
                         asum, fac, n, y, r0, r1);
}

static float tq1_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static void tq1_run_avxvnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                            void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq1_quant, tq1_gemv_avxvnni, tq1_gemm_avxvnni, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq1_avxvnni = {
    .name = "tq1_avxvnni", .format = "tq1", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq1_run_avxvnni, .ops = tb_tq1_ops,
};
