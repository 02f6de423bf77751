/* tq1-avx2.c - tq1 kernels for AVX2 (tq1_avx2).  GEMV: digits from
 * vpmaddubsw chains on 16-bit words (3 t = 256 d + t', no compares; see
 * tq1_dot_row), vpmaddubsw against activations expanded once per token
 * (tq1_gemv_x), int16 sums over 6 blocks widened by vpmaddwd.  GEMM: decode
 * to codes (digits of t_{i+1} = 3 t_i mod 256 from two signed compares after
 * flipping the sign bit), then the blocked engine of tern-gemm-avx2.c. */
#include "tern-x86.h"

/* codes (3t) >> 8 of 32 bytes (the GEMM decoder) */
static inline __attribute__((always_inline)) __m256i tq1_digits(__m256i t)
{
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    const __m256i c86 = _mm256_set1_epi8(86 - 128 - 1), c171 = _mm256_set1_epi8(171 - 128 - 1);
    __m256i tx = _mm256_xor_si256(t, flip);
    __m256i m1 = _mm256_cmpgt_epi8(tx, c86), m2 = _mm256_cmpgt_epi8(tx, c171);
    return _mm256_sub_epi8(_mm256_sub_epi8(_mm256_setzero_si256(), m1), m2);
}

static inline __attribute__((always_inline)) __m256i tq1_times3(__m256i t)
{
    return _mm256_add_epi8(_mm256_add_epi8(t, t), t);
}

/* The GEMV's activations (tb_tern_impl.gemv_x): per 32-byte chunk c of xq,
 * 64 bytes at 64c: x << 8 (word k = (0, x_2k)) then x & 0xff00 (word k =
 * (0, x_2k+1)), so the digit products below take them as memory operands
 * instead of rebuilding them for every row group (and holding them in
 * registers: 16 ymm were too few, gcc spilled the chains). */
#define TQ1_XEXP_BYTES(m) ((size_t)(2 * (m)->kpad))
static void tq1_gemv_x(const tb_kmat *m, const int8_t *xq, int8_t *out)
{
    const __m256i hmask = _mm256_set1_epi16((short)0xff00);
    for (int64_t c = 0; c < m->kpad / 32; c++) {
        __m256i x = _mm256_load_si256((const __m256i *)(const void *)(xq + 32 * c));
        _mm256_store_si256((__m256i *)(void *)(out + 64 * c), _mm256_slli_epi16(x, 8));
        _mm256_store_si256((__m256i *)(void *)(out + 64 * c + 32), _mm256_and_si256(x, hmask));
    }
}

/* sum codes * xq of one row; xe: the expanded activations (tq1_gemv_x).
 * Digits without compares: vpmaddubsw(t, (3, 0)) gives per 16-bit word
 * 3 t_even = 256 d + t' (<= 765): the digit d in the high byte, the next
 * state t' = 3 t mod 256 in the low byte; (0, 3) does the same for the odd
 * bytes, and vpmaddubsw(P, (3, 0)) steps either chain on (the high byte is
 * multiplied by 0).  The digit sits in byte 2k+1 of word k, so
 * vpmaddubsw(P, (0, x)) gives d * x exactly (|word| <= 254; the int16 sums
 * of a block <= 10 * 508, widened by vpmaddwd every TQ1_WIDEN blocks).  Per
 * 32 bytes: 10 vpmaddubsw of the chains, 10 of the dot products
 * (activations from memory), 10 int16 adds: the multiply ports bound it
 * (20 uops on 2 ports).  One row at a time: the 4-row form needed more than
 * the 16 ymm and gcc spilled its chains every block.  Each 64-byte load is
 * paired with a prefetch pf bytes on (tb_tern_pf_dist: the thread's rows
 * are one contiguous stream). */
