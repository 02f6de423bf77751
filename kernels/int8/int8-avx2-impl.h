/* int8-avx2-impl.h - the ymm int8 kernels of int8_avx2 (int8-avx2.c) and
 * int8_avxvnni (int8-avxvnni.c); include only from those two files.  Layout
 * and quantization rule: int8-internal.h; a panel group-step (16 rows x 4
 * columns) is two ymm.  The two differ only in dot4 (below): AVX2 needs
 * vpsignb + vpmaddubsw + vpmaddwd + vpaddd, AVX-VNNI (built with -mavxvnni,
 * __AVXVNNI__) vpsignb + one VEX vpdpbusd on the very same operands.
 *
 * vpmaddubsw multiplies unsigned by signed bytes with int16 saturation, so
 * the activations are kept twice in the scratch: area A = xq (signed, used
 * only for its sign via vpsignb) and area B = |xq| (the unsigned operand).
 * |xq| * (wq * sign(xq)) <= 127 * 127, and a pair sums to <= 32258 < 32767:
 * never saturates, so the int32 sums (vpmaddwd with ones) are exact.
 *
 * GEMM on AVX-VNNI drops vpsignb: area B holds xq + 128 (u8, stored as
 * xq ^ 0x80) and vpdpbusd multiplies it by the signed weights directly;
 * the last K block adds corr[r] = -128 * rowsum(wq[r]) (prepare's, as
 * int8_avx512vnni does), so the int32 sums stay exact: one uop per 32
 * MACs instead of two; a 16 x 6 tile (12 accumulators).
 *
 * GEMM on AVX2 drops vpsignb too (WIDE16, below): int16 activation pairs
 * (areas A and B as one) times the weights widened to int16 once per panel
 * and K block, vpmaddwd + vpaddd: 4 ALU uops per 32 MACs, 2 of them on the
 * multiply ports (the int8 form: 3 of 4), at most ~75 % of the probe's
 * peak instead of ~67 %; a 16 x 4 tile.
 *
 * GEMV (n == 1): each thread streams its panels once.  GEMM (n > 1): per
 * chunk of rows x tokens, per K block of KCQ groups (16 rows x KCQ x 4 B =
 * 8 KiB) a 16 x NJ micro-kernel runs over the chunk's activation tiles;
 * partial int32 sums live in y's memory between K blocks, the float
 * epilogue follows the last block. */
#ifndef TB_INT8_AVX2_IMPL_H
#define TB_INT8_AVX2_IMPL_H

#include <immintrin.h>

#include "int8-internal.h"

#if defined(__AVXVNNI__)
#define GEMM_OFFSET 1 /* GEMM: area B = xq + 128, corr added at the end (see top) */
#define NJ 6 /* tokens per activation tile in GEMM: 12 ymm accumulators cover
              * vpdpbusd's latency (2 per cycle x 5 cycles), + 2 weights + 1 broadcast */
#else
#define GEMM_OFFSET 0
#define NJ 4 /* tokens per activation tile in GEMM (8 ymm accumulators) */
#endif
#define KCQ 128 /* K block in 4-column groups (512 columns) */
static_assert(NJ <= TB_I8_NJ_MAX, "scratch is sized for TB_I8_NJ_MAX");

#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_i8mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *sx;
    uint32_t *xs; /* area A: signed xq groups */
    uint32_t *xb; /* area B: |xq| groups */
    int64_t tw;
    int wide; /* AVX2 GEMM of >= WIDE_MIN_N tokens: the int16 form (WIDE16) */
} job;

INLINE __m256i lane_mask(int64_t left)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int l = left > 8 ? 8 : left < 0 ? 0 : (int)left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(l), idx);
}

INLINE __m256 load8(const float *x, int64_t c, int64_t cols)
{
    if (cols - c >= 8)
        return _mm256_loadu_ps(x + c);
    if (cols - c <= 0)
        return _mm256_setzero_ps();
    return _mm256_maskload_ps(x + c, lane_mask(cols - c));
}

