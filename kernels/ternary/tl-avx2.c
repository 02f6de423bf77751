/* tl-avx2.c - tl kernels for AVX2 (tl_avx2): the activation-side lookup
 * tables through 16-entry vpshufb lookups.
 *
 * Tables (built per token in run(), 32 bytes per group of 3 activations at
 * the start of the per-token slot tl's driver sizes for 64): each int8
 * activation is split as a = 16 h + l (l in [-8, 7], h in [-8, 8]), so the
 * group sum T[i] = 16 Th[i] + Tl[i] with |Tl|, |Th| <= 24 (int8), and by the
 * symmetry T[13 + k] = -T[13 - k] (digits c -> 2 - c) only k = 0..13 are
 * stored:  bytes 0..15  Tl[13 - k]    16..31  Th[13 - k]   (k 14, 15: 0).
 *
 * Layout (tl_prepare_avx2): tl's bits, 16 per 9 weights in 32-row tiles, but
 * rearranged so that the lookups need no index arithmetic.  Each group's
 * index i is stored as magnitude k = |13 - i| (4 bits) and sign s = (i > 13);
 * each tile's 32 words of word m become two 32-byte planes, one byte per row:
 *     P = k0 | k1 << 4        Q = k2 | s0 << 4 | s1 << 5 | s2 << 6
 * with rows in the order vpunpck{l,h}bw and vpmaddubsw restore (positions
 * 8-15 and 16-23 swapped: tl_pos).  Inner loop, per 32-row tile and word
 * (288 weights): indices P & 15, (P >> 4) & 15 and Q itself (vpshufb reads
 * bits 0-3 and 7 only); vpsignb operands with bit 7 = s_g, nonzero where
 * k_g is (Q << 3 | k0, Q << 2 | k1, Q + Q); two vpshufb and two vpsignb
 * per group; the 3 groups' int8 parts summed in bytes (|sum| <= 72);
 * vpunpck{l,h}bw of (l, h) and vpmaddubsw by (1, 16) give the exact int16
 * word sums of rows 0-15 and 16-31.  30 vector ops per tile and word, 8 of
 * them shuffles; on tl's own layout (5-bit fields, 13 - i, |d|, sign of d,
 * three vpackuswb) it took 39.  int16 sums are widened to int32 every 28
 * words (28 * 3 * 381 < 32768); only the int16 sums stay in registers.  Two
 * tiles share each word's table lines (the second reloads them from L1).
 * Bit-exact vs tl_ref: the same exact integer sums, the same float multiply.
 *
 * GEMM (n >= TL_CODES_MIN_N): the tables are built per token, while the
 * weights can be decoded to codes once per matrix: so for many tokens they
 * are decoded (tl_decode_avx2) and multiplied by the blocked ternary engine
 * of tq2_avx2 (tern-gemm-ymm-impl.h, vpmaddubsw: 3 uops per 32 weights x
 * token, against 10 per 96 for a lookup).  K slices are multiples of 288
 * (9 x 32), the last one padded with code 0 to a multiple of 32; the
 * activations past kpad are zeroed. */
#include "tern-x86.h"

#define TL_FLUSH 28
_Static_assert(TL_FLUSH * 3 * 3 * 127 <= 32767, "tl: int16 partial sums overflow");
#define TL_TILES 2  /* tiles per pass sharing each word's table lines */
#define TL_PF 2048  /* prefetch distance along each tile's word stream, bytes */

#define INLINE static inline __attribute__((always_inline))

#define TL_TW_BYTES (2 * TB_TL_ROWS) /* one tile-word: planes P and Q */

/* Plane position of row r (0..31) of a tile, and back: bits 3 and 4 swapped
 * (vpunpck{l,h}bw take bytes 0-7 and 16-23, then 8-15 and 24-31). */
static inline int tl_pos(int r) { return (r & ~24) | (r & 8) << 1 | (r & 16) >> 1; }

