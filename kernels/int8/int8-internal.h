/* int8-internal.h - shared by the variants of format "int8" (W8A8,
 * kernels/int8/): the packed layout, the scratch layout, the activation
 * quantization rule every variant must reproduce bit for bit, and the
 * prepare/free/ops functions all variants share.
 * Included only by the files of kernels/int8/ and by tests. */
#ifndef TB_INT8_INTERNAL_H
#define TB_INT8_INTERNAL_H

#include <assert.h>
#include <stdint.h>

#include "tb-kernel.h"

#define TB_I8_PANEL 16    /* output rows per panel (one zmm of int32 lanes) */
#define TB_I8_KG 4        /* consecutive columns per int32 lane (vpdpbusd group) */
#define TB_I8_MAX_COLS 65536 /* keeps 128 * 127 * cols < 2^31: int32 is exact */
#define TB_I8_NJ_MAX 12   /* widest activation tile of any variant */

/* Packed int8 weights.
 *
 * Quantization (prepare, not timed), per output row r:
 *     sw[r] = absmax_c |W[r][c]| / 127
 *     wq[r][c] = clamp(rint(W[r][c] * (127 / absmax)), -127, 127)   (0 if absmax == 0)
 * Layout: rows in panels of 16 (zero-padded), columns in groups of 4
 * (cols zero-padded to kq * 4), the 4 bytes of one row's group adjacent:
 *     w[((p * kq + q) * 16 + i) * 4 + h] = wq[16p + i][4q + h]
 * one panel group-step = 64 bytes = one zmm = the signed operand of vpdpbusd
 * (int32 lane i = row 16p+i, bytes = its 4 columns).
 * scale[r] = sw[r]; corr[r] = -128 * sum_c wq[r][c] (for the unsigned
 * activation trick of vpdpbusd: (xq + 128) . w - 128 * rowsum(w) = xq . w).
 * All arrays 64-byte aligned, npanels * 16 entries for scale and corr. */
typedef struct tb_i8mat {
    int64_t rows, cols;
    int64_t npanels; /* ceil(rows / 16) */
    int64_t kq;      /* ceil(cols / 4) */
    int8_t *w;
    float *scale;
    int32_t *corr;
} tb_i8mat;

static_assert(TB_I8_PANEL * TB_I8_KG == 64, "one int8 panel group-step is one zmm");

static inline const tb_i8mat *tb_i8mat_of(const tb_kmat *m) { return (const tb_i8mat *)m; }

/* Activation quantization, per token j (inside run(), timed):
 *     a = absmax_c |x[j][c]|,  sx[j] = a / 127,  inv = 127 / a   (both 0 if a == 0)
 *     xq[j][c] = clamp(rint_even(x[j][c] * inv), -127, 127)
 * each a single IEEE fp32 operation, so scalar and SIMD agree exactly.
 * Output epilogue, per (j, r):  y = (float)acc * (sx[j] * sw[r]).
 *
 * Scratch layout (bytes, from the 64-byte aligned base), T = tile width:
 *     [0, S)       float sx[npad]           S = round_up(npad * 4, 64)
 *     [S, S+A)     area A: kq * 4 bytes per token, tiled (below)
 *     [S+A, S+2A)  area B (second activation form, AVX2 only)
 *     A = npad * kq * 4,  npad = round_up(n, TB_I8_NJ_MAX)
 * A tile holds T tokens: the 4-byte group q of token t*T + jj lives at
 * area + ((t * kq + q) * T + jj) * 4.  T = 1 means plain rows. */
size_t tb_i8_scratch_bytes(const tb_kmat *m, int64_t n);
static inline int64_t tb_i8_npad(int64_t n)
{
    return (n + TB_I8_NJ_MAX - 1) / TB_I8_NJ_MAX * TB_I8_NJ_MAX;
}
static inline size_t tb_i8_scratch_sx_bytes(int64_t n)
{
    return ((size_t)tb_i8_npad(n) * 4 + 63) & ~(size_t)63;
}
static inline size_t tb_i8_scratch_area_bytes(const tb_i8mat *m, int64_t n)
{
    return (size_t)tb_i8_npad(n) * (size_t)m->kq * 4;
}

/* Scalar quantization of one token (the rule above); xq gets kq*4 bytes
 * (zero past cols).  Returns sx. */
float tb_i8_quant_row(const float *x, int64_t cols, int64_t kq, int8_t *xq);
/* Scalar weight quantization of one row (the rule above); returns sw. */
float tb_i8_quant_weights(const float *w, int64_t cols, int8_t *wq);

int tb_i8_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
void tb_i8_free(tb_kmat *m);
int tb_i8_clone(const tb_kmat *m, tb_kmat **out);
size_t tb_i8_bytes(const tb_kmat *m, const void **base, size_t *base_len);
void tb_i8_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);

extern const tb_kernel tb_k_int8_ref, tb_k_int8_avx2, tb_k_int8_avxvnni, tb_k_int8_avx512vnni;

#endif