static void quant_token(const job *jb, int64_t j)
{
    const int64_t cols = jb->m->cols, kq = jb->m->kq, tw = jb->tw;
    const float *x = jb->x + j * cols;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 amax = _mm256_setzero_ps();
    for (int64_t c = 0; c < cols; c += 8)
        amax = _mm256_max_ps(amax, _mm256_and_ps(load8(x, c, cols), absmask));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float a = _mm_cvtss_f32(m4);
    const float inv = a > 0.0f ? 127.0f / a : 0.0f;
    jb->sx[j] = a > 0.0f ? a / 127.0f : 0.0f;
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
    const int64_t base = ((j / tw) * kq) * tw + j % tw;
    uint32_t ts[4], ta[4];
    for (int64_t c = 0; c < kq * TB_I8_KG; c += 16) {
        /* vcvtps2dq rounds by MXCSR: nearest even by default, as rintf */
        __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(load8(x, c, cols), vinv));
        __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(load8(x, c + 8, cols), vinv));
        q0 = _mm256_min_epi32(_mm256_max_epi32(q0, lo), hi);
        q1 = _mm256_min_epi32(_mm256_max_epi32(q1, lo), hi);
        const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xd8);
        const __m128i b =
            _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
        const int64_t g0 = c / TB_I8_KG, ng = kq - g0 < 4 ? kq - g0 : 4;
        if (jb->wide) {
            /* AVX2 GEMM: int16 pairs, areas A and B as one (see WIDE16) */
            uint32_t w16[8];
            _mm256_storeu_si256((__m256i *)(void *)w16, p16);
            for (int64_t g = 0; g < ng; g++) {
                jb->xs[(base + (g0 + g) * tw) * 2] = w16[2 * g];
                jb->xs[(base + (g0 + g) * tw) * 2 + 1] = w16[2 * g + 1];
            }
            continue;
        }
        _mm_storeu_si128((__m128i *)ts, b);
        if (GEMM_OFFSET && tw > 1)
            _mm_storeu_si128((__m128i *)ta, _mm_xor_si128(b, _mm_set1_epi8((char)0x80)));
        else
            _mm_storeu_si128((__m128i *)ta, _mm_abs_epi8(b));
        for (int64_t g = 0; g < ng; g++) {
            jb->xs[base + (g0 + g) * tw] = ts[g];
            jb->xb[base + (g0 + g) * tw] = ta[g];
        }
    }
}

static void quant_worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    long j0, j1;
    tb_pool_split((long)jb->n, jb->tw, tid, nthreads, &j0, &j1);
    for (int64_t j = j0; j < j1; j++)
        quant_token(jb, j);
}

/* int32 lanes += sum of 4 products x.w of each group (exact, see top;
 * vpdpbusd sums the 4 u8 x s8 products without intermediate saturation). */
INLINE __m256i dot4(__m256i acc, __m256i xabs, __m256i xsgn, __m256i w)
{
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(acc, xabs, _mm256_sign_epi8(w, xsgn));
#else
    const __m256i p16 = _mm256_maddubs_epi16(xabs, _mm256_sign_epi8(w, xsgn));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
#endif
}

INLINE __m256 epilogue(__m256i acc, const float *scale, float sx)
{
    return _mm256_mul_ps(_mm256_cvtepi32_ps(acc),
                         _mm256_mul_ps(_mm256_set1_ps(sx), _mm256_load_ps(scale)));
}

/* ---- GEMV ---- */

