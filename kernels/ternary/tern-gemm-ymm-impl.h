/* tern-gemm-ymm-impl.h - blocked ternary GEMM (n > 1) on ymm, shared by tq2,
 * tq1 and tl: included by tern-gemm-avx2.c (tb_tern_gemm_avx2) and
 * tern-gemm-avxvnni.c (tb_tern_gemm_avxvnni, built with -mavxvnni), each
 * defining TERN_GEMM_NAME first.
 *
 * Per TB_TERN_MC-row block and K slice of kc columns (<= TB_TERN_YMM_KC) the
 * format's decoder writes the rows' codes (0..2) row-major into wbuf; an
 * 8 x 8 int32 transpose turns them into 8-row panels of 4-column groups
 * (the int8 panel layout of kernels/int8/int8-internal.h on ymm):
 *     pbuf[(p * kn + q) * 32 + 4 i + h] = code of row 8p + i, column k0 + 4q + h
 * (<= 32 KiB, L1-resident), reused by every token.  The register tile is
 * NP panels (16 rows) x NT tokens: per group, NP panel loads, one 4-byte
 * activation broadcast per token (straight from the quantized rows), and
 * NP x NT steps into one ymm per (panel, token) holding its 8 rows, so no
 * horizontal sums.  The step:
 *   AVX2     vpmaddubsw(codes, x) + vpaddw: codes {0,1,2} x int8, so a pair
 *            is <= 2 * 2 * 127 = 508 in magnitude and 64 groups sum to
 *            <= 32512 in int16 (exact); every K16 groups vpmaddwd by ones
 *            widens them to int32.  About one multiply-port uop per 32 MACs
 *            against the int8 probe's two (vpmaddubsw + vpmaddwd).
 *   AVX-VNNI one vpdpbusd per step (exact: no intermediate saturation);
 *            12 accumulators cover its latency.
 * The int32 sums of a chunk are added to y itself (partials of earlier
 * chunks and K slices parked there as int32); the last one applies
 * y = (float)(acc - asum[token]) * fac[token].
 * A slice whose length is not a multiple of 32 (tl: kpad is a multiple of 9)
 * runs to the next multiple: the decoder writes code 0 there and the
 * activations are read up to round_up(kpad, 32) <= xstride.
 * Thread-safe for disjoint row ranges. */
#ifndef TERN_GEMM_NAME
#error "define TERN_GEMM_NAME before including tern-gemm-ymm-impl.h"
#endif
#include <assert.h>

#include "tern-x86.h"

#define NP 2 /* 8-row panels per register tile */
#define NT 6 /* tokens per register tile (NP x NT = 12 accumulators) */
#if defined(__AVX2__) && !defined(__AVXVNNI__)
#define K16 64 /* groups summed in int16 before widening: 64 * 508 = 32512 */
#else
#define K16 (TB_TERN_YMM_KC / 4) /* int32 sums: one chunk per slice */
#endif
static_assert(TB_TERN_MC % 8 == 0, "blocks are whole 8-row panels");

#define INLINE static inline __attribute__((always_inline))

/* The panels of rows [0, mr) of wbuf (row i at wbuf + i * kc) for nch
 * 32-column chunks, kn = 8 * nch groups per panel.  Rows past mr repeat row
 * mr - 1: their lanes are never stored. */
static void to_panels(const uint8_t *wbuf, int64_t kc, int64_t mr, int64_t nch, uint8_t *pbuf)
{
    const int64_t kn = nch * 8;
    for (int64_t p = 0; p * 8 < mr; p++) {
        const uint8_t *src[8];
        for (int i = 0; i < 8; i++)
            src[i] = wbuf + (p * 8 + i < mr ? p * 8 + i : mr - 1) * kc;
        uint8_t *dst = pbuf + p * kn * 32;
        for (int64_t s = 0; s < nch; s++) {
            __m256i r[8], t[8], u[8];
            for (int i = 0; i < 8; i++)
                r[i] = _mm256_load_si256((const __m256i *)(const void *)(src[i] + s * 32));
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
                t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
            }
            /* u[4h + e]: rows 4h..4h+3 of groups e (low lane) and e + 4 (high) */
            for (int h = 0; h < 2; h++) {
                u[4 * h + 0] = _mm256_unpacklo_epi64(t[4 * h], t[4 * h + 2]);
                u[4 * h + 1] = _mm256_unpackhi_epi64(t[4 * h], t[4 * h + 2]);
                u[4 * h + 2] = _mm256_unpacklo_epi64(t[4 * h + 1], t[4 * h + 3]);
                u[4 * h + 3] = _mm256_unpackhi_epi64(t[4 * h + 1], t[4 * h + 3]);
            }
            __m256i *o = (__m256i *)(void *)(dst + s * 8 * 32);
            for (int e = 0; e < 4; e++) {
                _mm256_store_si256(o + e, _mm256_permute2x128_si256(u[e], u[4 + e], 0x20));
                _mm256_store_si256(o + 4 + e, _mm256_permute2x128_si256(u[e], u[4 + e], 0x31));
            }
        }
    }
}

