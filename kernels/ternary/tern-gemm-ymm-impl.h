/* tern-gemm-ymm-impl.h - blocked ternary GEMM (n > 1) on ymm, shared by tq2
 * and tq1: included by tern-gemm-avx2.c (tb_tern_gemm_avx2) and
 * tern-gemm-avxvnni.c (tb_tern_gemm_avxvnni, built with -mavxvnni), each
 * defining TERN_GEMM_NAME first.  Decode a TB_TERN_MC x K-slice block of
 * codes (row-major) once, reuse it for every token, with a 2-row x 4-token
 * register tile.  A slice whose length is not a multiple of 32 (tl: kpad is
 * a multiple of 9) runs to the next multiple: the decoder writes code 0
 * there and the activations are read up to round_up(kpad, 32) <= xstride.
 * The step (tern_dot): AVX2 vpmaddubsw (codes {0,1,2} x
 * int8: |pair| <= 508, never saturates) + vpmaddwd by ones + vpaddd, 3
 * uops per 32 MACs; AVX-VNNI one vpdpbusd on the same operands (exact: no
 * intermediate saturation).  Partial sums of earlier K slices are parked
 * in y as int32.  Thread-safe for disjoint row ranges. */
#ifndef TERN_GEMM_NAME
#error "define TERN_GEMM_NAME before including tern-gemm-ymm-impl.h"
#endif
#include "tern-x86.h"

#define MR 2
#define NC 4

static inline __attribute__((always_inline)) __m256i tern_dot(__m256i acc, __m256i w, __m256i a,
                                                              __m256i ones)
{
#if defined(__AVXVNNI__)
    (void)ones;
    return _mm256_dpbusd_avx_epi32(acc, w, a);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), ones));
#endif
}

static inline __attribute__((always_inline)) void
micro(const uint8_t *wb, int64_t ws, const int8_t *xa, int64_t xs, int64_t nch, float *y,
      int64_t rows, int64_t row, const int32_t *asum, const float *fac, int first, int last,
      const int R, const int C)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[MR][NC];
#pragma GCC unroll 2
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int c = 0; c < NC; c++)
            acc[r][c] = _mm256_setzero_si256();
    for (int64_t ch = 0; ch < nch; ch++) {
        __m256i w[MR];
#pragma GCC unroll 2
        for (int r = 0; r < R; r++)
            w[r] = _mm256_load_si256((const __m256i *)(const void *)(wb + r * ws + ch * 32));
#pragma GCC unroll 4
        for (int c = 0; c < C; c++) {
            __m256i a = _mm256_load_si256((const __m256i *)(const void *)(xa + c * xs + ch * 32));
#pragma GCC unroll 2
            for (int r = 0; r < R; r++)
                acc[r][c] = tern_dot(acc[r][c], w[r], a, ones);
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

#define MICRO(R, C) micro(wb, ws, xa, xs, nch, y, rows, row, asum, fac, first, last, R, C)

static void micro_any(int nr, int nc, const uint8_t *wb, int64_t ws, const int8_t *xa,
                      int64_t xs, int64_t nch, float *y, int64_t rows, int64_t row,
                      const int32_t *asum, const float *fac, int first, int last)
{
    if (nr == 2) {
        switch (nc) {
        case 1: MICRO(2, 1); break;
        case 2: MICRO(2, 2); break;
        case 3: MICRO(2, 3); break;
        default: MICRO(2, 4); break;
        }
    } else {
        switch (nc) {
        case 1: MICRO(1, 1); break;
        case 2: MICRO(1, 2); break;
        case 3: MICRO(1, 3); break;
        default: MICRO(1, 4); break;
        }
    }
}

void TERN_GEMM_NAME(const tb_kmat *m, tb_tern_decode_fn dec, int64_t kc, const int8_t *xq,
                       const int32_t *asum, const float *fac, int64_t n, float *y, int64_t r0,
                       int64_t r1)
{
    _Alignas(64) uint8_t wbuf[TB_TERN_MC * TB_TERN_KC_MAX];
    const int64_t xs = m->xstride, rows = m->rows;
    for (int64_t rb = r0; rb < r1; rb += TB_TERN_MC) {
        int64_t mr = r1 - rb < TB_TERN_MC ? r1 - rb : TB_TERN_MC;
        for (int64_t k0 = 0; k0 < m->kpad; k0 += kc) {
            int64_t kl = m->kpad - k0 < kc ? m->kpad - k0 : kc;
            int first = k0 == 0, last = k0 + kl == m->kpad;
            dec(m, rb, mr, k0, kl, wbuf, kc);
            /* balanced token tiles (n = 8 -> 4 + 4, not 6 + 2) */
            const int64_t ntile = (n + NC - 1) / NC, base = n / ntile, rem = n % ntile;
            for (int64_t ti = 0, c0 = 0; ti < ntile; c0 += base + (ti < rem), ti++) {
                int nc = (int)(base + (ti < rem));
                for (int64_t rt = 0; rt < mr; rt += MR) {
                    int nr = (int)(mr - rt < MR ? mr - rt : MR);
                    micro_any(nr, nc, wbuf + rt * kc, kc, xq + c0 * xs + k0, xs, (kl + 31) / 32,
                              y + c0 * rows, rows, rb + rt, asum + c0, fac + c0, first, last);
                }
            }
        }
    }
}