/* tl's words -> the planes above, in place (same bytes, same tile order). */
static void tl_to_planes(tb_kmat *m)
{
    uint8_t *d = m->data;
    const int64_t ntw = m->rpad / TB_TL_ROWS * m->nwords;
    for (int64_t tw = 0; tw < ntw; tw++) {
        uint16_t w[TB_TL_ROWS];
        uint8_t *o = d + tw * TL_TW_BYTES;
        memcpy(w, o, sizeof w);
        for (int r = 0; r < TB_TL_ROWS; r++) {
            unsigned k[3], sg[3];
            for (int g = 0; g < 3; g++) {
                const int i = (w[r] >> (5 * g)) & 31;
                k[g] = (unsigned)(i > 13 ? i - 13 : 13 - i);
                sg[g] = i > 13;
            }
            o[tl_pos(r)] = (uint8_t)(k[0] | k[1] << 4);
            o[32 + tl_pos(r)] = (uint8_t)(k[2] | sg[0] << 4 | sg[1] << 5 | sg[2] << 6);
        }
    }
}

static int tl_prepare_avx2(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    int rc = tb_tl_prepare(w, rows, cols, out);
    if (rc == 0)
        tl_to_planes(*out);
    return rc;
}

static void tl_build_avx2(const int8_t *xq, int64_t nwords, int16_t *tabs)
{
    /* digit - 1 of entry 13 - k, k = 0..15 (0 past k = 13) */
    int16_t d[3][16] __attribute__((aligned(32)));
    for (int k = 0; k < 16; k++) {
        const int i = 13 - k;
        d[0][k] = (int16_t)(k <= 13 ? i % 3 - 1 : 0);
        d[1][k] = (int16_t)(k <= 13 ? i / 3 % 3 - 1 : 0);
        d[2][k] = (int16_t)(k <= 13 ? i / 9 - 1 : 0);
    }
    const __m256i d0 = _mm256_load_si256((const __m256i *)(const void *)d[0]);
    const __m256i d1 = _mm256_load_si256((const __m256i *)(const void *)d[1]);
    const __m256i d2 = _mm256_load_si256((const __m256i *)(const void *)d[2]);
    for (int64_t g = 0; g < 3 * nwords; g++) {
        const int8_t *a = xq + 3 * g;
        int16_t lo[3], hi[3];
        for (int e = 0; e < 3; e++) { /* a = 16 hi + lo, lo in [-8, 7], hi in [-8, 8] */
            lo[e] = (int16_t)(((a[e] + 8) & 15) - 8);
            hi[e] = (int16_t)((a[e] - lo[e]) / 16);
        }
        __m256i ul = _mm256_mullo_epi16(_mm256_set1_epi16(lo[0]), d0);
        __m256i uh = _mm256_mullo_epi16(_mm256_set1_epi16(hi[0]), d0);
        ul = _mm256_add_epi16(ul, _mm256_mullo_epi16(_mm256_set1_epi16(lo[1]), d1));
        uh = _mm256_add_epi16(uh, _mm256_mullo_epi16(_mm256_set1_epi16(hi[1]), d1));
        ul = _mm256_add_epi16(ul, _mm256_mullo_epi16(_mm256_set1_epi16(lo[2]), d2));
        uh = _mm256_add_epi16(uh, _mm256_mullo_epi16(_mm256_set1_epi16(hi[2]), d2));
        /* |entries| <= 24: bytes [ul 0..15 | uh 0..15] */
        const __m256i u = _mm256_permute4x64_epi64(_mm256_packs_epi16(ul, uh), 0xd8);
        _mm256_store_si256((__m256i *)(void *)(tabs + g * 16), u);
    }
}

INLINE __m256i bcast128(const uint8_t *p)
{
    return _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(const void *)p));
}

/* One group's lookup for 32 rows: the int8 parts (*l, *h) of T[i] = 16 h + l
 * from the magnitude k = |13 - i| in bits 0-3 of idx (bits 4-6 ignored, bit
 * 7 clear) and the sign operand sg (negative iff i > 13, nonzero wherever k
 * is; where k = 0, T = 0 whatever sg is). */
INLINE void lookup(__m256i idx, __m256i sg, __m256i tl, __m256i th, __m256i *l, __m256i *h)
{
    *l = _mm256_sign_epi8(_mm256_shuffle_epi8(tl, idx), sg);
    *h = _mm256_sign_epi8(_mm256_shuffle_epi8(th, idx), sg);
}