INLINE __m256i bcast4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

#if !defined(__AVXVNNI__)
/* 4 bytes read by the asm below */
typedef struct x4 {
    int8_t b[4];
} x4;

/* acc += vpmaddubsw(w, broadcast of the 4 activations at x), int16 lanes.
 * In asm because GCC, given the same in C, issues every token's broadcast
 * first and copies each accumulator after its vpaddw (three-operand form):
 * 16+ live ymm and a move per step, front-end bound; here the broadcast
 * and the product live only inside the statement (2 x 6 accumulators + 2
 * panels + 2 temporaries = 16 ymm). */
INLINE void step2(__m256i *a0, __m256i *a1, __m256i w0, __m256i w1, const int8_t *x)
{
    __m256i t, u;
    __asm__("vpbroadcastd %[m], %[t]\n\t"
            "{vpmaddubsw %[t], %[w0], %[u]|vpmaddubsw %[u], %[w0], %[t]}\n\t"
            "{vpaddw %[u], %[a0], %[a0]|vpaddw %[a0], %[a0], %[u]}\n\t"
            "{vpmaddubsw %[t], %[w1], %[t]|vpmaddubsw %[t], %[w1], %[t]}\n\t"
            "{vpaddw %[t], %[a1], %[a1]|vpaddw %[a1], %[a1], %[t]}"
            : [a0] "+x"(*a0), [a1] "+x"(*a1), [t] "=&x"(t), [u] "=&x"(u)
            : [w0] "x"(w0), [w1] "x"(w1), [m] "m"(*(const x4 *)(const void *)x));
}

INLINE void step1(__m256i *a0, __m256i w0, const int8_t *x)
{
    __m256i t;
    __asm__("vpbroadcastd %[m], %[t]\n\t"
            "{vpmaddubsw %[t], %[w0], %[t]|vpmaddubsw %[t], %[w0], %[t]}\n\t"
            "{vpaddw %[t], %[a0], %[a0]|vpaddw %[a0], %[a0], %[t]}"
            : [a0] "+x"(*a0), [t] "=&x"(t)
            : [w0] "x"(w0), [m] "m"(*(const x4 *)(const void *)x));
}
#endif

/* R panels (pb, stride kn * 32) x C tokens (xa, stride xs) over kn groups;
 * y + c * ldy + 8 r = token c's 8 rows of panel r, all 8 R rows stored (the
 * caller passes a buffer for a block's last, partial tile: no masks here,
 * they would take two of the 16 ymm). */
INLINE void micro(const uint8_t *pb, int64_t kn, const int8_t *xa, int64_t xs, float *y,
                  int64_t ldy, const int32_t *asum, const float *fac, int first, int last,
                  const int R, const int C)
{
    for (int64_t q0 = 0; q0 < kn; q0 += K16) {
        const int64_t qe = kn - q0 < K16 ? kn : q0 + K16;
        __m256i acc[NP][NT];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++)
#pragma GCC unroll 6
            for (int c = 0; c < C; c++)
                acc[r][c] = _mm256_setzero_si256();
        for (int64_t q = q0; q < qe; q++) {
            __m256i w[NP];
#pragma GCC unroll 2
            for (int r = 0; r < R; r++)
                w[r] = _mm256_load_si256((const __m256i *)(const void *)(pb + (r * kn + q) * 32));
#pragma GCC unroll 6
            for (int c = 0; c < C; c++) {
#if defined(__AVXVNNI__)
                const __m256i a = bcast4(xa + c * xs + 4 * q);
#pragma GCC unroll 2
                for (int r = 0; r < R; r++)
                    acc[r][c] = _mm256_dpbusd_avx_epi32(acc[r][c], w[r], a);
#else
                if (R == 2)
                    step2(&acc[0][c], &acc[1][c], w[0], w[1], xa + c * xs + 4 * q);
                else
                    step1(&acc[0][c], w[0], xa + c * xs + 4 * q);
#endif
            }
        }
        const int init = first && q0 == 0, fin = last && qe == kn;
#pragma GCC unroll 6
        for (int c = 0; c < C; c++)
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) {
                float *yp = y + c * ldy + 8 * r;
#if defined(__AVXVNNI__)
                __m256i v = acc[r][c];
#else
                __m256i v = _mm256_madd_epi16(acc[r][c], _mm256_set1_epi16(1));
#endif
                if (!init)
                    v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)(const void *)yp));
                if (fin)
                    _mm256_storeu_ps(yp, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(
                                                           v, _mm256_set1_epi32(asum[c]))),
                                                       _mm256_set1_ps(fac[c])));
                else
                    _mm256_storeu_si256((__m256i *)(void *)yp, v);
            }
    }
}

