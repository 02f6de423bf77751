/* tl-neon.c - variant tl_neon (AArch64 Advanced SIMD, Armv8.0): the tl
 * lookup-table kernel (layout and driver: kernels/ternary/tb-ternary.h,
 * tl.c) with TBL lookups on byte planes, the NEON analogue of tl_avx2's
 * vpshufb planes.
 *
 * Tables (built per token in run(), the 64-byte slot tl's driver sizes for
 * 32 int16 per group of 3 activations): the 27 signed sums T[i] (|T| <= 381,
 * T[27..31] = 0) as two byte planes,
 *     bytes  0..31  low bytes of T[0..31]     32..63  high bytes of T[0..31]
 * (uzp1/uzp2 of the int16 table).  Inner loop, per 32-row tile and 16-bit
 * word (one 64-byte load of the tile's words): per group j the 5-bit index of
 * every row is narrowed to a byte (xtn, AND 31 / shrn #5, AND 31 / shrn #8, ushr #2); one
 * `tbl` with two table registers (32 entries) per plane gives the low and the
 * high bytes of T for 16 rows, and zip1/zip2 of (low, high) rebuild the exact
 * int16 T of rows 0-7 and 8-15 in order.  No multiplies.  The int16 sums are
 * widened to int32 every 28 words (28 * 3 * 381 < 32768).  Two tiles (64
 * rows) share each table load: a token's tables (192 B per 9 columns) are
 * 3x the bytes of one tile's words, so one tile per pass would read more
 * table than weight.  Bit-exact vs tl_ref: the same exact integer sums, the
 * same float multiply.  GEMM loops the tokens of each chunk (tl.c) over
 * every tile pair, whose words stay in cache. */
#include <arm_neon.h>

#include "ternary/tb-ternary.h"

#define TL_FLUSH 28
_Static_assert(TL_FLUSH * 3 * 3 * 127 <= 32767, "tl: int16 partial sums overflow");
#define TL_PF 1024 /* prefetch distance along a tile's word stream, bytes */
#define TL_TILES 2 /* tiles per pass sharing each table load */

#define INLINE static inline __attribute__((always_inline))

static void tl_build_neon(const int8_t *xq, int64_t nwords, int16_t *tabs)
{
    int16_t d[3][TB_TL_TAB];
    for (int i = 0; i < TB_TL_TAB; i++) {
        d[0][i] = (int16_t)(i < 27 ? i % 3 - 1 : 0);
        d[1][i] = (int16_t)(i < 27 ? i / 3 % 3 - 1 : 0);
        d[2][i] = (int16_t)(i < 27 ? i / 9 - 1 : 0);
    }
    int16x8_t d0[4], d1[4], d2[4];
    for (int v = 0; v < 4; v++) {
        d0[v] = vld1q_s16(d[0] + 8 * v);
        d1[v] = vld1q_s16(d[1] + 8 * v);
        d2[v] = vld1q_s16(d[2] + 8 * v);
    }
    for (int64_t g = 0; g < 3 * nwords; g++) {
        const int8_t *a = xq + 3 * g;
        uint8x16_t t[4];
        for (int v = 0; v < 4; v++) {
            int16x8_t s = vmulq_n_s16(d0[v], a[0]);
            s = vmlaq_n_s16(s, d1[v], a[1]);
            s = vmlaq_n_s16(s, d2[v], a[2]);
            t[v] = vreinterpretq_u8_s16(s);
        }
        uint8_t *dst = (uint8_t *)(void *)(tabs + g * TB_TL_TAB);
        vst1q_u8(dst, vuzp1q_u8(t[0], t[1]));
        vst1q_u8(dst + 16, vuzp1q_u8(t[2], t[3]));
        vst1q_u8(dst + 32, vuzp2q_u8(t[0], t[1]));
        vst1q_u8(dst + 48, vuzp2q_u8(t[2], t[3]));
    }
}

/* Index bytes of group j (bits 5j..5j+4 of each word) of 16 rows (words a, b). */
INLINE uint8x16_t idx0(uint16x8_t a, uint16x8_t b)
{
    return vandq_u8(vcombine_u8(vmovn_u16(a), vmovn_u16(b)), vdupq_n_u8(31));
}
INLINE uint8x16_t idx1(uint16x8_t a, uint16x8_t b)
{
    return vandq_u8(vcombine_u8(vshrn_n_u16(a, 5), vshrn_n_u16(b, 5)), vdupq_n_u8(31));
}
INLINE uint8x16_t idx2(uint16x8_t a, uint16x8_t b) /* high byte >> 2; bit 15 is 0: no mask */
{
    return vshrq_n_u8(vcombine_u8(vshrn_n_u16(a, 8), vshrn_n_u16(b, 8)), 2);
}

/* s[0] += T of rows 0-7, s[1] += T of rows 8-15 for the 16 indices idx of one
 * group's table t (64 bytes: low plane, high plane). */
