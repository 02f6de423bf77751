/* fp16-avx2.c - variant fp16_avx2 (AVX2 + FMA + F16C): fp16 weights widened
 * by vcvtph2ps, fp32 FMA accumulation.  Layout: fp16-internal.h; a panel
 * column (16 rows) is two ymm of floats.
 *
 * GEMV (n == 1): each thread streams its panels once, four accumulators.
 * GEMM (n > 1): activations packed into tiles of NJ tokens (xp[c][j]) by all
 * threads; then per K block each thread widens one panel (16 rows x KC) to
 * fp32 once and runs a 16 x NJ register-blocked FMA micro-kernel (12 ymm
 * accumulators) over every activation tile, adding into y, prefetching the
 * next block's halves meanwhile.  bf16_avx2 (bf16-avx2.c) runs its GEMM through
 * the same driver (tb_f16_gemm_avx2): its activations are rounded to bf16 while
 * packed and its panel pairs are widened by shifts instead of vcvtph2ps. */
#include <immintrin.h>

#include "fp16-internal.h"

#define NJ 6   /* activation columns per micro-tile */
#define KC 256 /* K block: 16 rows x 256 x 4 B = 16 KiB of widened weights */
static_assert(NJ <= TB_F16_NJ_MAX, "scratch is sized for TB_F16_NJ_MAX");

#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *xp;
    int bf16;  /* bf16 layout (pairs), activations rounded to bf16 */
    int64_t k; /* K extent: cols (fp16), 2 * pairs (bf16, zero-padded) */
} job;

/* lane masks for the last, partial panel: lanes [0, left) of each half */
INLINE void row_masks(int64_t rows, int64_t p, __m256i *lo, __m256i *hi)
{
    int64_t left = rows - p * TB_F16_PANEL;
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i l = _mm256_set1_epi32((int)(left > 16 ? 16 : left));
    *lo = _mm256_cmpgt_epi32(l, idx);
    *hi = _mm256_cmpgt_epi32(l, _mm256_add_epi32(idx, _mm256_set1_epi32(8)));
}

INLINE __m256 cvt8(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* ---- GEMV ---- */

/* Output panels [p0, p1). */
static void gemv_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t cols = m->cols;
    const float *x = jb->x;
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * cols * TB_F16_PANEL;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        int64_t c = 0;
        for (; c + 2 <= cols; c += 2) {
            const uint16_t *wc = w + c * TB_F16_PANEL;
            _mm_prefetch((const char *)(wc + 1024), _MM_HINT_T0);
            const __m256 x0 = _mm256_broadcast_ss(x + c), x1 = _mm256_broadcast_ss(x + c + 1);
            a0 = _mm256_fmadd_ps(cvt8(wc), x0, a0);
            a1 = _mm256_fmadd_ps(cvt8(wc + 8), x0, a1);
            a2 = _mm256_fmadd_ps(cvt8(wc + 16), x1, a2);
            a3 = _mm256_fmadd_ps(cvt8(wc + 24), x1, a3);
        }
        for (; c < cols; c++) {
            const uint16_t *wc = w + c * TB_F16_PANEL;
            const __m256 x0 = _mm256_broadcast_ss(x + c);
            a0 = _mm256_fmadd_ps(cvt8(wc), x0, a0);
            a1 = _mm256_fmadd_ps(cvt8(wc + 8), x0, a1);
        }
        const __m256 lo = _mm256_add_ps(a0, a2), hi = _mm256_add_ps(a1, a3);
        float *y = jb->y + p * TB_F16_PANEL;
        if (m->rows - p * TB_F16_PANEL >= 16) {
            _mm256_storeu_ps(y, lo);
            _mm256_storeu_ps(y + 8, hi);
        } else {
            __m256i ml, mh;
            row_masks(m->rows, p, &ml, &mh);
            _mm256_maskstore_ps(y, ml, lo);
            _mm256_maskstore_ps(y + 8, mh, hi);
        }
    }
}

/* ---- GEMM ---- */

static void pack_worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    const int64_t cols = jb->m->cols, k = jb->k, ntiles = (jb->n + NJ - 1) / NJ;
    long t0, t1;
    tb_pool_split((long)ntiles, 1, tid, nthreads, &t0, &t1);
    for (int64_t t = t0; t < t1; t++) {
        float *dst = jb->xp + t * k * NJ;
        for (int jj = 0; jj < NJ; jj++) {
            int64_t j = t * NJ + jj;
            const float *src = j < jb->n ? jb->x + j * cols : NULL;
            for (int64_t c = 0; c < k; c++) {
                float v = src && c < cols ? src[c] : 0.0f;
                dst[c * NJ + jj] = jb->bf16 ? tb_bf16_to_f32(tb_bf16_from_f32(v)) : v;
            }
        }
    }
}

