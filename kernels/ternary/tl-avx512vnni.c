/* tl-avx512vnni.c - tl kernels for AVX-512 VNNI + VBMI (tl_avx512vnni).
 * GEMV and small-n GEMM (n < TL_VNNI_MIN_N): tl's own lookup-table kernel,
 * the very impl of tl_avx512 (tb_tl_impl_avx512, tl-avx512.c).
 * GEMM (n >= TL_VNNI_MIN_N): the table build is per token while a decode of
 * the weights to codes is per matrix, so for many tokens the 16-bit words are
 * decoded to codes and multiplied by the shared VNNI engine
 * (tern-gemm-avx512vnni.c, the int8 micro-kernel).  Decode of one 32-row tile
 * word (9 columns): three vpermw per 5-bit index (the index's three base-3
 * digits, from 32-entry int16 digit tables; vpermw ignores the higher bits,
 * so shifts suffice) narrowed to bytes into a column-major buffer (32 rows per
 * column), then one vpermt2b per 16-row panel and 4-column group builds the
 * int8 panel layout.  Bit-exact vs tl_ref: both compute the exact integer
 * sum q_w * q_x (here sum codes * q_x - sum q_x) and the same float multiply. */
#include "tern-x86.h"

/* Smallest n for the decode + VNNI GEMM (below it the tables are cheaper). */
#define TL_VNNI_MIN_N 16
/* Largest K block: 112 words = 1008 columns = 252 groups of 4 (a multiple
 * of 9 and of 4); the K blocks of a matrix are balanced. */
#define TL_KC (112 * TB_TL_WCOLS)
_Static_assert(TL_KC % 36 == 0 && TL_KC <= TB_TERN_VNNI_KC, "tl: K block");

static void tl_panels_avx512vnni(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                                 int64_t klen, uint8_t *dst)
{
    (void)nrows; /* the tile is padded to 32 rows; rows past nrows are not stored */
    _Alignas(64) uint8_t cbuf[(TL_KC + 4) * TB_TL_ROWS];
    int16_t d[3][TB_TL_TAB];
    _Alignas(64) uint8_t ix[2][64];
    for (int i = 0; i < TB_TL_TAB; i++) {
        d[0][i] = (int16_t)(i < 27 ? i % 3 : 0);
        d[1][i] = (int16_t)(i < 27 ? i / 3 % 3 : 0);
        d[2][i] = (int16_t)(i < 27 ? i / 9 : 0);
    }
    for (int i = 0; i < 16; i++)
        for (int h = 0; h < 4; h++) {
            ix[0][4 * i + h] = (uint8_t)(h * 32 + i);
            ix[1][4 * i + h] = (uint8_t)(h * 32 + 16 + i);
        }
    const __m512i d0 = _mm512_loadu_si512(d[0]), d1 = _mm512_loadu_si512(d[1]);
    const __m512i d2 = _mm512_loadu_si512(d[2]);
    const __m512i i0 = _mm512_load_si512(ix[0]), i1 = _mm512_load_si512(ix[1]);
    const int64_t nw = m->nwords, m0 = k0 / TB_TL_WCOLS, nwk = klen / TB_TL_WCOLS;
    const int64_t kn = (klen + 3) / 4;
    const uint16_t *w = (const uint16_t *)(const void *)m->data +
                        ((row / TB_TL_ROWS) * nw + m0) * TB_TL_ROWS;
    for (int64_t k = 0; k < nwk; k++) {
        const __m512i a = _mm512_load_si512((const void *)(w + k * TB_TL_ROWS));
        const __m512i idx[3] = {a, _mm512_srli_epi16(a, 5), _mm512_srli_epi16(a, 10)};
        uint8_t *c = cbuf + k * TB_TL_WCOLS * TB_TL_ROWS;
#pragma GCC unroll 3
        for (int g = 0; g < 3; g++) {
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d0)));
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g + 1) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d1)));
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g + 2) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d2)));
        }
    }
    /* columns past klen up to the last whole group: code 0 (their activations are 0) */
    for (int64_t c = klen; c < kn * 4; c++)
        _mm256_store_si256((__m256i *)(void *)(cbuf + c * 32), _mm256_setzero_si256());
    for (int64_t q = 0; q < kn; q++) {
        const __m512i lo = _mm512_load_si512((const void *)(cbuf + q * 128));
        const __m512i hi = _mm512_load_si512((const void *)(cbuf + q * 128 + 64));
        _mm512_store_si512((void *)(dst + q * 64), _mm512_permutex2var_epi8(lo, i0, hi));
        _mm512_store_si512((void *)(dst + (kn + q) * 64), _mm512_permutex2var_epi8(lo, i1, hi));
    }
}

static void tl_gemm_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                               const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = (m->kpad + TL_KC - 1) / TL_KC;
    const int64_t kc = tb_tern_round_up((m->kpad + nb - 1) / nb, 36);
    tb_tern_gemm_avx512vnni(m, tl_panels_avx512vnni, kc, xq, asum, fac, n, y, r0, r1);
}

static float tl_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx512(x, cols, kpad, q, sum);
}

static size_t tl_scratch_avx512vnni(const tb_kmat *m, int64_t n)
{
    return n >= TL_VNNI_MIN_N ? tb_tern_scratch_bytes_tiled(m, n) : tb_tl_scratch_bytes(m, n);
}

static void tl_run_avx512vnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                              void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tl_quant, NULL, tl_gemm_avx512vnni, 1};
    if (n >= TL_VNNI_MIN_N)
        tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
    else
        tb_tl_run(&tb_tl_impl_avx512, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_avx512vnni = {
    .name = "tl_avx512vnni", .format = "tl", .isa = "avx512vnni",
    .isa_mask = TB_ISA_AVX512 | TB_ISA_AVX512VNNI | TB_ISA_AVX512VBMI,
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tl_scratch_avx512vnni,
    .run = tl_run_avx512vnni, .ops = tb_tl_ops,
};
