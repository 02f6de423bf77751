/* tl-avx2.c - tl kernels for AVX2 (tl_avx2): the activation-side lookup
 * tables through 16-entry vpshufb lookups.
 *
 * Tables (built per token in run(), 64 bytes per group of 3 activations, the
 * slot tl's driver sizes for 32 int16): the 27 signed sums T[i] (|T| <= 381,
 * T[27..31] = 0) split into byte planes,
 *     bytes  0..15  low bytes of T[0..15]     16..31  high bytes of T[0..15]
 *           32..47  low bytes of T[16..31]    48..63  high bytes of T[16..31]
 * Inner loop, per 32-row tile and 16-bit word (one 64-byte load = 2 ymm of
 * words): per group the 5-bit index of every row is packed to a byte (one
 * vpackuswb for 32 rows); c = i + 0x70 selects table A for i < 16 (bit 7
 * clear) and c ^ 0x80 table B for i >= 16, so the low and the high plane are
 * each two vpshufb and an OR; vpunpck{l,h}bw of (low, high) rebuild the exact
 * int16 T for rows 0-15 and 16-31 in order (the pack's lane interleave and
 * the unpack's cancel).  No multiplies.  int16 sums are widened to int32
 * every 28 words (28 * 3 * 381 < 32768).  Two tiles (64 rows) share each
 * table load (4 table registers + 4 accumulators + temporaries fit the 16
 * ymm).  Bit-exact vs tl_ref: the same exact integer sums, the same float
 * multiply.
 *
 * GEMM (n >= TL_CODES_MIN_N): the tables are built per token, while the
 * words can be decoded to codes once per matrix: so for many tokens the
 * words are decoded (tl_decode_avx2, one 3-code entry per 5-bit index) and
 * multiplied by the blocked ternary engine of tq2_avx2 (tern-gemm-ymm-impl.h,
 * vpmaddubsw: 3 uops per 32 weights x token, against ~16 per 96 for a
 * lookup).  K slices are multiples of 288 (9 x 32), the last one padded with
 * code 0 to a multiple of 32; the activations past kpad are zeroed. */
#include "tern-x86.h"

#define TL_FLUSH 28
_Static_assert(TL_FLUSH * 3 * 3 * 127 <= 32767, "tl: int16 partial sums overflow");
#define TL_TILES 2  /* tiles per pass sharing each table load */
#define TL_PF 1024  /* prefetch distance along each tile's word stream, bytes */

#define INLINE static inline __attribute__((always_inline))

static void tl_build_avx2(const int8_t *xq, int64_t nwords, int16_t *tabs)
{
    int16_t d[3][TB_TL_TAB] __attribute__((aligned(32)));
    for (int i = 0; i < TB_TL_TAB; i++) {
        d[0][i] = (int16_t)(i < 27 ? i % 3 - 1 : 0);
        d[1][i] = (int16_t)(i < 27 ? i / 3 % 3 - 1 : 0);
        d[2][i] = (int16_t)(i < 27 ? i / 9 - 1 : 0);
    }
    const __m256i d0a = _mm256_load_si256((const __m256i *)(const void *)d[0]);
    const __m256i d0b = _mm256_load_si256((const __m256i *)(const void *)(d[0] + 16));
    const __m256i d1a = _mm256_load_si256((const __m256i *)(const void *)d[1]);
    const __m256i d1b = _mm256_load_si256((const __m256i *)(const void *)(d[1] + 16));
    const __m256i d2a = _mm256_load_si256((const __m256i *)(const void *)d[2]);
    const __m256i d2b = _mm256_load_si256((const __m256i *)(const void *)(d[2] + 16));
    /* per 128-bit lane: even bytes (low halves) first, then odd bytes */
    const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                                           0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    for (int64_t g = 0; g < 3 * nwords; g++) {
        const int8_t *a = xq + 3 * g;
        const __m256i x0 = _mm256_set1_epi16(a[0]), x1 = _mm256_set1_epi16(a[1]);
        const __m256i x2 = _mm256_set1_epi16(a[2]);
        __m256i ta = _mm256_mullo_epi16(x0, d0a), tb = _mm256_mullo_epi16(x0, d0b);
        ta = _mm256_add_epi16(ta, _mm256_mullo_epi16(x1, d1a));
        tb = _mm256_add_epi16(tb, _mm256_mullo_epi16(x1, d1b));
        ta = _mm256_add_epi16(ta, _mm256_mullo_epi16(x2, d2a));
        tb = _mm256_add_epi16(tb, _mm256_mullo_epi16(x2, d2b));
        /* qwords (lane0 low, lane1 low, lane0 high, lane1 high) */
        ta = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(ta, split), 0xd8);
        tb = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(tb, split), 0xd8);
        __m256i *dst = (__m256i *)(void *)(tabs + g * TB_TL_TAB);
        _mm256_store_si256(dst, ta);
        _mm256_store_si256(dst + 1, tb);
    }
}

INLINE __m256i bcast128(const uint8_t *p)
{
    return _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(const void *)p));
}