/* Output panels [p0, p1). */
static void gemv_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq;
    for (int64_t p = p0; p < p1; p++) {
        const int8_t *w = m->w + p * kq * 64;
        __m256i l0 = _mm256_setzero_si256(), h0 = _mm256_setzero_si256();
        __m256i l1 = _mm256_setzero_si256(), h1 = _mm256_setzero_si256();
        int64_t q = 0;
        for (; q + 2 <= kq; q += 2) {
            const int8_t *wq = w + q * 64;
            _mm_prefetch((const char *)(wq + 2048), _MM_HINT_T0);
            _mm_prefetch((const char *)(wq + 2048 + 64), _MM_HINT_T0);
            const __m256i s0 = _mm256_set1_epi32((int)jb->xs[q]);
            const __m256i a0 = _mm256_set1_epi32((int)jb->xb[q]);
            const __m256i s1 = _mm256_set1_epi32((int)jb->xs[q + 1]);
            const __m256i a1 = _mm256_set1_epi32((int)jb->xb[q + 1]);
            l0 = dot4(l0, a0, s0, _mm256_load_si256((const __m256i *)wq));
            h0 = dot4(h0, a0, s0, _mm256_load_si256((const __m256i *)(wq + 32)));
            l1 = dot4(l1, a1, s1, _mm256_load_si256((const __m256i *)(wq + 64)));
            h1 = dot4(h1, a1, s1, _mm256_load_si256((const __m256i *)(wq + 96)));
        }
        for (; q < kq; q++) {
            const int8_t *wq = w + q * 64;
            const __m256i s0 = _mm256_set1_epi32((int)jb->xs[q]);
            const __m256i a0 = _mm256_set1_epi32((int)jb->xb[q]);
            l0 = dot4(l0, a0, s0, _mm256_load_si256((const __m256i *)wq));
            h0 = dot4(h0, a0, s0, _mm256_load_si256((const __m256i *)(wq + 32)));
        }
        const int64_t r0 = p * TB_I8_PANEL;
        const __m256 ylo = epilogue(_mm256_add_epi32(l0, l1), m->scale + r0, jb->sx[0]);
        const __m256 yhi = epilogue(_mm256_add_epi32(h0, h1), m->scale + r0 + 8, jb->sx[0]);
        float *y = jb->y + r0;
        const int64_t left = m->rows - r0;
        if (left >= 16) {
            _mm256_storeu_ps(y, ylo);
            _mm256_storeu_ps(y + 8, yhi);
        } else {
            _mm256_maskstore_ps(y, lane_mask(left), ylo);
            _mm256_maskstore_ps(y + 8, lane_mask(left - 8), yhi);
        }
    }
}

/* ---- GEMM ---- */

#if !GEMM_OFFSET
/* AVX2 GEMM: vpmaddwd on int16 (WIDE16).  The activations are int16 pairs
 * (quant_token: group q of a token = 2 u32 words, columns 4q, 4q+1 and
 * 4q+2, 4q+3, at xs[((t * kq + q) * NJ + jj) * 2 + h], areas A and B used
 * as one), the weights of one panel and K block are widened once into
 * ebuf (wide_panel) and reused by every token tile of the chunk: per group
 * 4 ymm of int16 pairs, A01 and A23 of rows 0-7, then of rows 8-15 (int32
 * lane i = row i's columns (0, 1), resp. (2, 3)).  A step (8 rows, one
 * token, one group: 32 MACs) is 2 vpmaddwd + 2 vpaddd, 2 uops on the
 * multiply ports as in the probe, against vpsignb + vpmaddubsw + vpmaddwd
 * (3) for the int8 form: products <= 127 * 127, pairs <= 32258, exact. */
#define WIDE16 1
/* Below this many tokens widening each panel's K block costs more than the
 * int16 form saves (n = 8: 1.17x the int8 form's time; n = 32 even, 128
 * 1.04x faster): the int8 form runs (areas A = xq, B = |xq|). */
#define WIDE_MIN_N 64
#else
#define WIDE16 0
#define WIDE_MIN_N 0
#endif

#if WIDE16

/* Widens kn groups of one panel (b, int8 layout) into ebuf:
 * ebuf[q * 64 + 32 h + 16 c + 2 i + e] = wq[row 8h + i][column 4q + 2c + e],
 * i.e. ymm 2h + c of group q holds in int32 lane i the int16 pair of row
 * 8h + i, columns 4q + 2c and 4q + 2c + 1. */
static void wide_panel(const int8_t *b, int64_t kn, int16_t *ebuf)
{
    for (int64_t q = 0; q < kn; q++)
        for (int h = 0; h < 2; h++) {
            const __m256i v = _mm256_load_si256((const __m256i *)(const void *)(b + q * 64 + 32 * h));
            /* int16 lane 2i = bytes (w0, w1) of row i, lane 2i+1 = (w2, w3) */
            const __m256i even = _mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8); /* w0 | w2 */
            const __m256i odd = _mm256_srai_epi16(v, 8);                        /* w1 | w3 */
            const __m256i a01 = _mm256_blend_epi16(even, _mm256_slli_epi32(odd, 16), 0xaa);
            const __m256i a23 = _mm256_blend_epi16(_mm256_srli_epi32(even, 16), odd, 0xaa);
            __m256i *o = (__m256i *)(void *)(ebuf + q * 64 + 32 * h);
            _mm256_store_si256(o, a01);
            _mm256_store_si256(o + 1, a23);
        }
}

/* 4 bytes read by the asm below */
typedef struct x4 {
    int8_t b[4];
} x4;

