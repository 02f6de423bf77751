/* int8-neoni8mm.c - variant int8_neoni8mm (AArch64 Advanced SIMD + dotprod +
 * i8mm).  Layout and quantization: kernels/int8/int8-internal.h (the shared
 * prepare: no Arm-specific packing).  GEMV (n = 1) is int8_neondot's run(),
 * unchanged; GEMM (n > 1) is the SMMLA core of mm-neoni8mm.h:
 *   - tokens quantized with the scalar rule (tb_i8_quant_row) into plain rows,
 *     then packed into 2-token x 8-column tiles (one 16-byte SMMLA operand
 *     per token pair and step);
 *   - per 16-row panel and K block of <= 1024 columns, the panel's 4-column
 *     groups 2s and 2s+1 are zipped (zip1/zip2 of 32-bit lanes) into the row
 *     pairs SMMLA wants (a 16 KiB L1 panel), then multiplied by every token
 *     tile; epilogue y = (float)acc * (sx * sw) as int8_ref: bit-exact.
 * Scratch: sx[npad] (64-byte rounded), the quantized rows (kq*4 bytes per
 * token), the tiles (ceil(n/2) * ceil(kq/2) * 16 bytes). */
#include "int8/int8-internal.h"
#include "mm-neoni8mm.h"

extern const tb_kernel tb_k_int8_neondot;

static inline int64_t ksteps(const tb_i8mat *m) { return (m->kq + 1) / 2; }

static size_t i8mm_scratch_bytes(const tb_kmat *km, int64_t n)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    const size_t rows_b = ((size_t)(n * m->kq * 4) + 63) & ~(size_t)63;
    const size_t tiles_b = (size_t)((n + 1) / 2 * ksteps(m) * 16);
    const size_t mm = tb_i8_scratch_sx_bytes(n) + rows_b + tiles_b;
    const size_t dot = tb_k_int8_neondot.scratch_bytes(km, n);
    return mm > dot ? mm : dot;
}

typedef struct mm_job {
    const tb_i8mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *sx;
    int8_t *xq; /* n rows of kq*4 bytes */
    int8_t *xt; /* token tiles */
} mm_job;

/* Steps [s0, s0 + ns) of panel row/16 in the SMMLA row-pair layout. */
static void i8_panel(const void *mat, int64_t row, int nr, int64_t s0, int64_t ns, int8_t *panel)
{
    (void)nr; /* the panel's padding rows are zeros in the layout */
    const tb_i8mat *m = mat;
    const int8_t *w = m->w + row / TB_I8_PANEL * m->kq * 64;
    for (int64_t s = 0; s < ns; s++) {
        const int64_t q = 2 * (s0 + s);
        const int8_t *g0 = w + q * 64, *g1 = g0 + 64;
        const int has1 = q + 1 < m->kq;
        int8_t *d = panel + s * 128;
        for (int c = 0; c < 4; c++) {
            const int32x4_t a = vreinterpretq_s32_s8(vld1q_s8(g0 + 16 * c));
            const int32x4_t b = has1 ? vreinterpretq_s32_s8(vld1q_s8(g1 + 16 * c)) : vdupq_n_s32(0);
            vst1q_s8(d + 32 * c, vreinterpretq_s8_s32(vzip1q_s32(a, b)));
            vst1q_s8(d + 32 * c + 16, vreinterpretq_s8_s32(vzip2q_s32(a, b)));
        }
    }
}

static void i8_epi(const void *ctx, int64_t tok, int64_t row, int nr, const int32_t *acc, float *y)
{
    const mm_job *jb = ctx;
    const float sx = jb->sx[tok];
    for (int r = 0; r < nr; r++)
        y[r] = (float)acc[r] * (sx * jb->m->scale[row + r]);
}

static void quant_worker(void *arg, int tid, int nthreads)
{
    const mm_job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t ldx = m->kq * TB_I8_KG;
    long j0, j1;
    tb_pool_split((long)jb->n, 2, tid, nthreads, &j0, &j1);
    for (int64_t j = j0; j < j1; j++)
        jb->sx[j] = tb_i8_quant_row(jb->x + j * m->cols, m->cols, m->kq, jb->xq + j * ldx);
    tb_mm_pack_tokens(jb->xq, ldx, ldx, jb->n, j0, j1, ksteps(m), jb->xt);
}

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void gemm_panels(void *arg, long p0, long p1)
{
    const mm_job *jb = arg;
    const tb_i8mat *m = jb->m;
    for (int64_t p = p0; p < p1; p++) {
        const int64_t r0 = p * TB_I8_PANEL;
        const int nr = m->rows - r0 < TB_I8_PANEL ? (int)(m->rows - r0) : TB_I8_PANEL;
        tb_mm_block(m, i8_panel, jb, i8_epi, r0, nr, ksteps(m), TB_MM_KS_MAX, jb->xt, jb->n,
                    jb->y, m->rows);
    }
}

static void i8mm_run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                     tb_pool *pool, int nthreads)
{
    if (n == 1) {
        tb_k_int8_neondot.run(km, x, n, y, scratch, pool, nthreads);
        return;
    }
    if (n <= 0)
        return;
    const tb_i8mat *m = tb_i8mat_of(km);
    uint8_t *s = scratch;
    const size_t sx_b = tb_i8_scratch_sx_bytes(n);
    const size_t rows_b = ((size_t)(n * m->kq * 4) + 63) & ~(size_t)63;
    mm_job jb = {m, x, n, y, (float *)(void *)s, (int8_t *)(s + sx_b),
                 (int8_t *)(s + sx_b + rows_b)};
    tb_pool_run(pool, nthreads, quant_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kq * 64, 1),
                       gemm_panels, &jb);
}

static_assert(TB_MM_ROWS == TB_I8_PANEL, "one SMMLA panel is one int8 panel");

const tb_kernel tb_k_int8_neoni8mm = {
    .name = "int8_neoni8mm",
    .format = "int8",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "int8_ref",
    .max_nmse = 0,
    .bits_per_weight = 8,
    .act = TB_ACT_I8,
    .prepare = tb_i8_prepare,
    .free = tb_i8_free,
    .clone = tb_i8_clone,
    .bytes = tb_i8_bytes,
    .scratch_bytes = i8mm_scratch_bytes,
    .run = i8mm_run,
    .ops = tb_i8_ops,
};