INLINE void micro(const int nj, const float *b, int64_t kn, const float *xt, float *y,
                  int64_t ldy, int accum, int full, __m256i ml, __m256i mh)
{
    __m256 lo[NJ], hi[NJ];
#pragma GCC unroll 6
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            if (!accum) {
                lo[j] = _mm256_setzero_ps();
                hi[j] = _mm256_setzero_ps();
            } else if (full) {
                lo[j] = _mm256_loadu_ps(y + j * ldy);
                hi[j] = _mm256_loadu_ps(y + j * ldy + 8);
            } else {
                lo[j] = _mm256_maskload_ps(y + j * ldy, ml);
                hi[j] = _mm256_maskload_ps(y + j * ldy + 8, mh);
            }
        }
    }
    for (int64_t c = 0; c < kn; c++) {
        const __m256 w0 = _mm256_load_ps(b + c * 16), w1 = _mm256_load_ps(b + c * 16 + 8);
        const float *xc = xt + c * NJ;
#pragma GCC unroll 6
        for (int j = 0; j < NJ; j++) {
            if (j < nj) {
                const __m256 xv = _mm256_broadcast_ss(xc + j);
                lo[j] = _mm256_fmadd_ps(w0, xv, lo[j]);
                hi[j] = _mm256_fmadd_ps(w1, xv, hi[j]);
            }
        }
    }
#pragma GCC unroll 6
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            if (full) {
                _mm256_storeu_ps(y + j * ldy, lo[j]);
                _mm256_storeu_ps(y + j * ldy + 8, hi[j]);
            } else {
                _mm256_maskstore_ps(y + j * ldy, ml, lo[j]);
                _mm256_maskstore_ps(y + j * ldy + 8, mh, hi[j]);
            }
        }
    }
}

typedef void (*micro_fn)(const float *, int64_t, const float *, float *, int64_t, int, int,
                         __m256i, __m256i);

#define MICRO(NJV)                                                                            \
    static void micro_##NJV(const float *b, int64_t kn, const float *xt, float *y,             \
                            int64_t ldy, int accum, int full, __m256i ml, __m256i mh)         \
    {                                                                                         \
        micro(NJV, b, kn, xt, y, ldy, accum, full, ml, mh);                                   \
    }
MICRO(1) MICRO(2) MICRO(3) MICRO(4) MICRO(5) MICRO(6)

static const micro_fn micro_tab[NJ] = {micro_1, micro_2, micro_3, micro_4, micro_5, micro_6};

/* Widen panel p over [k0, k0+kn) into buf, prefetch pf (kn * 32 bytes: the
 * next block's halves in loop order), then run the micro-kernel over the
 * activation tiles of tokens [j0b, j1b) (j0b a multiple of NJ). */