#define MICRO(R, C) micro(pb, kn, xa, xs, y, ldy, asum, fac, first, last, R, C)

static_assert(NP == 2 && NT == 6, "micro_any lists the tiles of 1..2 panels x 1..6 tokens");

static void micro_any(int nr, int nc, const uint8_t *pb, int64_t kn, const int8_t *xa, int64_t xs,
                      float *y, int64_t ldy, const int32_t *asum, const float *fac, int first,
                      int last)
{
    if (nr == 2) {
        switch (nc) {
        case 1: MICRO(2, 1); break;
        case 2: MICRO(2, 2); break;
        case 3: MICRO(2, 3); break;
        case 4: MICRO(2, 4); break;
        case 5: MICRO(2, 5); break;
        default: MICRO(2, 6); break;
        }
    } else {
        switch (nc) {
        case 1: MICRO(1, 1); break;
        case 2: MICRO(1, 2); break;
        case 3: MICRO(1, 3); break;
        case 4: MICRO(1, 4); break;
        case 5: MICRO(1, 5); break;
        default: MICRO(1, 6); break;
        }
    }
}

/* A tile of nr panels and nc tokens at y (token stride rows) whose valid rows
 * are [0, left): whole when left >= 8 nr, else through a full-width buffer
 * (the valid rows copied in and out: y's other rows belong to other threads). */
static void tile(int nr, int nc, const uint8_t *pb, int64_t kn, const int8_t *xa, int64_t xs,
                 float *y, int64_t rows, int64_t left, const int32_t *asum, const float *fac,
                 int first, int last)
{
    if (left >= 8 * nr) {
        micro_any(nr, nc, pb, kn, xa, xs, y, rows, asum, fac, first, last);
        return;
    }
    _Alignas(32) float buf[NT * 8 * NP];
    for (int c = 0; c < nc; c++)
        if (!first)
            memcpy(buf + c * 8 * NP, y + c * rows, (size_t)left * sizeof *buf);
    micro_any(nr, nc, pb, kn, xa, xs, buf, 8 * NP, asum, fac, first, last);
    for (int c = 0; c < nc; c++)
        memcpy(y + c * rows, buf + c * 8 * NP, (size_t)left * sizeof *buf);
}

/* ---- few tokens (n < PANEL_MIN_N): codes row-major, no transpose ----
 * The 8 x 8 transpose costs about twice the tq2 decode, and with few
 * tokens to share it that shows (n = 2: 2x the time, n = 8: 1.2-1.4x);
 * below PANEL_MIN_N tokens the decoded rows are used as they are: a 2-row
 * x 4-token tile of one ymm of 8 partial dot products per (row, token),
 * vpmaddubsw + vpmaddwd + vpaddd (AVX2) or vpdpbusd, summed horizontally
 * at the end of the slice, in slices of ROWS_KC x kc columns (the
 * decoder's format-block multiple kept): with 1024-column slices the
 * horizontal sums cost 20 % at n = 2. */
#define PANEL_MIN_N 24
#define ROWS_KC 4 /* slices of ROWS_KC x kc columns (L2): fewer horizontal sums */
#define RR 2 /* rows per tile */
#define RC 4 /* tokens per tile */

INLINE __m256i row_dot(__m256i acc, __m256i w, __m256i a)
{
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(acc, w, a);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), _mm256_set1_epi16(1)));
#endif
}