/* lo += a01l.x01 + a23l.x23, hi += a01h.x01 + a23h.x23 (vpmaddwd, int32),
 * x01 and x23 broadcast from p and p + 4.  In asm so that the broadcasts
 * and products live only inside the statement (8 accumulators + 4 weights
 * + 3 temporaries = 15 ymm): from C, GCC issues every token's broadcasts
 * first and runs out of registers. */
INLINE void step16(__m256i *lo, __m256i *hi, __m256i a01l, __m256i a23l, __m256i a01h,
                   __m256i a23h, const uint32_t *p)
{
    __m256i t, u, v;
    __asm__("vpbroadcastd %[m0], %[t]\n\t"
            "vpbroadcastd %[m1], %[u]\n\t"
            "{vpmaddwd %[t], %[a01l], %[v]|vpmaddwd %[v], %[a01l], %[t]}\n\t"
            "{vpaddd %[v], %[lo], %[lo]|vpaddd %[lo], %[lo], %[v]}\n\t"
            "{vpmaddwd %[u], %[a23l], %[v]|vpmaddwd %[v], %[a23l], %[u]}\n\t"
            "{vpaddd %[v], %[lo], %[lo]|vpaddd %[lo], %[lo], %[v]}\n\t"
            "{vpmaddwd %[t], %[a01h], %[t]|vpmaddwd %[t], %[a01h], %[t]}\n\t"
            "{vpaddd %[t], %[hi], %[hi]|vpaddd %[hi], %[hi], %[t]}\n\t"
            "{vpmaddwd %[u], %[a23h], %[u]|vpmaddwd %[u], %[a23h], %[u]}\n\t"
            "{vpaddd %[u], %[hi], %[hi]|vpaddd %[hi], %[hi], %[u]}"
            : [lo] "+x"(*lo), [hi] "+x"(*hi), [t] "=&x"(t), [u] "=&x"(u), [v] "=&x"(v)
            : [a01l] "x"(a01l), [a23l] "x"(a23l), [a01h] "x"(a01h), [a23h] "x"(a23h),
              [m0] "m"(*(const x4 *)(const void *)p), [m1] "m"(*(const x4 *)(const void *)(p + 1)));
}
#endif

INLINE void micro(const int tw, const int nj, const int wide, const int8_t *b, int64_t kn, const uint32_t *ts,
                  const uint32_t *ta, float *y, int64_t ldy, int first, int last, int64_t left,
                  const tb_i8mat *m, int64_t r0, const float *sx, const char *pf)
{
    const int full = left >= 16;
    __m256i lo[NJ], hi[NJ];
#pragma GCC unroll 6
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            if (first) {
                lo[j] = _mm256_setzero_si256();
                hi[j] = _mm256_setzero_si256();
            } else if (full) {
                lo[j] = _mm256_loadu_si256((const __m256i *)(y + j * ldy));
                hi[j] = _mm256_loadu_si256((const __m256i *)(y + j * ldy + 8));
            } else {
                lo[j] = _mm256_maskload_epi32((const int *)(y + j * ldy), lane_mask(left));
                hi[j] = _mm256_maskload_epi32((const int *)(y + j * ldy + 8), lane_mask(left - 8));
            }
        }
    }
    for (int64_t q = 0; q < kn; q++) {
#if WIDE16
        if (wide) {
            /* b = ebuf of wide_panel, ts = the int16 activation words */
            const __m256i *e = (const __m256i *)(const void *)(b + q * 128);
            const __m256i a01l = _mm256_load_si256(e), a23l = _mm256_load_si256(e + 1);
            const __m256i a01h = _mm256_load_si256(e + 2), a23h = _mm256_load_si256(e + 3);
            _mm_prefetch(pf + q * 64, _MM_HINT_T1); /* the next block's weights */
#pragma GCC unroll 6
            for (int j = 0; j < NJ; j++)
                if (j < nj)
                    step16(&lo[j], &hi[j], a01l, a23l, a01h, a23h, ts + (q * tw + j) * 2);
            continue;
        }
#endif
        const __m256i wl = _mm256_load_si256((const __m256i *)(b + q * 64));
        const __m256i wh = _mm256_load_si256((const __m256i *)(b + q * 64 + 32));
        _mm_prefetch(pf + q * 64, _MM_HINT_T1); /* the next block's weights */
#pragma GCC unroll 6
        for (int j = 0; j < NJ; j++) {
            if (j < nj) {
                const __m256i a = _mm256_set1_epi32((int)ta[q * tw + j]);
#if GEMM_OFFSET
                lo[j] = _mm256_dpbusd_avx_epi32(lo[j], a, wl);
                hi[j] = _mm256_dpbusd_avx_epi32(hi[j], a, wh);
#else
                const __m256i sg = _mm256_set1_epi32((int)ts[q * tw + j]);
                lo[j] = dot4(lo[j], a, sg, wl);
                hi[j] = dot4(hi[j], a, sg, wh);
#endif
            }
        }
    }