/* Lookup of 32 rows' indices (bytes 0..26) in one table: exact int16 sums
 * of rows 0-15 (*v0) and 16-31 (*v1) after the pack's interleave. */
INLINE void lookup(__m256i idx, __m256i la, __m256i ha, __m256i lb, __m256i hb, __m256i *v0,
                   __m256i *v1)
{
    const __m256i bias = _mm256_set1_epi8(0x70), top = _mm256_set1_epi8((char)0x80);
    const __m256i ca = _mm256_add_epi8(idx, bias), cb = _mm256_xor_si256(ca, top);
    const __m256i lo = _mm256_or_si256(_mm256_shuffle_epi8(la, ca), _mm256_shuffle_epi8(lb, cb));
    const __m256i hi = _mm256_or_si256(_mm256_shuffle_epi8(ha, ca), _mm256_shuffle_epi8(hb, cb));
    *v0 = _mm256_unpacklo_epi8(lo, hi);
    *v1 = _mm256_unpackhi_epi8(lo, hi);
}

/* T (<= TL_TILES) tiles of 32 rows from w (tile stride ts u16) against one
 * token's tables: acc[4i + k] = int32 sums of rows 8k..8k+7 of tile i. */
INLINE void tl_tiles(const uint16_t *w, int64_t ts, const uint8_t *tab, int64_t nw,
                     __m256i acc[4 * TL_TILES], const int T)
{
    const __m256i m31 = _mm256_set1_epi16(31);
#pragma GCC unroll 8
    for (int i = 0; i < 4 * TL_TILES; i++)
        acc[i] = _mm256_setzero_si256();
    for (int64_t m0 = 0; m0 < nw; m0 += TL_FLUSH) {
        const int64_t me = nw - m0 < TL_FLUSH ? nw : m0 + TL_FLUSH;
        __m256i s[2 * TL_TILES];
#pragma GCC unroll 4
        for (int i = 0; i < 2 * TL_TILES; i++)
            s[i] = _mm256_setzero_si256();
        for (int64_t m = m0; m < me; m++) {
            const uint8_t *t = tab + 3 * m * 64;
#pragma GCC unroll 3
            for (int j = 0; j < 3; j++) {
                const __m256i la = bcast128(t + 64 * j), ha = bcast128(t + 64 * j + 16);
                const __m256i lb = bcast128(t + 64 * j + 32), hb = bcast128(t + 64 * j + 48);
#pragma GCC unroll 2
                for (int i = 0; i < T; i++) {
                    const uint16_t *wp = w + i * ts + m * TB_TL_ROWS;
                    if (j == 0)
                        _mm_prefetch((const char *)wp + TL_PF, _MM_HINT_T0);
                    __m256i a0 = _mm256_load_si256((const __m256i *)(const void *)wp);
                    __m256i a1 = _mm256_load_si256((const __m256i *)(const void *)(wp + 16));
                    if (j == 0) {
                        a0 = _mm256_and_si256(a0, m31);
                        a1 = _mm256_and_si256(a1, m31);
                    } else if (j == 1) {
                        a0 = _mm256_and_si256(_mm256_srli_epi16(a0, 5), m31);
                        a1 = _mm256_and_si256(_mm256_srli_epi16(a1, 5), m31);
                    } else { /* bit 15 is always 0: no mask */
                        a0 = _mm256_srli_epi16(a0, 10);
                        a1 = _mm256_srli_epi16(a1, 10);
                    }
                    __m256i v0, v1;
                    lookup(_mm256_packus_epi16(a0, a1), la, ha, lb, hb, &v0, &v1);
                    s[2 * i] = _mm256_add_epi16(s[2 * i], v0);
                    s[2 * i + 1] = _mm256_add_epi16(s[2 * i + 1], v1);
                }
            }
        }
#pragma GCC unroll 4
        for (int i = 0; i < 2 * T; i++) {
            acc[2 * i] = _mm256_add_epi32(acc[2 * i],
                                          _mm256_cvtepi16_epi32(_mm256_castsi256_si128(s[i])));
            acc[2 * i + 1] = _mm256_add_epi32(
                acc[2 * i + 1], _mm256_cvtepi16_epi32(_mm256_extracti128_si256(s[i], 1)));
        }
    }
}

static inline void tl_store8(float *y, int64_t row, int64_t rows, __m256i v, float fac)
{
    if (row >= rows)
        return;
    const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_set1_ps(fac));
    if (row + 8 <= rows) {
        _mm256_storeu_ps(y + row, f);
    } else {
        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_maskstore_ps(y + row, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(rows - row)), idx),
                            f);
    }
}

