/* tq2.c - ternary format "tq2": 2 bits per weight, 4 weights per byte
 * (layout in tb-ternary.h).  Owns the tq2 pack/unpack/decode, the scalar
 * reference kernel tq2_ref and the family list tb_kernels_tq2. */
#include "tb-ternary.h"

#include <string.h>

int64_t tb_tq2_row_bytes(int64_t cols)
{
    return (cols + TB_TQ2_BLOCK - 1) / TB_TQ2_BLOCK * TB_TQ2_BLOCK_BYTES;
}

void tb_tq2_pack(const int8_t *q, int64_t rows, int64_t cols, uint8_t *dst)
{
    int64_t rb = tb_tq2_row_bytes(cols);
    for (int64_t r = 0; r < rows; r++) {
        uint8_t *out = dst + r * rb;
        for (int64_t i = 0; i < rb; i++) {
            int64_t b = i / TB_TQ2_BLOCK_BYTES, j = i % TB_TQ2_BLOCK_BYTES;
            unsigned byte = 0;
            for (int k = 0; k < 4; k++) {
                int64_t c = b * TB_TQ2_BLOCK + 64 * k + j;
                unsigned code = c < cols ? (unsigned)(q[r * cols + c] + 1) : 1u;
                byte |= code << (2 * k);
            }
            out[i] = (uint8_t)byte;
        }
    }
}

static inline unsigned tq2_code(const uint8_t *row, int64_t c)
{
    int64_t b = c / TB_TQ2_BLOCK, p = c % TB_TQ2_BLOCK;
    return (row[b * TB_TQ2_BLOCK_BYTES + p % 64] >> (2 * (p / 64))) & 3u;
}

void tb_tq2_unpack(const uint8_t *src, int64_t rows, int64_t cols, int8_t *q)
{
    int64_t rb = tb_tq2_row_bytes(cols);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            q[r * cols + c] = (int8_t)((int)tq2_code(src + r * rb, c) - 1);
}

void tb_tq2_decode_ref(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0, int64_t klen,
                       uint8_t *dst, int64_t dstride)
{
    for (int64_t i = 0; i < nrows; i++) {
        const uint8_t *w = m->data + (row + i) * m->row_bytes;
        for (int64_t c = 0; c < klen; c++)
            dst[i * dstride + c] = (uint8_t)tq2_code(w, k0 + c);
    }
}

/* Reference: straight from the packed bytes, int32 accumulation. */
static void tq2_rows_ref(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                         const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    int64_t nblk = m->row_bytes / TB_TQ2_BLOCK_BYTES;
    for (int64_t t = 0; t < n; t++) {
        const int8_t *a = xq + t * m->xstride;
        for (int64_t r = r0; r < r1; r++) {
            const uint8_t *w = m->data + r * m->row_bytes;
            int32_t acc = 0;
            for (int64_t b = 0; b < nblk; b++)
                for (int j = 0; j < TB_TQ2_BLOCK_BYTES; j++) {
                    unsigned byte = w[b * TB_TQ2_BLOCK_BYTES + j];
                    const int8_t *ab = a + b * TB_TQ2_BLOCK + j;
                    for (int k = 0; k < 4; k++)
                        acc += (int32_t)((byte >> (2 * k)) & 3u) * ab[64 * k];
                }
            y[t * m->rows + r] = (float)(acc - asum[t]) * fac[t];
        }
    }
}

static void tq2_run_ref(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                        tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tb_tern_quant_act_ref, tq2_rows_ref, tq2_rows_ref, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq2_ref = {
    .name = "tq2_ref", .format = "tq2", .isa = "scalar", .isa_mask = 0,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq2_run_ref, .ops = tb_tq2_ops,
};

const tb_kernel *const tb_kernels_tq2[] = {
    &tb_k_tq2_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_tq2_avx2,
    &tb_k_tq2_avxvnni,
    &tb_k_tq2_avx512vnni,
#endif
    NULL,
};