#if GEMM_OFFSET
    (void)ts;
    if (last) {
        const __m256i cl = _mm256_load_si256((const __m256i *)(const void *)(m->corr + r0));
        const __m256i ch = _mm256_load_si256((const __m256i *)(const void *)(m->corr + r0 + 8));
#pragma GCC unroll 6
        for (int j = 0; j < NJ; j++) {
            if (j < nj) {
                lo[j] = _mm256_add_epi32(lo[j], cl);
                hi[j] = _mm256_add_epi32(hi[j], ch);
            }
        }
    }
#endif
    const __m256i ml = lane_mask(left), mh = lane_mask(left - 8);
#pragma GCC unroll 6
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            float *yj = y + j * ldy;
            if (last) {
                const __m256 fl = epilogue(lo[j], m->scale + r0, sx[j]);
                const __m256 fh = epilogue(hi[j], m->scale + r0 + 8, sx[j]);
                if (full) {
                    _mm256_storeu_ps(yj, fl);
                    _mm256_storeu_ps(yj + 8, fh);
                } else {
                    _mm256_maskstore_ps(yj, ml, fl);
                    _mm256_maskstore_ps(yj + 8, mh, fh);
                }
            } else if (full) {
                _mm256_storeu_si256((__m256i *)yj, lo[j]);
                _mm256_storeu_si256((__m256i *)(yj + 8), hi[j]);
            } else {
                _mm256_maskstore_epi32((int *)yj, ml, lo[j]);
                _mm256_maskstore_epi32((int *)(yj + 8), mh, hi[j]);
            }
        }
    }
}

typedef void (*micro_fn)(const int8_t *, int64_t, const uint32_t *, const uint32_t *, float *,
                         int64_t, int, int, int64_t, const tb_i8mat *, int64_t, const float *,
                         const char *);

/* NAME##_NJV: micro() for a tile of NJV tokens in NJT-token tiles, int8 (wide 0)
 * or the widened int16 form (wide 1), as a function for the tables below. */
#define MICRO_FN(NAME, NJT, WIDE, NJV)                                                        \
    static void NAME##_##NJV(const int8_t *b, int64_t kn, const uint32_t *ts,                  \
                             const uint32_t *ta, float *y, int64_t ldy, int first, int last,  \
                             int64_t left, const tb_i8mat *m, int64_t r0, const float *sx,    \
                             const char *pf)                                                  \
    {                                                                                         \
        micro(NJT, NJV, WIDE, b, kn, ts, ta, y, ldy, first, last, left, m, r0, sx, pf);       \
    }
#define MICRO(NJV) MICRO_FN(micro, NJ, 0, NJV)
MICRO(1) MICRO(2) MICRO(3) MICRO(4)
#if NJ == 6
MICRO(5) MICRO(6)
static const micro_fn micro_tab[NJ] = {micro_1, micro_2, micro_3, micro_4, micro_5, micro_6};
#else
static_assert(NJ == 4, "micro_tab lists NJ micro-kernels");
static const micro_fn micro_tab[NJ] = {micro_1, micro_2, micro_3, micro_4};
#endif
#if NJ == 6
/* 4-token tiles for a few tokens (run()): n = 8 as 4 + 4, not 6 + 2, whose
 * 2-token tile waits on vpdpbusd's latency with 4 accumulators */
#define NARROW_NJ 4
#define MICRO4(NJV) MICRO_FN(micro4, NARROW_NJ, 0, NJV)
MICRO4(1) MICRO4(2) MICRO4(3) MICRO4(4)
static const micro_fn micro4_tab[NARROW_NJ] = {micro4_1, micro4_2, micro4_3, micro4_4};
#endif
#if WIDE16
#define MICROW(NJV) MICRO_FN(microw, NJ, 1, NJV)
MICROW(1) MICROW(2) MICROW(3) MICROW(4)
static const micro_fn microw_tab[NJ] = {microw_1, microw_2, microw_3, microw_4};
#endif

