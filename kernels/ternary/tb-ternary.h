/* tb-ternary.h - internal contract of the ternary (BitNet b1.58) formats:
 * tq2 (2-bit packed), tq1 (base-3 packed, 5 weights/byte) and tl (activation-
 * side lookup tables).  Owns: the shared weight/activation quantization recipe,
 * the prepared-matrix record, the per-format packed layouts (documented at the
 * layout constants below) and the pack/unpack/decode entry points that the
 * kernels and tests/kernels/test-ternary-*.c use.
 *
 * Recipe (arXiv 2402.17764 and its FAQ), shared by every ternary variant:
 *   weights     s_w = mean|W| + TB_TERN_EPS over the whole matrix (one scale),
 *               q_w = clamp(rint(W / s_w), -1, 1)          (rint: nearest even)
 *   activations per token: a = max|x|, s_x = 127 / a (0 when a == 0),
 *               q_x = clamp(rint(x * s_x), -127, 127)
 *   output      y = (float)(sum q_x q_w) * f,  f = s_w / s_x (0 when a == 0)
 * The integer dot is exact in every variant and f and the single float
 * multiply are computed by the same code, so SIMD variants are bit-exact vs
 * their ref (descriptor max_nmse = 0).  Codes c = q_w + 1 in {0,1,2} are what
 * tq2/tq1 store; kernels compute sum c*q_x - sum q_x.
 *
 * Thread-safety: everything here is pure or writes only its arguments.
 */
#ifndef TB_TERNARY_H
#define TB_TERNARY_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tb-kernel.h"

#define TB_TERN_EPS 1e-6f

/* ---- tq2: 2 bits per weight -------------------------------------------
 * Row-major; each row is ceil(cols / 256) blocks of 64 bytes (cols padded
 * with zero weights).  In block b, byte j (0..63) holds the codes of the
 * weights at columns b*256 + 64*k + j in bits 2k..2k+1, k = 0..3.  So one
 * AND with 0x03 << 2k over a 64-byte load yields the 64 codes of columns
 * b*256 + 64k .. +63 in natural order (scaled by 4^k), and a shift right by
 * 2k + AND 3 yields them unscaled.  Codes: 0 = -1, 1 = 0, 2 = +1. */
#define TB_TQ2_BLOCK 256       /* weights per block */
#define TB_TQ2_BLOCK_BYTES 64  /* bytes per block */
_Static_assert(TB_TQ2_BLOCK == 4 * TB_TQ2_BLOCK_BYTES, "tq2: 4 weights per byte");

/* ---- tq1: base 3, 5 weights per byte ---------------------------------
 * Row-major; each row is ceil(cols / 320) blocks of 64 bytes.  Byte j of
 * block b holds the 5 codes d_0..d_4 of columns b*320 + 64*i + j, i = 0..4,
 * as v = sum d_i 3^(4-i) (0..242) stored as the fixed-point fraction
 * q = ceil(v * 256 / 243).  Decoding needs no division: with t_0 = q,
 *   d_i = (3 t_i) >> 8,  t_{i+1} = (3 t_i) mod 256,
 * which holds because 3^5 = 243 <= 256 keeps the rounding error below one
 * digit.  Hence sum_j d_i[j] x[j] = (3 sum t_i x - sum t_{i+1} x) / 256,
 * which the VNNI kernel uses to skip digit extraction entirely. */
#define TB_TQ1_BLOCK 320
#define TB_TQ1_BLOCK_BYTES 64
_Static_assert(TB_TQ1_BLOCK == 5 * TB_TQ1_BLOCK_BYTES, "tq1: 5 weights per byte");
_Static_assert(3 * 3 * 3 * 3 * 3 <= 256, "tq1: 3^5 codes must fit a byte");

/* ---- tl: lookup tables, g = 3 ---------------------------------------
 * Weights are grouped by 3 consecutive columns; a group's index is
 * d_0 + 3 d_1 + 9 d_2 (d = q_w + 1), 0..26.  Three groups (9 columns) share
 * one 16-bit word: bits 0-4, 5-9, 10-14 (bit 15 zero).  Rows are tiled by 32
 * (rows padded with zero weights); tile t stores, for word m = 0..nwords-1,
 * the 32 words of its rows contiguously: u16 at (t*nwords + m)*32 + row%32.
 * Per token, run() builds for every group g a 32-entry int16 table
 * T_g[i] = sum_k (digit_k(i) - 1) x[3g + k] (entries 27..31 zero); the inner
 * loop is table lookups (vpermw) and int16/int32 adds, no multiplies.
 * tl_avx2 stores the same bits rearranged (sign and magnitude planes, see
 * tl-avx2.c); its prepare() converts, so its matrices are its own. */
