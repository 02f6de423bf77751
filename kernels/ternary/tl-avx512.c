/* tl-avx512.c - tl kernels for AVX-512 BW (tl_avx512).  Tables: per group
 * of 3 activations, the 27 signed sums as one zmm of int16 (3 broadcasts,
 * 3 vpmullw by constant digit vectors: outside the inner loop).  Inner loop:
 * for 32 rows x 9 columns, one 64-byte load of 16-bit words, three vpermw
 * (5-bit indices at bits 0, 5, 10; vpermw ignores higher bits, so shifts
 * suffice) and three int16 adds; no multiplies.  int16 sums are widened to
 * int32 every 28 words (28 * 3 * 381 < 32768).  Four tiles (128 rows) share
 * each table load.  Row results land in lanes, so no horizontal sums.
 * The impl record is shared with tl_avx512vnni (its GEMV). */
#include "tern-x86.h"

/* Largest run of words whose int16 sums cannot overflow: 3 lookups of at
 * most 3 * 127 per word. */
#define TL_FLUSH 28
_Static_assert(TL_FLUSH * 3 * 3 * 127 <= 32767, "tl: int16 partial sums overflow");

static void tl_build_avx512(const int8_t *xq, int64_t nwords, int16_t *tabs)
{
    int16_t d[3][TB_TL_TAB];
    for (int i = 0; i < TB_TL_TAB; i++) {
        d[0][i] = (int16_t)(i < 27 ? i % 3 - 1 : 0);
        d[1][i] = (int16_t)(i < 27 ? i / 3 % 3 - 1 : 0);
        d[2][i] = (int16_t)(i < 27 ? i / 9 - 1 : 0);
    }
    const __m512i d0 = _mm512_loadu_si512(d[0]), d1 = _mm512_loadu_si512(d[1]);
    const __m512i d2 = _mm512_loadu_si512(d[2]);
    for (int64_t g = 0; g < 3 * nwords; g++) {
        const int8_t *a = xq + 3 * g;
        __m512i t = _mm512_mullo_epi16(_mm512_set1_epi16(a[0]), d0);
        t = _mm512_add_epi16(t, _mm512_mullo_epi16(_mm512_set1_epi16(a[1]), d1));
        t = _mm512_add_epi16(t, _mm512_mullo_epi16(_mm512_set1_epi16(a[2]), d2));
        _mm512_store_si512((void *)(tabs + g * TB_TL_TAB), t);
    }
}

/* Tiles per pass (128 rows share each table load) and software prefetch
 * distance in bytes along each tile's weight stream (both measured). */
#define TL_TILES 4
#define TL_PF 1024

/* T (<= TL_TILES) tiles of 32 rows from w (tile stride ts u16): acc[2i],
 * acc[2i+1] = rows 0-15 / 16-31 of tile i.  One load of each table serves
 * all T tiles. */
