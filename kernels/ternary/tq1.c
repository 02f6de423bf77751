/* tq1.c - ternary format "tq1": base 3, 5 weights per byte, 1.6 bits per
 * weight (layout in tb-ternary.h).  Owns the tq1 byte code, pack/unpack/
 * decode, the scalar reference kernel tq1_ref and the list tb_kernels_tq1. */
#include "tb-ternary.h"

int64_t tb_tq1_row_bytes(int64_t cols)
{
    return (cols + TB_TQ1_BLOCK - 1) / TB_TQ1_BLOCK * TB_TQ1_BLOCK_BYTES;
}

uint8_t tb_tq1_encode5(const uint8_t d[5])
{
    unsigned v = 0;
    for (int i = 0; i < 5; i++)
        v = v * 3 + d[i];
    return (uint8_t)((v * 256 + 242) / 243); /* ceil(v * 256 / 243) */
}

void tb_tq1_decode5(uint8_t byte, uint8_t d[5])
{
    unsigned t = byte;
    for (int i = 0; i < 5; i++) {
        unsigned u = 3 * t;
        d[i] = (uint8_t)(u >> 8);
        t = u & 255u;
    }
}

void tb_tq1_pack(const int8_t *q, int64_t rows, int64_t cols, uint8_t *dst)
{
    int64_t rb = tb_tq1_row_bytes(cols);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < rb; i++) {
            int64_t b = i / TB_TQ1_BLOCK_BYTES, j = i % TB_TQ1_BLOCK_BYTES;
            uint8_t d[5];
            for (int k = 0; k < 5; k++) {
                int64_t c = b * TB_TQ1_BLOCK + 64 * k + j;
                d[k] = c < cols ? (uint8_t)(q[r * cols + c] + 1) : 1;
            }
            dst[r * rb + i] = tb_tq1_encode5(d);
        }
}

static inline unsigned tq1_code(const uint8_t *row, int64_t c)
{
    int64_t b = c / TB_TQ1_BLOCK, p = c % TB_TQ1_BLOCK;
    uint8_t d[5];
    tb_tq1_decode5(row[b * TB_TQ1_BLOCK_BYTES + p % 64], d);
    return d[p / 64];
}

void tb_tq1_unpack(const uint8_t *src, int64_t rows, int64_t cols, int8_t *q)
{
    int64_t rb = tb_tq1_row_bytes(cols);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            q[r * cols + c] = (int8_t)((int)tq1_code(src + r * rb, c) - 1);
}

void tb_tq1_decode_ref(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                       uint8_t *dst, int64_t dstride)
{
    for (int64_t i = 0; i < nrows; i++) {
        const uint8_t *w = m->data + (row + i) * m->row_bytes;
        for (int64_t c = 0; c < klen; c++)
            dst[i * dstride + c] = (uint8_t)tq1_code(w, k0 + c);
    }
}

/* Reference: digits by the multiply-by-3 recurrence, int32 accumulation. */
static void tq1_rows_ref(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                         const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    int64_t nblk = m->row_bytes / TB_TQ1_BLOCK_BYTES;
    for (int64_t t = 0; t < n; t++) {
        const int8_t *a = xq + t * m->xstride;
        for (int64_t r = r0; r < r1; r++) {
            const uint8_t *w = m->data + r * m->row_bytes;
            int32_t acc = 0;
            for (int64_t b = 0; b < nblk; b++)
                for (int j = 0; j < TB_TQ1_BLOCK_BYTES; j++) {
                    unsigned tt = w[b * TB_TQ1_BLOCK_BYTES + j];
                    const int8_t *ab = a + b * TB_TQ1_BLOCK + j;
                    for (int i = 0; i < 5; i++) {
                        unsigned u = 3 * tt;
                        acc += (int32_t)(u >> 8) * ab[64 * i];
                        tt = u & 255u;
                    }
                }
            y[t * m->rows + r] = (float)(acc - asum[t]) * fac[t];
        }
    }
}

static void tq1_run_ref(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                        tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tb_tern_quant_act_ref, tq1_rows_ref, tq1_rows_ref, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq1_ref = {
    .name = "tq1_ref", .format = "tq1", .isa = "scalar", .isa_mask = 0,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq1_run_ref, .ops = tb_tq1_ops,
};

const tb_kernel *const tb_kernels_tq1[] = {
    &tb_k_tq1_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_tq1_avx2,
    &tb_k_tq1_avxvnni,
    &tb_k_tq1_avx512vnni,
#endif
    NULL,
};