#define TB_TL_G 3
#define TB_TL_ROWS 32          /* rows per tile = int16 lanes of a zmm */
#define TB_TL_WCOLS 9          /* columns per 16-bit word */
#define TB_TL_TAB 32           /* int16 entries per table (one zmm) */
_Static_assert(3 * 3 * 3 <= TB_TL_TAB, "tl: 3^g entries must fit one vpermw table");
_Static_assert(3 * 5 <= 16, "tl: three 5-bit indices per 16-bit word");
_Static_assert(TB_TL_WCOLS == 3 * TB_TL_G, "tl: 3 groups per word");

enum tb_tern_fmt { TB_TERN_TQ2 = 2, TB_TERN_TQ1 = 1, TB_TERN_TL = 3 };

/* Prepared ternary matrix (opaque to the rest of the project). */
struct tb_kmat {
    int fmt;             /* enum tb_tern_fmt */
    int64_t rows, cols;
    int64_t kpad;        /* cols rounded up to the format's column block */
    int64_t xstride;     /* bytes per quantized activation row (>= kpad, % 64 == 0) */
    int64_t row_bytes;   /* tq2/tq1: packed bytes per row */
    int64_t rpad;        /* tl: rows rounded up to TB_TL_ROWS; else rows */
    int64_t nwords;      /* tl: 16-bit words per row */
    float wscale;        /* s_w */
    uint8_t *data;       /* packed weights, 64-byte aligned */
    size_t data_bytes;
};

/* ---- shared recipe (tern-common.c) ---- */
/* q[rows*cols] in {-1,0,1}; returns s_w.  Deterministic (double sum, fixed order). */
float tb_tern_quantize(const float *w, int64_t rows, int64_t cols, int8_t *q);
/* out[i] = q[i] * scale. */
void tb_tern_dequantize(const int8_t *q, int64_t count, float scale, float *out);

/* Activation scale and epilogue factor from max|x| (shared by all variants;
 * inline so each ISA file computes them with the same two IEEE operations). */
static inline float tb_tern_act_scale(float amax)
{
    return amax > 0.0f ? 127.0f / amax : 0.0f;
}
static inline float tb_tern_act_factor(float s_x, float s_w)
{
    return s_x > 0.0f ? s_w / s_x : 0.0f;
}
/* Scalar activation quantizer: q[0..cols) as the recipe, q[cols..kpad) = 0,
 * *sum = sum q; returns s_x. */
float tb_tern_quant_act_ref(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum);

/* ---- layouts (tq2.c, tq1.c, tl.c): sizes, pack, unpack, decode ---- */
int64_t tb_tq2_row_bytes(int64_t cols);
void tb_tq2_pack(const int8_t *q, int64_t rows, int64_t cols, uint8_t *dst);
void tb_tq2_unpack(const uint8_t *src, int64_t rows, int64_t cols, int8_t *q);

int64_t tb_tq1_row_bytes(int64_t cols);
uint8_t tb_tq1_encode5(const uint8_t d[5]);           /* codes 0..2 -> byte */
void tb_tq1_decode5(uint8_t byte, uint8_t d[5]);      /* byte -> codes */
void tb_tq1_pack(const int8_t *q, int64_t rows, int64_t cols, uint8_t *dst);
void tb_tq1_unpack(const uint8_t *src, int64_t rows, int64_t cols, int8_t *q);

int64_t tb_tl_nwords(int64_t cols);
int64_t tb_tl_rpad(int64_t rows);
size_t tb_tl_packed_bytes(int64_t rows, int64_t cols);
void tb_tl_pack(const int8_t *q, int64_t rows, int64_t cols, uint16_t *dst);
void tb_tl_unpack(const uint16_t *src, int64_t rows, int64_t cols, int8_t *q);
/* Scalar table build for one token: tabs[3*nwords][TB_TL_TAB]. */
void tb_tl_build_tables_ref(const int8_t *xq, int64_t nwords, int16_t *tabs);

/* ---- prepared matrices (tern-common.c) ---- */
/* Quantize w and pack it in format fmt.  0 or -errno. */
int tb_tern_prepare(int fmt, const float *w, int64_t rows, int64_t cols, tb_kmat **out);
void tb_tern_free(tb_kmat *m);
int tb_tern_clone(const tb_kmat *m, tb_kmat **out);
size_t tb_tern_bytes(const tb_kmat *m, const void **base, size_t *base_len);
/* Scratch of the tq2/tq1 drivers: n quantized rows + sums + factors. */
size_t tb_tern_scratch_bytes(const tb_kmat *m, int64_t n);
size_t tb_tl_scratch_bytes(const tb_kmat *m, int64_t n);
void tb_tq2_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);
void tb_tq1_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);
void tb_tl_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);
int tb_tq2_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
int tb_tq1_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
int tb_tl_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);