static inline __attribute__((always_inline)) void
tl_tiles(const uint16_t *w, int64_t ts, const int16_t *tab, int64_t nw, __m512i acc[2 * TL_TILES],
         const int T)
{
#pragma GCC unroll 8
    for (int i = 0; i < 2 * TL_TILES; i++)
        acc[i] = _mm512_setzero_si512();
    for (int64_t m0 = 0; m0 < nw; m0 += TL_FLUSH) {
        int64_t me = nw - m0 < TL_FLUSH ? nw : m0 + TL_FLUSH;
        __m512i s0[TL_TILES], s1[TL_TILES];
#pragma GCC unroll 4
        for (int i = 0; i < TL_TILES; i++)
            s0[i] = s1[i] = _mm512_setzero_si512();
        for (int64_t m = m0; m < me; m++) {
            const int16_t *t = tab + 3 * m * TB_TL_TAB;
            __m512i t0 = _mm512_load_si512((const void *)t);
            __m512i t1 = _mm512_load_si512((const void *)(t + TB_TL_TAB));
            __m512i t2 = _mm512_load_si512((const void *)(t + 2 * TB_TL_TAB));
#pragma GCC unroll 4
            for (int i = 0; i < T; i++) {
                const uint16_t *wp = w + i * ts + m * TB_TL_ROWS;
                _mm_prefetch((const char *)wp + TL_PF, _MM_HINT_T0);
                __m512i a = _mm512_load_si512((const void *)wp);
                s0[i] = _mm512_add_epi16(s0[i], _mm512_permutexvar_epi16(a, t0));
                s1[i] = _mm512_add_epi16(s1[i],
                                         _mm512_permutexvar_epi16(_mm512_srli_epi16(a, 5), t1));
                s0[i] = _mm512_add_epi16(s0[i],
                                         _mm512_permutexvar_epi16(_mm512_srli_epi16(a, 10), t2));
            }
        }
        /* widen; s0 holds <= 2 lookups per word, s1 one: both within int16 */
#pragma GCC unroll 4
        for (int i = 0; i < T; i++) {
            acc[2 * i] = _mm512_add_epi32(acc[2 * i],
                                          _mm512_cvtepi16_epi32(_mm512_castsi512_si256(s0[i])));
            acc[2 * i + 1] = _mm512_add_epi32(
                acc[2 * i + 1], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(s0[i], 1)));
            acc[2 * i] = _mm512_add_epi32(acc[2 * i],
                                          _mm512_cvtepi16_epi32(_mm512_castsi512_si256(s1[i])));
            acc[2 * i + 1] = _mm512_add_epi32(
                acc[2 * i + 1], _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(s1[i], 1)));
        }
    }
}

static inline void tl_store16(float *y, int64_t row, int64_t rows, __m512i v, float fac)
{
    if (row >= rows)
        return;
    __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_set1_ps(fac));
    if (row + 16 <= rows)
        _mm512_storeu_ps(y + row, f);
    else
        _mm512_mask_storeu_ps(y + row, (__mmask16)((1u << (rows - row)) - 1u), f);
}

static void tl_rows_avx512(const tb_kmat *m, const int16_t *tabs, int64_t ntok, const float *fac,
                           float *y, int64_t t0, int64_t t1)
{
    const uint16_t *w = (const uint16_t *)(const void *)m->data;
    const int64_t nw = m->nwords, te = tb_tl_tab_elems(nw), rows = m->rows;
    const int64_t ts = nw * TB_TL_ROWS;
    for (int64_t t = t0; t < t1; t += TL_TILES) {
        int nt = (int)(t1 - t < TL_TILES ? t1 - t : TL_TILES);
        for (int64_t c = 0; c < ntok; c++) {
            __m512i acc[2 * TL_TILES];
            switch (nt) {
            case 1: tl_tiles(w + t * ts, ts, tabs + c * te, nw, acc, 1); break;
            case 2: tl_tiles(w + t * ts, ts, tabs + c * te, nw, acc, 2); break;
            case 3: tl_tiles(w + t * ts, ts, tabs + c * te, nw, acc, 3); break;
            default: tl_tiles(w + t * ts, ts, tabs + c * te, nw, acc, TL_TILES); break;
            }
            for (int i = 0; i < 2 * nt; i++)
                tl_store16(y + c * rows, t * TB_TL_ROWS + 16 * i, rows, acc[i], fac[c]);
        }
    }
}

static float tl_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx512(x, cols, kpad, q, sum);
}

/* Also the GEMV (and small-n GEMM) of tl_avx512vnni (tl-avx512vnni.c). */
const tb_tl_impl tb_tl_impl_avx512 = {tl_quant, tl_build_avx512, tl_rows_avx512};

static void tl_run_avx512(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                          tb_pool *pool, int nthreads)
{
    tb_tl_run(&tb_tl_impl_avx512, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_avx512 = {
    .name = "tl_avx512", .format = "tl", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tl_scratch_bytes,
    .run = tl_run_avx512, .ops = tb_tl_ops,
};