#define TQ1_WIDEN 6 /* blocks per int16 sum: 6 * 10 * 508 < 32768 */
static inline __attribute__((always_inline)) int32_t
tq1_dot_row(const uint8_t *w, int64_t pf, const int8_t *xe, int64_t nblk)
{
    const __m256i c3e = _mm256_set1_epi16(3), c3o = _mm256_set1_epi16(3 << 8);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    for (int64_t b0 = 0; b0 < nblk; b0 += TQ1_WIDEN) {
        const int64_t be = nblk - b0 < TQ1_WIDEN ? nblk : b0 + TQ1_WIDEN;
        __m256i s = _mm256_setzero_si256();
        for (int64_t b = b0; b < be; b++) {
            const int8_t *xb = xe + b * 2 * TB_TQ1_BLOCK;
            const uint8_t *wb = w + b * TB_TQ1_BLOCK_BYTES;
            _mm_prefetch((const char *)(wb + pf), _MM_HINT_T0);
#pragma GCC unroll 2
            for (int h = 0; h < 2; h++) {
                __m256i t = _mm256_load_si256((const __m256i *)(const void *)(wb + 32 * h));
                __m256i pe = _mm256_maddubs_epi16(t, c3e), po = _mm256_maddubs_epi16(t, c3o);
#pragma GCC unroll 5
                for (int i = 0; i < 5; i++) {
                    const __m256i *x = (const __m256i *)(const void *)(xb + 128 * i + 64 * h);
                    s = _mm256_add_epi16(s, _mm256_add_epi16(_mm256_maddubs_epi16(pe, x[0]),
                                                             _mm256_maddubs_epi16(po, x[1])));
                    if (i < 4) {
                        pe = _mm256_maddubs_epi16(pe, c3e);
                        po = _mm256_maddubs_epi16(po, c3e);
                    }
                }
            }
        }
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, ones));
    }
    __m128i v = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    v = _mm_hadd_epi32(v, v);
    return _mm_cvtsi128_si32(_mm_hadd_epi32(v, v));
}

static void tq1_gemv_avx2(const tb_kmat *m, const int8_t *xe, const int32_t *asum,
                          const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ1_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(rb);
    for (int64_t r = r0; r < r1; r++)
        y[r] = (float)(tq1_dot_row(m->data + r * rb, pf, xe, nblk) - asum[0]) * fac[0];
}

void tb_tq1_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                        int64_t klen, uint8_t *dst, int64_t dstride)
{
    for (int64_t i = 0; i < nrows; i++) {
        const uint8_t *w = m->data + (row + i) * m->row_bytes + k0 / 5;
        uint8_t *d = dst + i * dstride;
        for (int64_t b = 0; b < klen / TB_TQ1_BLOCK; b++)
            for (int h = 0; h < 2; h++) {
                __m256i t = _mm256_load_si256(
                    (const __m256i *)(const void *)(w + b * TB_TQ1_BLOCK_BYTES + 32 * h));
                for (int k = 0; k < 5; k++) {
                    _mm256_store_si256((__m256i *)(void *)(d + b * TB_TQ1_BLOCK + 64 * k + 32 * h),
                                       tq1_digits(t));
                    t = tq1_times3(t);
                }
            }
    }
}

static void tq1_gemm_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                          const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    tb_tern_gemm_avx2(m, tb_tq1_decode_avx2, TB_TERN_YMM_KC / TB_TQ1_BLOCK * TB_TQ1_BLOCK, xq, asum,
                      fac, n, y, r0, r1);
}

static float tq1_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static size_t tq1_scratch_avx2(const tb_kmat *m, int64_t n)
{
    return tb_tern_scratch_bytes_gemv_x(m, n, TQ1_XEXP_BYTES(m));
}

static void tq1_run_avx2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                         tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq1_quant, tq1_gemv_avx2, tq1_gemm_avx2, 0, tq1_gemv_x};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq1_avx2 = {
    .name = "tq1_avx2", .format = "tq1", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tq1_scratch_avx2,
    .run = tq1_run_avx2, .ops = tb_tq1_ops,
};