/* Chunks of ROW_CHUNK panels x TOK_CHUNK tokens, K blocks inside a chunk:
 * the chunk's int32 partial sums in y (512 x 128 x 4 B = 256 KiB) stay in
 * L2 across K blocks instead of being re-read from beyond it (rows x n x
 * 4 B) at every block, as fp16-avx2.c does. */
#define ROW_CHUNK 32        /* panels (512 rows) */
#define TOK_CHUNK (32 * NJ) /* 128 tokens (192 with NJ 6: 384 KiB of y) */

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void gemm_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq, rows = m->rows, n = jb->n, tw = jb->tw;
#if WIDE16
    _Alignas(64) int16_t ebuf[KCQ * 64]; /* one panel's K block, widened: 16 KiB */
#endif
    for (int64_t pc = p0; pc < p1; pc += ROW_CHUNK) {
        const int64_t pe = p1 - pc < ROW_CHUNK ? p1 : pc + ROW_CHUNK;
        for (int64_t jc = 0; jc < n; jc += TOK_CHUNK) {
            const int64_t je = n - jc < TOK_CHUNK ? n : jc + TOK_CHUNK;
            for (int64_t k0 = 0; k0 < kq; k0 += KCQ) {
                const int64_t kn = kq - k0 < KCQ ? kq - k0 : KCQ;
                const int first = k0 == 0, last = k0 + kn == kq;
                for (int64_t p = pc; p < pe; p++) {
                    const int8_t *b = m->w + (p * kq + k0) * 64;
                    const int8_t *bm = b;
                    const micro_fn *tab = micro_tab;
#if NJ == 6
                    if (tw == NARROW_NJ)
                        tab = micro4_tab;
#endif
                    int64_t xm = 1; /* u32 words per group and token */
#if WIDE16
                    if (jb->wide) {
                        wide_panel(b, kn, ebuf);
                        bm = (const int8_t *)ebuf;
                        tab = microw_tab;
                        xm = 2; /* int16 words, in areas A and B as one */
                    }
#endif
                    const int64_t r0 = p * TB_I8_PANEL;
                    /* next block in loop order: panel p+1 at this K block, or the
                     * chunk's first panel at the next (formed as an integer: may lie
                     * past the matrix; prefetches never fault) */
                    const char *nb = p + 1 < pe ? (const char *)((uintptr_t)b + (uintptr_t)(kq * 64))
                                                : (const char *)((uintptr_t)m->w +
                                                                 (uintptr_t)((pc * kq + k0 + kn) * 64));
                    for (int64_t j0 = jc; j0 < je; j0 += tw) {
                        const int nj = je - j0 < tw ? (int)(je - j0) : (int)tw;
                        const int64_t off = (j0 / tw) * kq * tw + k0 * tw;
                        tab[nj - 1](bm, kn, jb->xs + off * xm, jb->xb + off, jb->y + j0 * rows + r0,
                                    rows, first, last, rows - r0, m, r0, jb->sx + j0,
                                    j0 == jc ? nb : (const char *)b);
                    }
                }
            }
        }
    }
}

/* Tokens per activation tile of a GEMM of n tokens (a divisor of TOK_CHUNK
 * and of tb_i8_npad's TB_I8_NJ_MAX multiple). */
static int64_t gemm_tile(int64_t n)
{
#if NJ == 6
    if (n < 12 && n % NJ)
        return NARROW_NJ;
#else
    (void)n;
#endif
    return NJ;
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    char *base = (char *)scratch + tb_i8_scratch_sx_bytes(n);
    job jb = {m, x, n, y, scratch, (uint32_t *)base,
              (uint32_t *)(base + tb_i8_scratch_area_bytes(m, n)), n == 1 ? 1 : gemm_tile(n),
              WIDE16 && n >= WIDE_MIN_N};
    if (n == 1) {
        quant_token(&jb, 0);
        tb_pool_run_shared(pool, nthreads, (long)m->npanels,
                           tb_pool_chunk_units((long)m->kq * 64, 1), gemv_panels, &jb);
        return;
    }
    tb_pool_run(pool, nthreads, quant_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kq * 64, 1),
                       gemm_panels, &jb);
}

#endif
