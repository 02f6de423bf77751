/* tq2-avxvnni.c - tq2 kernels for AVX-VNNI (tq2_avxvnni: VEX vpdpbusd on ymm,
 * for CPUs with AVX-VNNI but no AVX-512, Intel client cores from Alder Lake
 * on).  GEMV: the AVX-512 VNNI scheme on ymm: per 32-byte half block, four
 * ANDs (0x03 << 2k) give 4 x 32 codes scaled by 4^k, and vpdpbusd (unsigned
 * codes x signed activations, read from memory) adds them into 4
 * accumulators per row (each exactly 4^k times its true sum: shifted back
 * once per row); 2 rows at a time (8 accumulators + 4 masks in the 16 ymm),
 * a later row pair's block prefetched (tb_tern_pf_dist).  No vpmaddubsw/vpmaddwd
 * chain, no int16 partial sums.  Result = sum codes*x - sum x, bit-exact
 * with tq2_ref.  GEMM (n > 1): tq2_avx2's decoder and the blocked engine
 * with vpdpbusd (tern-gemm-avxvnni.c). */
#include "tern-x86.h"

static inline __attribute__((always_inline)) void
tq2_dot_rows(const uint8_t *w, int64_t rb, int64_t pf, const int8_t *a, int64_t nblk,
             int32_t out[2], const int R)
{
    const __m256i m0 = _mm256_set1_epi8(0x03), m1 = _mm256_set1_epi8(0x0c);
    const __m256i m2 = _mm256_set1_epi8(0x30), m3 = _mm256_set1_epi8((char)0xc0);
    __m256i acc[2][4];
#pragma GCC unroll 2
    for (int r = 0; r < 2; r++)
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            acc[r][k] = _mm256_setzero_si256();
    for (int64_t b = 0; b < nblk; b++) {
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            const int8_t *ab = a + b * TB_TQ2_BLOCK + 32 * h;
            const __m256i a0 = _mm256_load_si256((const __m256i *)(const void *)ab);
            const __m256i a1 = _mm256_load_si256((const __m256i *)(const void *)(ab + 64));
            const __m256i a2 = _mm256_load_si256((const __m256i *)(const void *)(ab + 128));
            const __m256i a3 = _mm256_load_si256((const __m256i *)(const void *)(ab + 192));
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) {
                const uint8_t *wp = w + r * rb + b * TB_TQ2_BLOCK_BYTES + 32 * h;
                if (h == 0)
                    _mm_prefetch((const char *)(wp + pf), _MM_HINT_T0);
                const __m256i v = _mm256_load_si256((const __m256i *)(const void *)wp);
                acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], _mm256_and_si256(v, m0), a0);
                acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], _mm256_and_si256(v, m1), a1);
                acc[r][2] = _mm256_dpbusd_avx_epi32(acc[r][2], _mm256_and_si256(v, m2), a2);
                acc[r][3] = _mm256_dpbusd_avx_epi32(acc[r][3], _mm256_and_si256(v, m3), a3);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        const __m256i s = _mm256_add_epi32(
            _mm256_add_epi32(acc[r][0], _mm256_srai_epi32(acc[r][1], 2)),
            _mm256_add_epi32(_mm256_srai_epi32(acc[r][2], 4), _mm256_srai_epi32(acc[r][3], 6)));
        out[r] = tb_tern_hsum_avx2(s);
    }
}

static void tq2_gemv_avxvnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                             const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ2_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(2 * rb);
    int32_t v[2];
    int64_t r = r0;
    for (; r + 2 <= r1; r += 2) {
        tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, v, 2);
        y[r] = (float)(v[0] - asum[0]) * fac[0];
        y[r + 1] = (float)(v[1] - asum[0]) * fac[0];
    }
    if (r < r1) {
        tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, v, 1);
        y[r] = (float)(v[0] - asum[0]) * fac[0];
    }
}

static void tq2_gemm_avxvnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                             const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    tb_tern_gemm_avxvnni(m, tb_tq2_decode_avx2, TB_TERN_YMM_KC, xq, asum, fac, n, y, r0, r1);
}

static float tq2_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static void tq2_run_avxvnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                            void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq2_quant, tq2_gemv_avxvnni, tq2_gemm_avxvnni, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq2_avxvnni = {
    .name = "tq2_avxvnni", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq2_run_avxvnni, .ops = tb_tq2_ops,
};