/* ---- shared run() driver for tq2/tq1 (tern-common.c) ----
 * Scratch: [n * xstride int8 activations][n int32 sums][n float factors]
 * and, when impl->tiled, [activation tiles] (tb_tern_tiles below).
 * quant: one token (x row) -> q, sum; returns s_x.
 * rows_fn: y rows [r0, r1) for the n tokens (GEMV when n == 1).  With
 * impl->tiled the row ranges are 32-aligned (one tl tile / two int8 panels). */
typedef float (*tb_tern_quant_fn)(const float *x, int64_t cols, int64_t kpad, int8_t *q,
                                  int32_t *sum);
typedef void (*tb_tern_rows_fn)(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                                const float *fac, int64_t n, float *y, int64_t r0,
                                int64_t r1);
typedef struct tb_tern_impl {
    tb_tern_quant_fn quant;
    tb_tern_rows_fn gemv;  /* n == 1 */
    tb_tern_rows_fn gemm;  /* n > 1 */
    int tiled;             /* GEMM also wants the activation tiles (below) */
    /* Optional (NULL: none).  n == 1 only: rewrites the token's quantized
     * activations xq into the GEMV's own layout at out, which then replaces xq
     * for gemv().  out is the scratch's tail at tb_tern_scratch_bytes(m, 1),
     * sized by the variant (tb_tern_scratch_bytes_gemv_x).  Called once per
     * token on the calling thread, before the rows are split. */
    void (*gemv_x)(const tb_kmat *m, const int8_t *xq, int8_t *out);
} tb_tern_impl;
void tb_tern_run(const tb_tern_impl *impl, const tb_kmat *m, const float *x, int64_t n,
                 float *y, void *scratch, tb_pool *pool, int nthreads);

/* Activation tiles for the VNNI GEMM (the int8 micro-kernel's layout,
 * kernels/int8/int8-vnni-micro.h): tokens in tiles of TB_TERN_TILE; the 4
 * quantized activations of columns 4q..4q+3 of token t*TB_TERN_TILE + jj are
 * the u32 at tiles[(t * kg + q) * TB_TERN_TILE + jj], kg = tb_tern_kgroups(m)
 * (zeros past cols).  They sit after the factors in the scratch; tiled
 * variants size it with tb_tern_scratch_bytes_tiled. */
#define TB_TERN_TILE 12
static inline int64_t tb_tern_kgroups(const tb_kmat *m) { return (m->kpad + 3) / 4; }
size_t tb_tern_scratch_bytes_tiled(const tb_kmat *m, int64_t n);
/* Scratch of a variant with gemv_x writing xbytes(m) bytes, for any n. */
size_t tb_tern_scratch_bytes_gemv_x(const tb_kmat *m, int64_t n, size_t xbytes);
/* The tiles, given the scratch's activation rows xq (= the scratch base). */
const uint32_t *tb_tern_tiles(const tb_kmat *m, const int8_t *xq, int64_t n);

/* Decode rows' codes (0..2, natural column order) of columns [k0, k0+klen)
 * into dst (row i at dst + i*dstride); k0 and klen are multiples of the format
 * block (klen may end at kpad).  Used by the blocked GEMM. */
typedef void (*tb_tern_decode_fn)(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                                  int64_t klen, uint8_t *dst, int64_t dstride);
void tb_tq2_decode_ref(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                       uint8_t *dst, int64_t dstride);
void tb_tq1_decode_ref(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                       uint8_t *dst, int64_t dstride);
/* Blocked GEMM over decoded codes (AVX2: tern-gemm-avx2.c); a slice of
 * klen not a multiple of 32 is padded to it: the decoder then writes code 0
 * in [klen, round_up(klen, 32)) (tl) and kc must leave room for that; kc is the
 * K slice (multiple of 32 and of the format block, <= TB_TERN_YMM_KC: the
 * block's panels, TB_TERN_MC x kc bytes, stay in L1). */
#define TB_TERN_YMM_KC 1024
#define TB_TERN_MC 32
/* VNNI GEMM (tern-gemm-avx512vnni.c, tiled driver): the rows' codes are
 * decoded block by block into the int8 panel layout and multiplied by the int8
 * micro-kernel.  A panel decoder writes, for rows [row, row + nrows) (nrows <=
 * 32, row % 32 == 0) and columns [k0, k0 + klen) (k0 % 4 == 0), kn =
 * ceil(klen / 4) groups of 64 bytes per 16-row panel, panel i at dst + i*kn*64,
 * byte 4r + h of group q = code of row 16i + r, column k0 + 4q + h (0 for
 * columns >= kpad; rows >= nrows: any value, they are never stored).  kc: the
 * K block (multiple of 4 and of the format block, <= TB_TERN_VNNI_KC). */
#define TB_TERN_VNNI_KC 1024
typedef void (*tb_tern_panel_fn)(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                                 int64_t klen, uint8_t *dst);
void tb_tern_gemm_avx512vnni(const tb_kmat *m, tb_tern_panel_fn dec, int64_t kc,
                             const int8_t *xq, const int32_t *asum, const float *fac,
                             int64_t n, float *y, int64_t r0, int64_t r1);
