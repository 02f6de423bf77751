/* tern-gemm-avx512vnni.c - blocked GEMM (n > 1) shared by tq2 and tq1 on
 * AVX-512 VNNI.  Weights of a block of TB_TERN_MC rows and a K slice of at
 * most TB_TERN_KC_MAX columns are decoded once into unsigned codes {0,1,2}
 * (natural column order, a 128 KiB buffer on the worker's stack) and then
 * reused for every token: a 4-row x 6-token register tile of vpdpbusd
 * accumulators (24 zmm) runs over the slice, with the 6 tokens' activations
 * (<= 24 KiB) staying in L1 across the block's row tiles.  Partial int32 sums
 * of earlier K slices are parked in y itself (same bytes, int32 view through
 * intrinsics) and the last slice applies the float epilogue.  Thread-safe for
 * disjoint row ranges. */
#include "tern-x86.h"

#define MR 4
#define NC 6

static inline __attribute__((always_inline)) void
micro(const uint8_t *wb, int64_t ws, const int8_t *xa, int64_t xs, int64_t nch, float *y,
      int64_t rows, int64_t row, const int32_t *asum, const float *fac, int first, int last,
      const int R, const int C)
{
    __m512i acc[MR][NC];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 6
        for (int c = 0; c < NC; c++)
            acc[r][c] = _mm512_setzero_si512();
    for (int64_t ch = 0; ch < nch; ch++) {
        __m512i w[MR];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
            w[r] = _mm512_load_si512((const void *)(wb + r * ws + ch * 64));
#pragma GCC unroll 6
        for (int c = 0; c < C; c++) {
            __m512i a = _mm512_load_si512((const void *)(xa + c * xs + ch * 64));
#pragma GCC unroll 4
            for (int r = 0; r < R; r++)
                acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], w[r], a);
        }
    }
    const __mmask8 mk = (__mmask8)((1u << R) - 1u);
#pragma GCC unroll 6
    for (int c = 0; c < C; c++) {
        __m128i v = tb_tern_hsum4_avx512(acc[0][c], acc[1][c], acc[2][c], acc[3][c]);
        float *yp = y + c * rows + row;
        if (!first)
            v = _mm_add_epi32(v, _mm_maskz_loadu_epi32(mk, yp));
        if (last)
            tb_tern_store4_avx512(yp, v, asum[c], fac[c], R);
        else
            _mm_mask_storeu_epi32(yp, mk, v);
    }
}

#define MICRO(R, C) \
    micro(wb, ws, xa, xs, nch, y, rows, row, asum, fac, first, last, R, C)
#define MICRO_C(R)                  \
    switch (nc) {                   \
    case 1: MICRO(R, 1); break;     \
    case 2: MICRO(R, 2); break;     \
    case 3: MICRO(R, 3); break;     \
    case 4: MICRO(R, 4); break;     \
    case 5: MICRO(R, 5); break;     \
    default: MICRO(R, 6); break;    \
    }

static void micro_any(int nr, int nc, const uint8_t *wb, int64_t ws, const int8_t *xa,
                      int64_t xs, int64_t nch, float *y, int64_t rows, int64_t row,
                      const int32_t *asum, const float *fac, int first, int last)
{
    switch (nr) {
    case 1: MICRO_C(1); break;
    case 2: MICRO_C(2); break;
    case 3: MICRO_C(3); break;
    default: MICRO_C(4); break;
    }
}

void tb_tern_gemm_avx512vnni(const tb_kmat *m, tb_tern_decode_fn dec, int64_t kc,
                             const int8_t *xq, const int32_t *asum, const float *fac,
                             int64_t n, float *y, int64_t r0, int64_t r1)
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
                    micro_any(nr, nc, wbuf + rt * kc, kc, xq + c0 * xs + k0, xs, kl / 64,
                              y + c0 * rows, rows, rb + rt, asum + c0, fac + c0, first, last);
                }
            }
        }
    }
}