INLINE void lookup(const uint8_t *t, uint8x16_t idx, int16x8_t s[2])
{
    const uint8x16x2_t lo = vld1q_u8_x2(t), hi = vld1q_u8_x2(t + 32);
    const uint8x16_t l = vqtbl2q_u8(lo, idx), u = vqtbl2q_u8(hi, idx);
    s[0] = vaddq_s16(s[0], vreinterpretq_s16_u8(vzip1q_u8(l, u)));
    s[1] = vaddq_s16(s[1], vreinterpretq_s16_u8(vzip2q_u8(l, u)));
}

/* T (<= TL_TILES) 32-row tiles from w (tile stride ts u16) against one
 * token's tables: acc[i][k] = int32 sums of rows 4k..4k+3 of tile i.  The
 * tiles share every table load; the int32 sums are touched once per
 * TL_FLUSH words, so they may live in memory. */
INLINE void tl_tiles(const uint16_t *w, int64_t ts, const uint8_t *tab, int64_t nw,
                     int32x4_t acc[TL_TILES][8], const int T)
{
    for (int i = 0; i < T; i++)
        for (int k = 0; k < 8; k++)
            acc[i][k] = vdupq_n_s32(0);
    for (int64_t m0 = 0; m0 < nw; m0 += TL_FLUSH) {
        const int64_t me = nw - m0 < TL_FLUSH ? nw : m0 + TL_FLUSH;
        int16x8_t s[TL_TILES][4]; /* registers: every loop over them unrolled */
#pragma GCC unroll 2
        for (int i = 0; i < T; i++)
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++)
                s[i][q] = vdupq_n_s16(0);
        for (int64_t m = m0; m < me; m++) {
            const uint8_t *t = tab + 3 * m * 64;
#pragma GCC unroll 2
            for (int i = 0; i < T; i++) {
                const uint16_t *wp = w + i * ts + m * TB_TL_ROWS;
                __builtin_prefetch((const char *)wp + TL_PF);
                uint16x8_t wv[4];
#pragma GCC unroll 4
                for (int q = 0; q < 4; q++)
                    wv[q] = vld1q_u16(wp + 8 * q);
                lookup(t, idx0(wv[0], wv[1]), s[i]);
                lookup(t, idx0(wv[2], wv[3]), s[i] + 2);
                lookup(t + 64, idx1(wv[0], wv[1]), s[i]);
                lookup(t + 64, idx1(wv[2], wv[3]), s[i] + 2);
                lookup(t + 128, idx2(wv[0], wv[1]), s[i]);
                lookup(t + 128, idx2(wv[2], wv[3]), s[i] + 2);
            }
        }
#pragma GCC unroll 2
        for (int i = 0; i < T; i++)
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++) {
                acc[i][2 * q] = vaddw_s16(acc[i][2 * q], vget_low_s16(s[i][q]));
                acc[i][2 * q + 1] = vaddw_high_s16(acc[i][2 * q + 1], s[i][q]);
            }
    }
}

/* y[row .. row + 4) (those < rows) = acc * fac */
static inline void tl_store4(float *y, int64_t row, int64_t rows, int32x4_t acc, float fac)
{
    if (row >= rows)
        return;
    const float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), vdupq_n_f32(fac));
    if (row + 4 <= rows) {
        vst1q_f32(y + row, v);
        return;
    }
    float tmp[4];
    vst1q_f32(tmp, v);
    for (int64_t i = 0; row + i < rows; i++)
        y[row + i] = tmp[i];
}

static void tl_rows_neon(const tb_kmat *m, const int16_t *tabs, int64_t ntok, const float *fac,
                         float *y, int64_t t0, int64_t t1)
{
    const uint16_t *w = (const uint16_t *)(const void *)m->data;
    const int64_t nw = m->nwords, te = tb_tl_tab_elems(nw), rows = m->rows;
    const int64_t ts = nw * TB_TL_ROWS;
    for (int64_t t = t0; t < t1; t += TL_TILES) {
        const int nt = t1 - t < TL_TILES ? (int)(t1 - t) : TL_TILES;
        for (int64_t c = 0; c < ntok; c++) {
            const uint8_t *tab = (const uint8_t *)(const void *)(tabs + c * te);
            int32x4_t acc[TL_TILES][8];
            if (nt == TL_TILES)
                tl_tiles(w + t * ts, ts, tab, nw, acc, TL_TILES);
            else
                tl_tiles(w + t * ts, ts, tab, nw, acc, 1);
            for (int i = 0; i < nt; i++)
                for (int k = 0; k < 8; k++)
                    tl_store4(y + c * rows, (t + i) * TB_TL_ROWS + 4 * k, rows, acc[i][k], fac[c]);
        }
    }
}

static void tl_run_neon(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                        tb_pool *pool, int nthreads)
{
    static const tb_tl_impl impl = {tb_tern_quant_act_ref, tl_build_neon, tl_rows_neon};
    tb_tl_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_neon = {
    .name = "tl_neon", .format = "tl", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tl_scratch_bytes,
    .run = tl_run_neon, .ops = tb_tl_ops,
};