/* tl's VNNI GEMM: largest K block, 112 words = 1008 columns = 252 groups of 4
 * (a multiple of 9 and of 4); the K blocks of a matrix are balanced.  Its
 * panel decoder (tb_tern_panel_fn contract) needs AVX-512 VBMI. */
#define TB_TL_VNNI_KC (112 * TB_TL_WCOLS)
void tb_tl_panels_avx512vbmi(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                             int64_t klen, uint8_t *dst);
/* tq2's AVX2 decoder (tq2-avx2.c; tb_tern_decode_fn contract), also the
 * GEMM decoder of tq2_avxvnni. */
void tb_tq2_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                        uint8_t *dst, int64_t dstride);
/* tq1's AVX2 decoder (tq1-avx2.c), also the GEMM decoder of tq1_avxvnni. */
void tb_tq1_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                        uint8_t *dst, int64_t dstride);
void tb_tern_gemm_avx2(const tb_kmat *m, tb_tern_decode_fn dec, int64_t kc,
                       const int8_t *xq, const int32_t *asum, const float *fac,
                       int64_t n, float *y, int64_t r0, int64_t r1);
/* The same engine with VEX vpdpbusd (tern-gemm-avxvnni.c; AVX-VNNI CPUs only). */
void tb_tern_gemm_avxvnni(const tb_kmat *m, tb_tern_decode_fn dec, int64_t kc,
                          const int8_t *xq, const int32_t *asum, const float *fac,
                          int64_t n, float *y, int64_t r0, int64_t r1);

/* ---- run() driver for tl (tl.c) ----
 * Scratch: [n * xstride int8][n int32][n float][1 or 2 x TB_TL_TCHUNK token
 * tables].  Tokens go in chunks of TB_TL_TCHUNK: in one pool hand-off the
 * threads share out the row tiles of chunk i a piece at a time (each tile
 * reused for every token of the chunk), then the tokens of chunk i+1, to
 * quantize them and build their tables into the other buffer. */
#define TB_TL_TCHUNK 8
typedef void (*tb_tl_build_fn)(const int8_t *xq, int64_t nwords, int16_t *tabs);
/* y for tokens [0, ntok) of the chunk (token c at y + c*rows), tiles [t0, t1). */
typedef void (*tb_tl_rows_fn)(const tb_kmat *m, const int16_t *tabs, int64_t ntok,
                              const float *fac, float *y, int64_t t0, int64_t t1);
typedef struct tb_tl_impl {
    tb_tern_quant_fn quant;
    tb_tl_build_fn build;
    tb_tl_rows_fn rows;
} tb_tl_impl;
extern const tb_tl_impl tb_tl_impl_avx512; /* tl-avx512.c, also tl_avx512vnni's GEMV */
void tb_tl_run(const tb_tl_impl *impl, const tb_kmat *m, const float *x, int64_t n, float *y,
               void *scratch, tb_pool *pool, int nthreads);
/* int16 entries of one token's tables. */
static inline int64_t tb_tl_tab_elems(int64_t nwords) { return nwords * 3 * TB_TL_TAB; }

/* ---- kernel records ---- */
extern const tb_kernel tb_k_tq2_ref, tb_k_tq2_avx2, tb_k_tq2_avxvnni, tb_k_tq2_avx512vnni;
extern const tb_kernel tb_k_tq1_ref, tb_k_tq1_avx2, tb_k_tq1_avxvnni, tb_k_tq1_avx512vnni;
extern const tb_kernel tb_k_tl_ref, tb_k_tl_avx2, tb_k_tl_avx512, tb_k_tl_avx512vnni;

static inline int64_t tb_tern_round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

/* Software prefetch distance of the x86 GEMVs that read `group_bytes` (R rows)
 * per step: they prefetch the block they load, this many bytes later in the
 * thread's contiguous stream (the same block of a later row group, so every
 * line is prefetched once).  One group ahead is too close for short rows: 4
 * tq2 rows of K = 2048 are 2 KiB, ~0.17 us of one core's DRAM share.  Whole
 * groups, at least TB_TERN_PF_MIN bytes: measured in one process against one
 * group (time-gemv, 160 copies, 31 interleaved rounds, tq2_avx2, 1 thread):
 * 1.17x at 22016x2048, 1.04-1.05x at 11008x4096 (one group = 4 KiB). */
#ifndef TB_TERN_PF_MIN
#define TB_TERN_PF_MIN 16384
#endif
static inline int64_t tb_tern_pf_dist(int64_t group_bytes)
{
    return (TB_TERN_PF_MIN + group_bytes - 1) / group_bytes * group_bytes;
}

#endif