INLINE void rmicro(const uint8_t *wb, int64_t ws, const int8_t *xa, int64_t xs, int64_t nch,
                   float *y, int64_t rows, int64_t row, const int32_t *asum, const float *fac,
                   int first, int last, const int R, const int C)
{
    __m256i acc[RR][RC];
#pragma GCC unroll 2
    for (int r = 0; r < RR; r++)
#pragma GCC unroll 4
        for (int c = 0; c < RC; c++)
            acc[r][c] = _mm256_setzero_si256();
    for (int64_t ch = 0; ch < nch; ch++) {
        __m256i w[RR];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++)
            w[r] = _mm256_load_si256((const __m256i *)(const void *)(wb + r * ws + ch * 32));
#pragma GCC unroll 4
        for (int c = 0; c < C; c++) {
            const __m256i a =
                _mm256_load_si256((const __m256i *)(const void *)(xa + c * xs + ch * 32));
#pragma GCC unroll 2
            for (int r = 0; r < R; r++)
                acc[r][c] = row_dot(acc[r][c], w[r], a);
        }
    }
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++) {
            float *yp = y + c * rows + row + r;
            int32_t v = tb_tern_hsum_avx2(acc[r][c]), old;
            if (!first) {
                memcpy(&old, yp, 4);
                v += old;
            }
            if (last)
                *yp = (float)(v - asum[c]) * fac[c];
            else
                memcpy(yp, &v, 4);
        }
}

#define RMICRO(R, C) rmicro(wb, ws, xa, xs, nch, y, rows, row, asum, fac, first, last, R, C)

static void rmicro_any(int nr, int nc, const uint8_t *wb, int64_t ws, const int8_t *xa,
                       int64_t xs, int64_t nch, float *y, int64_t rows, int64_t row,
                       const int32_t *asum, const float *fac, int first, int last)
{
    if (nr == 2) {
        switch (nc) {
        case 1: RMICRO(2, 1); break;
        case 2: RMICRO(2, 2); break;
        case 3: RMICRO(2, 3); break;
        default: RMICRO(2, 4); break;
        }
    } else {
        switch (nc) {
        case 1: RMICRO(1, 1); break;
        case 2: RMICRO(1, 2); break;
        case 3: RMICRO(1, 3); break;
        default: RMICRO(1, 4); break;
        }
    }
}

void TERN_GEMM_NAME(const tb_kmat *m, tb_tern_decode_fn dec, int64_t kc, const int8_t *xq,
                    const int32_t *asum, const float *fac, int64_t n, float *y, int64_t r0,
                    int64_t r1)
{
    _Alignas(64) uint8_t wbuf[TB_TERN_MC * TB_TERN_YMM_KC * ROWS_KC];
    _Alignas(64) uint8_t pbuf[TB_TERN_MC * TB_TERN_YMM_KC];
    assert(kc > 0 && kc <= TB_TERN_YMM_KC && kc % 32 == 0);
    if (n < PANEL_MIN_N)
        kc *= ROWS_KC;
    const int64_t xs = m->xstride, rows = m->rows;
    /* balanced token tiles (n = 8 -> 4 + 4, not 6 + 2) */
    const int64_t ntile = (n + NT - 1) / NT, base = n / ntile, rem = n % ntile;
    for (int64_t rb = r0; rb < r1; rb += TB_TERN_MC) {
        const int64_t mr = r1 - rb < TB_TERN_MC ? r1 - rb : TB_TERN_MC;
        for (int64_t k0 = 0; k0 < m->kpad; k0 += kc) {
            const int64_t kl = m->kpad - k0 < kc ? m->kpad - k0 : kc;
            const int64_t nch = (kl + 31) / 32, kn = nch * 8;
            const int first = k0 == 0, last = k0 + kl == m->kpad;
            dec(m, rb, mr, k0, kl, wbuf, kc);
            if (n < PANEL_MIN_N) {
                for (int64_t c0 = 0; c0 < n; c0 += RC) {
                    const int nc = n - c0 < RC ? (int)(n - c0) : RC;
                    for (int64_t rt = 0; rt < mr; rt += RR)
                        rmicro_any(mr - rt < RR ? (int)(mr - rt) : RR, nc, wbuf + rt * kc, kc,
                                   xq + c0 * xs + k0, xs, nch, y + c0 * rows, rows, rb + rt,
                                   asum + c0, fac + c0, first, last);
                }
                continue;
            }
            to_panels(wbuf, kc, mr, nch, pbuf);
            for (int64_t ti = 0, c0 = 0; ti < ntile; c0 += base + (ti < rem), ti++) {
                const int nc = (int)(base + (ti < rem));
                for (int64_t rt = 0; rt < mr; rt += 8 * NP) {
                    const int nr = mr - rt > 8 ? 2 : 1;
                    tile(nr, nc, pbuf + rt / 8 * kn * 32, kn, xq + c0 * xs + k0, xs,
                         y + c0 * rows + rb + rt, rows, mr - rt, asum + c0, fac + c0, first, last);
                }
            }
        }
    }
}