static void gemm_block(const job *jb, float *buf, int64_t p, int64_t k0, int64_t kn, int64_t j0b,
                       int64_t j1b, const char *pf)
{
    const tb_f16mat *m = jb->m;
    const int64_t cols = jb->k, rows = m->rows, n = j1b;
    const uint16_t *src = m->w + (p * cols + k0) * TB_F16_PANEL;
    if (jb->bf16) { /* a pair step: rows' (even, odd) bf16 in one u32 */
        const __m256i hi16 = _mm256_set1_epi32((int)0xffff0000u);
        for (int64_t c = 0; c < kn; c += 2)
            for (int h = 0; h < 2; h++) {
                const __m256i v =
                    _mm256_load_si256((const __m256i *)(const void *)(src + c * 16 + 16 * h));
                _mm256_store_ps(buf + c * 16 + 8 * h, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
                _mm256_store_ps(buf + c * 16 + 16 + 8 * h,
                                _mm256_castsi256_ps(_mm256_and_si256(v, hi16)));
            }
    } else {
        for (int64_t c = 0; c < kn; c++) {
            _mm256_store_ps(buf + c * 16, cvt8(src + c * 16));
            _mm256_store_ps(buf + c * 16 + 8, cvt8(src + c * 16 + 8));
        }
    }
    for (int64_t c = 0; c < kn; c += 2) /* the next block's halves, one line per step */
        _mm_prefetch(pf + c * 32, _MM_HINT_T1);
    __m256i ml, mh;
    row_masks(rows, p, &ml, &mh);
    const int full = rows - p * TB_F16_PANEL >= 16;
    for (int64_t j0 = j0b; j0 < n; j0 += NJ) {
        const int nj = n - j0 < NJ ? (int)(n - j0) : NJ;
        const float *xt = jb->xp + (j0 / NJ) * cols * NJ + k0 * NJ;
        micro_tab[nj - 1](buf, kn, xt, jb->y + j0 * rows + p * TB_F16_PANEL, rows, k0 > 0, full,
                          ml, mh);
    }
}

/* Loop order: panel outermost while the packed activations fit in half an
 * L2 (y's panel tile then stays in L1 across K).  Otherwise chunks of
 * ROW_CHUNK panels x TOK_CHUNK tokens, K blocks inside a chunk: the chunk's
 * partial sums in y (512 x 192 x 4 B = 384 KiB) and its activation slice
 * per K block (192 x KC x 4 B = 192 KiB) stay in L2.  Running every K block
 * over all n tokens instead re-read y (rows x n x 4 B, MiBs) from beyond
 * the L2 at each K block, one scattered cache line per accumulator load,
 * and cost ~10% of the time at 4096 x 4096, n = 512 (kernels/README.md). */
#define X_L2_BYTES (1 << 20)
#define ROW_CHUNK 32       /* panels (512 rows) */
#define TOK_CHUNK (32 * NJ) /* 192 tokens */

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void gemm_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t cols = jb->k;
    const int64_t xbytes = (jb->n + NJ - 1) / NJ * NJ * cols * (int64_t)sizeof(float);
    float buf[KC * 16] __attribute__((aligned(64)));
    /* prefetch targets may lie past the matrix (prefetches never fault):
     * formed as integers, not by out-of-bounds pointer arithmetic */
#define PANEL_AT(pp, kk)                                                                      \
    ((const char *)((uintptr_t)m->w +                                                         \
                    (uintptr_t)(((pp) * cols + (kk)) * TB_F16_PANEL * (int64_t)sizeof *m->w)))
    if (xbytes <= X_L2_BYTES) {
        for (int64_t p = p0; p < p1; p++)
            for (int64_t k0 = 0; k0 < cols; k0 += KC)
                gemm_block(jb, buf, p, k0, cols - k0 < KC ? cols - k0 : KC, 0, jb->n,
                           PANEL_AT(p, k0 + KC));
    } else {
        for (int64_t pc = p0; pc < p1; pc += ROW_CHUNK) {
            const int64_t pe = p1 - pc < ROW_CHUNK ? p1 : pc + ROW_CHUNK;
            for (int64_t jc = 0; jc < jb->n; jc += TOK_CHUNK) {
                const int64_t je = jb->n - jc < TOK_CHUNK ? jb->n : jc + TOK_CHUNK;
                for (int64_t k0 = 0; k0 < cols; k0 += KC)
                    for (int64_t p = pc; p < pe; p++)
                        gemm_block(jb, buf, p, k0, cols - k0 < KC ? cols - k0 : KC, jc, je,
                                   p + 1 < pe ? PANEL_AT(p + 1, k0) : PANEL_AT(pc, k0 + KC));
            }
        }
    }
#undef PANEL_AT
}

void tb_f16_gemm_avx2(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                      tb_pool *pool, int nthreads, int bf16)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    job jb = {m, x, n, y, scratch, bf16, bf16 ? 2 * m->kstep : m->cols};
    tb_pool_run(pool, nthreads, pack_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)m->npanels,
                       tb_pool_chunk_units((long)jb.k * TB_F16_PANEL * 2, 1), gemm_panels, &jb);
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    job jb = {tb_f16mat_of(km), x, n, y, scratch, 0, km ? tb_f16mat_of(km)->cols : 0};
    if (n == 1) {
        tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                           tb_pool_chunk_units((long)jb.m->cols * TB_F16_PANEL * 2, 1),
                           gemv_panels, &jb);
        return;
    }
    tb_f16_gemm_avx2(km, x, n, y, scratch, pool, nthreads, 0);
}

const tb_kernel tb_k_fp16_avx2 = {
    .name = "fp16_avx2",
    .format = "fp16",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "fp16_ref",
    .max_nmse = 1e-10,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_fp16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = tb_fp16_scratch_tiles,
    .run = run,
    .ops = tb_fp16_ops,
};