static void tl_rows_avx2(const tb_kmat *m, const int16_t *tabs, int64_t ntok, const float *fac,
                         float *y, int64_t t0, int64_t t1)
{
    const uint16_t *w = (const uint16_t *)(const void *)m->data;
    const int64_t nw = m->nwords, te = tb_tl_tab_elems(nw), rows = m->rows;
    const int64_t ts = nw * TB_TL_ROWS;
    for (int64_t t = t0; t < t1; t += TL_TILES) {
        const int nt = t1 - t < TL_TILES ? (int)(t1 - t) : TL_TILES;
        for (int64_t c = 0; c < ntok; c++) {
            const uint8_t *tab = (const uint8_t *)(const void *)(tabs + c * te);
            __m256i acc[4 * TL_TILES];
            if (nt == 1)
                tl_tiles(w + t * ts, ts, tab, nw, acc, 1);
            else
                tl_tiles(w + t * ts, ts, tab, nw, acc, TL_TILES);
            for (int i = 0; i < 4 * nt; i++)
                tl_store8(y + c * rows, t * TB_TL_ROWS + 8 * i, rows, acc[i], fac[c]);
        }
    }
}

static float tl_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

/* ---- GEMM through codes ---- */

#define TL_CODES_MIN_N 16 /* below it the per-token tables are cheaper */
#define TL_SLICE (TB_TL_WCOLS * 32) /* K slices: whole words and 32-column chunks */

/* The 3 codes (weight + 1, columns 3g, 3g+1, 3g+2) of each 5-bit index i =
 * c0 + 3 c1 + 9 c2 (as the tables: d0 = i % 3 - 1, ...); 27..31 unused. */
static const uint8_t tl_codes3[32][3] = {
    {0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {0, 1, 0}, {1, 1, 0}, {2, 1, 0}, {0, 2, 0}, {1, 2, 0},
    {2, 2, 0}, {0, 0, 1}, {1, 0, 1}, {2, 0, 1}, {0, 1, 1}, {1, 1, 1}, {2, 1, 1}, {0, 2, 1},
    {1, 2, 1}, {2, 2, 1}, {0, 0, 2}, {1, 0, 2}, {2, 0, 2}, {0, 1, 2}, {1, 1, 2}, {2, 1, 2},
    {0, 2, 2}, {1, 2, 2}, {2, 2, 2},
};

/* Codes of rows [row, row+nrows) x columns [k0, k0+klen) (k0 a multiple of
 * 9), row-major at dst (stride dstride), code 0 in [klen, round_up(klen, 32)). */
static void tl_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                           uint8_t *dst, int64_t dstride)
{
    const uint16_t *w = (const uint16_t *)(const void *)m->data;
    const int64_t nw = m->nwords, m0 = k0 / TB_TL_WCOLS;
    const int64_t mw = klen / TB_TL_WCOLS, end = tb_tern_round_up(klen, 32);
    for (int64_t i = 0; i < nrows; i++) {
        const int64_t r = row + i;
        const uint16_t *wr = w + (r / TB_TL_ROWS) * nw * TB_TL_ROWS + r % TB_TL_ROWS;
        uint8_t *d = dst + i * dstride;
        for (int64_t mm = 0; mm < mw; mm++) {
            const unsigned v = wr[(m0 + mm) * TB_TL_ROWS];
            uint8_t *o = d + mm * TB_TL_WCOLS;
            memcpy(o, tl_codes3[v & 31], 3);
            memcpy(o + 3, tl_codes3[(v >> 5) & 31], 3);
            memcpy(o + 6, tl_codes3[(v >> 10) & 31], 3);
        }
        memset(d + klen, 0, (size_t)(end - klen)); /* klen is a multiple of 9 */
    }
}

static void tl_gemm_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum, const float *fac,
                         int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t cap = TB_TERN_KC_MAX / TL_SLICE * TL_SLICE;
    const int64_t nb = (m->kpad + cap - 1) / cap;
    const int64_t kc = tb_tern_round_up((m->kpad + nb - 1) / nb, TL_SLICE);
    tb_tern_gemm_avx2(m, tl_decode_avx2, kc, xq, asum, fac, n, y, r0, r1);
}

/* tl_quant, and zeros in [kpad, round_up(kpad, 64)) = [kpad, xstride): the
 * GEMM reads the activations up to round_up(kpad, 32) (times code 0). */
static float tl_quant_padded(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    memset(q + kpad, 0, (size_t)(tb_tern_round_up(kpad, 64) - kpad));
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static size_t tl_scratch_avx2(const tb_kmat *m, int64_t n)
{
    return n >= TL_CODES_MIN_N ? tb_tern_scratch_bytes(m, n) : tb_tl_scratch_bytes(m, n);
}

static void tl_run_avx2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                        tb_pool *pool, int nthreads)
{
    static const tb_tl_impl impl = {tl_quant, tl_build_avx2, tl_rows_avx2};
    static const tb_tern_impl codes = {tl_quant_padded, NULL, tl_gemm_avx2, 0, NULL};
    if (n >= TL_CODES_MIN_N)
        tb_tern_run(&codes, m, x, n, y, scratch, pool, nthreads);
    else
        tb_tl_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_avx2 = {
    .name = "tl_avx2", .format = "tl", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tl_scratch_avx2,
    .run = tl_run_avx2, .ops = tb_tl_ops,
};
