/* mm-neoni8mm.h - the SMMLA (Armv8.6 i8mm) GEMM core shared by int8_neoni8mm,
 * tq2_neoni8mm and tq1_neoni8mm: the operand layouts, the 16-row x 4-token
 * micro-kernel and the K-blocked loop over one 16-row block.  Included only
 * by files of the neoni8mm row of cmake/isa-table.txt (flags +dotprod+i8mm).
 *
 * SMMLA: `vmmlaq_s32(acc, a, b)` adds to the 2x2 int32 tile acc the products
 * of a (2 rows x 8 int8, row-major: bytes 0..7 row 0, 8..15 row 1) with b
 * (2 columns x 8 int8, stored the same way): acc[2i + j] += a_i . b_j.
 * Here a is two weight rows, b two tokens, both over the same 8 columns.
 *
 * Weight panel (built per K block by the caller's panel function, L1-sized):
 * 16 rows = 8 row pairs; step s (columns 8s..8s+7 of the block) is 128 bytes,
 * row pair i at panel + s*128 + 16i: row 2i's 8 bytes, then row 2i+1's.
 * Activation tiles (built once per run): token pair p (tokens 2p, 2p+1; an
 * odd n pairs its last token with zeros), step s (columns 8s..8s+7 of the
 * whole K) at xt + (p*ks + s)*16: token 2p's 8 bytes, then token 2p+1's;
 * ks = ceil(kpad / 8), zeros past the operands' columns.
 *
 * The int32 sums are exact (|sum| < 2^31: int8 cols <= 65536; ternary codes
 * 0..2 times |q| <= 127), so every K order and blocking gives the same y. */
#ifndef TB_MM_NEONI8MM_H
#define TB_MM_NEONI8MM_H

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#define TB_MM_ROWS 16     /* rows per panel (8 row pairs) */
#define TB_MM_TOK 4       /* tokens per micro tile (2 token pairs) */
#define TB_MM_STEP 8      /* columns per SMMLA step */
#define TB_MM_KS_MAX 128  /* most steps per K block: 1024 columns, a 16 KiB panel */

/* acc[t][r] (t < 2*np tokens, r < 16 rows) = the dots of ks steps of the
 * panel w with np token pairs of x (pair p at x + p*ldp*16). */
static inline __attribute__((always_inline)) void
tb_mm_micro(const int np, const int8_t *w, int64_t ks, const int8_t *x, int64_t ldp,
            int32_t acc[TB_MM_TOK][TB_MM_ROWS])
{
    int32x4_t a[8][2]; /* [row pair][token pair]: 16 registers, all loops unrolled */
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        a[i][0] = a[i][1] = vdupq_n_s32(0);
    for (int64_t s = 0; s < ks; s++) {
        const int8_t *ws = w + s * 128;
        const int8x16_t x0 = vld1q_s8(x + s * 16);
        const int8x16_t x1 = np > 1 ? vld1q_s8(x + (ldp + s) * 16) : x0;
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            const int8x16_t wv = vld1q_s8(ws + 16 * i);
            a[i][0] = vmmlaq_s32(a[i][0], wv, x0);
            if (np > 1)
                a[i][1] = vmmlaq_s32(a[i][1], wv, x1);
        }
    }
    /* lanes of a[i][p]: (row 2i, tok 2p), (2i, 2p+1), (2i+1, 2p), (2i+1, 2p+1) */
#pragma GCC unroll 2
    for (int p = 0; p < np; p++)
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) {
            vst1q_s32(acc[2 * p] + 4 * c, vuzp1q_s32(a[2 * c][p], a[2 * c + 1][p]));
            vst1q_s32(acc[2 * p + 1] + 4 * c, vuzp2q_s32(a[2 * c][p], a[2 * c + 1][p]));
        }
}

/* Fills the panel (TB_MM_ROWS rows from row, the first nr of them real; the
 * others any value, they are never stored) with steps [s0, s0 + ns). */
typedef void (*tb_mm_panel_fn)(const void *mat, int64_t row, int nr, int64_t s0, int64_t ns,
                               int8_t *panel);
/* y[r] for rows [0, nr) of one token from its exact sums acc[r]. */
typedef void (*tb_mm_epi_fn)(const void *ctx, int64_t tok, int64_t row, int nr,
                             const int32_t *acc, float *y);

/* One 16-row block [row, row + nr) for all n tokens: per K block of at most
 * kb steps the panel is built once and multiplied by every token tile; the
 * partial int32 sums of earlier K blocks are parked in y's own floats (the
 * block's rows of each token belong to the caller alone). */
static inline void tb_mm_block(const void *mat, tb_mm_panel_fn panel_fn, const void *ctx,
                               tb_mm_epi_fn epi, int64_t row, int nr, int64_t ks, int64_t kb,
                               const int8_t *xt, int64_t n, float *y, int64_t ldy)
{
    _Alignas(64) int8_t panel[TB_MM_KS_MAX * 128];
    const int64_t npair = (n + 1) / 2;
    for (int64_t s0 = 0; s0 < ks; s0 += kb) {
        const int64_t ns = ks - s0 < kb ? ks - s0 : kb;
        const int first = s0 == 0, last = s0 + ns == ks;
        panel_fn(mat, row, nr, s0, ns, panel);
        for (int64_t p0 = 0; p0 < npair; p0 += 2) {
            const int np = npair - p0 < 2 ? 1 : 2;
            int32_t acc[TB_MM_TOK][TB_MM_ROWS];
            if (np == 2)
                tb_mm_micro(2, panel, ns, xt + (p0 * ks + s0) * 16, ks, acc);
            else
                tb_mm_micro(1, panel, ns, xt + (p0 * ks + s0) * 16, ks, acc);
            const int64_t t0 = 2 * p0, nt = n - t0 < 2 * np ? n - t0 : 2 * np;
            for (int64_t t = 0; t < nt; t++) {
                float *yt = y + (t0 + t) * ldy + row;
                int32_t part[TB_MM_ROWS];
                if (!first) {
                    memcpy(part, yt, (size_t)nr * 4);
                    for (int r = 0; r < nr; r++)
                        acc[t][r] += part[r];
                }
                if (last)
                    epi(ctx, t0 + t, row, nr, acc[t], yt);
                else
                    memcpy(yt, acc[t], (size_t)nr * 4);
            }
        }
    }
}

/* Activation tiles of tokens [t0, t1) (t0 even) from plain int8 rows: token
 * t at rows + t*ldr, its first kbytes used, zeros after (up to ks*8). */
static inline void tb_mm_pack_tokens(const int8_t *rows, int64_t ldr, int64_t kbytes, int64_t n,
                                     int64_t t0, int64_t t1, int64_t ks, int8_t *xt)
{
    for (int64_t t = t0; t < t1; t += 2) {
        int8_t *d = xt + (t / 2) * ks * 16;
        const int8_t *r0 = rows + t * ldr, *r1 = t + 1 < n ? r0 + ldr : NULL;
        int64_t s = 0;
        for (; (s + 1) * 8 <= kbytes; s++)
            vst1q_s8(d + s * 16, vcombine_s8(vld1_s8(r0 + s * 8),
                                             r1 ? vld1_s8(r1 + s * 8) : vdup_n_s8(0)));
        for (; s < ks; s++) {
            const int64_t c = s * 8, len = kbytes - c < 0 ? 0 : kbytes - c;
            int8_t v[16] = {0};
            memcpy(v, r0 + c, (size_t)len);
            if (r1)
                memcpy(v + 8, r1 + c, (size_t)len);
            memcpy(d + s * 16, v, 16);
        }
    }
}

#endif
