/* tern-gemm-avx512vnni.c - blocked GEMM (n > 1) shared by the ternary formats
 * on AVX-512 VNNI (tq2, tq1, tl).  Each 32-row block of the thread's rows is
 * decoded, one K block of at most TB_TERN_VNNI_KC columns at a time, into the
 * int8 panel layout (two 16-row panels of 4-column groups, <= 32 KiB on the
 * worker's stack, L1-resident) by the format's panel decoder, and multiplied
 * by every activation tile with the int8 micro-kernel
 * (kernels/int8/int8-vnni-micro.h, mode TB_I8_VNNI_CODES: codes 0..2 as the
 * unsigned operand, quantized activations signed, y = (float)(acc - sum x) *
 * factor, partial sums of earlier K blocks parked in y).  The activation tiles
 * are built by the tiled tb_tern_run driver.
 * Thread-safe for disjoint 32-aligned row ranges. */
#include "tern-x86.h"

#include "../int8/int8-vnni-micro.h"

_Static_assert(TB_TERN_TILE == TB_I8_VNNI_NJ, "ternary tiles are the micro-kernel's tiles");

TB_I8_VNNI_MICROS(tern_micro, TB_I8_VNNI_CODES)

static inline __mmask16 rows_mask(int64_t left)
{
    return left >= 16 ? (__mmask16)0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1u);
}

void tb_tern_gemm_avx512vnni(const tb_kmat *m, tb_tern_panel_fn dec, int64_t kc,
                             const int8_t *xq, const int32_t *asum, const float *fac,
                             int64_t n, float *y, int64_t r0, int64_t r1)
{
    _Alignas(64) uint8_t wbuf[2 * TB_TERN_VNNI_KC / 4 * 64];
    const uint32_t *tiles = tb_tern_tiles(m, xq, n);
    const int64_t rows = m->rows, kg = tb_tern_kgroups(m), NJ = TB_I8_VNNI_NJ;
    for (int64_t rb = r0; rb < r1; rb += 32) {
        const int64_t mr = r1 - rb < 32 ? r1 - rb : 32;
        const int np = mr > 16 ? 2 : 1;
        for (int64_t k0 = 0; k0 < m->kpad; k0 += kc) {
            const int64_t kl = m->kpad - k0 < kc ? m->kpad - k0 : kc, kn = (kl + 3) / 4;
            dec(m, rb, mr, k0, kl, wbuf);
            const int8_t *b0 = (const int8_t *)wbuf, *b1 = b0 + kn * 64;
            tb_i8_vnni_tile t = {
                .b0 = b0, .b1 = b1, .kn = kn, .ldy = rows,
                .first = k0 == 0, .last = k0 + kl == m->kpad,
                .m0 = rows_mask(mr), .m1 = rows_mask(mr - 16),
                .pf0 = (const char *)b0, .pf1 = (const char *)b1,
                .rint = NULL, .rf = NULL,
            };
            for (int64_t j0 = 0; j0 < n; j0 += NJ) {
                const int nj = n - j0 < NJ ? (int)(n - j0) : (int)NJ;
                t.xt = tiles + (j0 / NJ) * kg * NJ + k0 / 4 * NJ;
                t.y = y + j0 * rows + rb;
                t.cint = asum + j0;
                t.cf = fac + j0;
                tern_micro_tab[np - 1][nj - 1](&t);
            }
        }
    }
}