/* T (<= TL_TILES) tiles of 32 rows from w (tile stride ts words) against one
 * token's tables: acc[i][r] = int32 sum of row r of tile i.  Per word the 3
 * groups' int8 parts are summed in bytes (|sum| <= 72), then vpmaddubsw by
 * (1, 16) on the (low, high) interleave gives the exact int16 word sums of
 * rows 0-15 and 16-31; int16 sums (the only accumulators in registers) are
 * widened into acc every TL_FLUSH words.  The second tile reloads the word's
 * tables (L1 hits: the first just read them) instead of holding them. */
INLINE void tl_tiles(const uint8_t *w, int64_t ts, const uint8_t *tab, int64_t nw,
                     int32_t acc[TL_TILES][TB_TL_ROWS], const int T)
{
    const __m256i m15 = _mm256_set1_epi8(15);
    const __m256i f16 = _mm256_set1_epi16(16 << 8 | 1);
    memset(acc, 0, sizeof(int32_t) * TL_TILES * TB_TL_ROWS);
    for (int64_t m0 = 0; m0 < nw; m0 += TL_FLUSH) {
        const int64_t me = nw - m0 < TL_FLUSH ? nw : m0 + TL_FLUSH;
        __m256i s[2 * TL_TILES];
#pragma GCC unroll 4
        for (int i = 0; i < 2 * TL_TILES; i++)
            s[i] = _mm256_setzero_si256();
        for (int64_t m = m0; m < me; m++) {
#pragma GCC unroll 2
            for (int i = 0; i < T; i++) {
                const uint8_t *t = tab + 3 * m * 32;
                if (i > 0) /* opaque to the compiler: no table registers held across tiles */
                    __asm__("" : "+r"(t));
                const uint8_t *wp = w + (i * ts + m) * TL_TW_BYTES;
                _mm_prefetch((const char *)wp + TL_PF, _MM_HINT_T0);
                const __m256i p = _mm256_load_si256((const __m256i *)(const void *)wp);
                const __m256i q = _mm256_load_si256((const __m256i *)(const void *)(wp + 32));
                const __m256i i0 = _mm256_and_si256(p, m15);
                const __m256i i1 = _mm256_and_si256(_mm256_srli_epi16(p, 4), m15);
                /* sign bits moved to bit 7 (16-bit shifts: what crosses into
                 * a byte lands in its bits 0-2, which only vpsignb's zero
                 * test sees, and only adds to the k_g already there) */
                const __m256i g0 = _mm256_or_si256(_mm256_slli_epi16(q, 3), i0);
                const __m256i g1 = _mm256_or_si256(_mm256_slli_epi16(q, 2), i1);
                const __m256i g2 = _mm256_add_epi8(q, q);
                __m256i l0, h0, l1, h1, l2, h2;
                lookup(i0, g0, bcast128(t), bcast128(t + 16), &l0, &h0);
                lookup(i1, g1, bcast128(t + 32), bcast128(t + 48), &l1, &h1);
                lookup(q, g2, bcast128(t + 64), bcast128(t + 80), &l2, &h2);
                const __m256i l = _mm256_add_epi8(_mm256_add_epi8(l0, l1), l2);
                const __m256i h = _mm256_add_epi8(_mm256_add_epi8(h0, h1), h2);
                s[2 * i] = _mm256_add_epi16(
                    s[2 * i], _mm256_maddubs_epi16(f16, _mm256_unpacklo_epi8(l, h)));
                s[2 * i + 1] = _mm256_add_epi16(
                    s[2 * i + 1], _mm256_maddubs_epi16(f16, _mm256_unpackhi_epi8(l, h)));
            }
        }
#pragma GCC unroll 4
        for (int i = 0; i < 2 * T; i++) {
            __m256i *d = (__m256i *)(void *)(acc[i / 2] + 16 * (i % 2));
            _mm256_store_si256(d, _mm256_add_epi32(_mm256_load_si256(d), _mm256_cvtepi16_epi32(
                                                       _mm256_castsi256_si128(s[i]))));
            _mm256_store_si256(d + 1, _mm256_add_epi32(_mm256_load_si256(d + 1),
                                                       _mm256_cvtepi16_epi32(
                                                           _mm256_extracti128_si256(s[i], 1))));
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
    const uint8_t *w = m->data;
    const int64_t nw = m->nwords, te = tb_tl_tab_elems(nw), rows = m->rows;
    const int64_t ts = nw; /* tile-words per tile */
    for (int64_t t = t0; t < t1; t += TL_TILES) {
        const int nt = t1 - t < TL_TILES ? (int)(t1 - t) : TL_TILES;
        for (int64_t c = 0; c < ntok; c++) {
            const uint8_t *tab = (const uint8_t *)(const void *)(tabs + c * te);
            int32_t acc[TL_TILES][TB_TL_ROWS] __attribute__((aligned(32)));
            if (nt == 1)
                tl_tiles(w + t * ts * TL_TW_BYTES, ts, tab, nw, acc, 1);
            else
                tl_tiles(w + t * ts * TL_TW_BYTES, ts, tab, nw, acc, TL_TILES);
            for (int i = 0; i < 4 * nt; i++) {
                const int32_t *a = acc[i / 4] + 8 * (i % 4);
                tl_store8(y + c * rows, t * TB_TL_ROWS + 8 * i, rows,
                          _mm256_load_si256((const __m256i *)(const void *)a), fac[c]);
            }
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

/* The 3 codes (weight + 1; columns 3g, 3g+1, 3g+2) of the group whose field
 * f = k | s << 4 stands for index i = 13 - k (s = 0) or 13 + k, i = c0 + 3 c1
 * + 9 c2; fields with k > 13 never occur (their entries: zero weights).  Checked against
 * that formula by test-kernels-verify, whose n >= 16 cases run through it. */
static const uint8_t tl_c3[32][3] = {
    {1, 1, 1}, {0, 1, 1}, {2, 0, 1}, {1, 0, 1}, {0, 0, 1}, {2, 2, 0}, {1, 2, 0}, {0, 2, 0},
    {2, 1, 0}, {1, 1, 0}, {0, 1, 0}, {2, 0, 0}, {1, 0, 0}, {0, 0, 0}, {1, 1, 1}, {1, 1, 1},
    {1, 1, 1}, {2, 1, 1}, {0, 2, 1}, {1, 2, 1}, {2, 2, 1}, {0, 0, 2}, {1, 0, 2}, {2, 0, 2},
    {0, 1, 2}, {1, 1, 2}, {2, 1, 2}, {0, 2, 2}, {1, 2, 2}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1},
};

/* Codes of rows [row, row+nrows) x columns [k0, k0+klen) (k0 a multiple of
 * 9), row-major at dst (stride dstride), code 0 in [klen, round_up(klen, 32)). */
static void tl_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                           uint8_t *dst, int64_t dstride)
{
    const int64_t nw = m->nwords, m0 = k0 / TB_TL_WCOLS;
    const int64_t mw = klen / TB_TL_WCOLS, end = tb_tern_round_up(klen, 32);
    for (int64_t i = 0; i < nrows; i++) {
        const int64_t r = row + i;
        const uint8_t *pr = m->data + (r / TB_TL_ROWS) * nw * TL_TW_BYTES + tl_pos((int)(r % TB_TL_ROWS));
        uint8_t *d = dst + i * dstride;
        for (int64_t mm = 0; mm < mw; mm++) {
            const unsigned p = pr[(m0 + mm) * TL_TW_BYTES], q = pr[(m0 + mm) * TL_TW_BYTES + 32];
            uint8_t *o = d + mm * TB_TL_WCOLS;
            memcpy(o, tl_c3[(p & 15) | (q & 16)], 3);
            memcpy(o + 3, tl_c3[(p >> 4) | (q >> 1 & 16)], 3);
            memcpy(o + 6, tl_c3[(q & 15) | (q >> 2 & 16)], 3);
        }
        memset(d + klen, 0, (size_t)(end - klen)); /* klen is a multiple of 9 */
    }
}

static void tl_gemm_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum, const float *fac,
                         int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t cap = TB_TERN_YMM_KC / TL_SLICE * TL_SLICE;
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
    .prepare = tl_prepare_avx2, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tl_scratch_avx2,
    .run = tl_run_avx2, .ops = tb_tl_ops, .own_layout = 1,
};
