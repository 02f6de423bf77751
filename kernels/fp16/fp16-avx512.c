/* fp16-avx512.c - variant fp16_avx512 (AVX-512F): fp16 weights widened by
 * vcvtph2ps, fp32 FMA accumulation.  Layout: fp16-internal.h.
 *
 * GEMV (n == 1): each thread streams its panels once; per panel column one
 * vcvtph2ps + one FMA against a broadcast activation, four accumulators.
 * Small n (2..8): the same stream, each widened column used for n tokens.
 * GEMM (n > 8): activations are first packed into tiles of NJ tokens,
 * column-interleaved (xp[c][j]), by all threads; then for each K block of KC
 * columns a thread widens two panels (32 rows x KC) to fp32 once into a
 * stack buffer and runs a 32 x NJ register-blocked FMA micro-kernel over
 * every activation tile, adding into y, while prefetching the halves of the
 * next block (so streaming weights overlaps arithmetic at moderate n).
 * Threads own disjoint runs of panel pairs (32 output rows = two cache
 * lines of each y row). */
#include <immintrin.h>

#include "fp16-internal.h"

#define NJ 12  /* activation columns per micro-tile (24 accumulators) */
#define KC 512 /* K block: 2 panels x 512 x 4 B = 64 KiB of widened weights; fewer
                  * passes over y beat an L1-sized block (measured: 256 is ~3% slower) */
static_assert(NJ <= TB_F16_NJ_MAX, "scratch is sized for TB_F16_NJ_MAX");

#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *xp; /* packed activation tiles (scratch) */
} job;

INLINE __mmask16 row_mask(int64_t rows, int64_t p)
{
    int64_t left = rows - p * TB_F16_PANEL;
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
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
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        int64_t c = 0;
        for (; c + 4 <= cols; c += 4) {
            const uint16_t *wc = w + c * TB_F16_PANEL;
            _mm_prefetch((const char *)(wc + 1024), _MM_HINT_T0);
            _mm_prefetch((const char *)(wc + 1024 + 32), _MM_HINT_T0);
            a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)wc)),
                                 _mm512_set1_ps(x[c]), a0);
            a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wc + 16))),
                                 _mm512_set1_ps(x[c + 1]), a1);
            a2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wc + 32))),
                                 _mm512_set1_ps(x[c + 2]), a2);
            a3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wc + 48))),
                                 _mm512_set1_ps(x[c + 3]), a3);
        }
        for (; c < cols; c++)
            a0 = _mm512_fmadd_ps(
                _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + c * TB_F16_PANEL))),
                _mm512_set1_ps(x[c]), a0);
        __m512 s = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        _mm512_mask_storeu_ps(jb->y + p * TB_F16_PANEL, row_mask(m->rows, p), s);
    }
}

/* ---- small n (2..SMALL_N): GEMV-like, weights widened in registers ---- */

#define SMALL_N 8 /* up to here widening per use beats a widened buffer */

INLINE void smalln_panel(const job *jb, int64_t p, const int nt)
{
    const tb_f16mat *m = jb->m;
    const int64_t cols = m->cols;
    const uint16_t *w = m->w + p * cols * TB_F16_PANEL;
    const float *x = jb->x;
    __m512 acc0[SMALL_N], acc1[SMALL_N];
#pragma GCC unroll 8
    for (int j = 0; j < SMALL_N; j++)
        if (j < nt)
            acc0[j] = acc1[j] = _mm512_setzero_ps();
    int64_t c = 0;
    for (; c + 2 <= cols; c += 2) {
        const uint16_t *wc = w + c * TB_F16_PANEL;
        _mm_prefetch((const char *)(wc + 1024), _MM_HINT_T0);
        const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)wc));
        const __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wc + 16)));
#pragma GCC unroll 8
        for (int j = 0; j < SMALL_N; j++) {
            if (j < nt) {
                acc0[j] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[j * cols + c]), acc0[j]);
                acc1[j] = _mm512_fmadd_ps(w1, _mm512_set1_ps(x[j * cols + c + 1]), acc1[j]);
            }
        }
    }
    if (c < cols) {
        const __m512 w0 =
            _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + c * TB_F16_PANEL)));
#pragma GCC unroll 8
        for (int j = 0; j < SMALL_N; j++)
            if (j < nt)
                acc0[j] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[j * cols + c]), acc0[j]);
    }
    const __mmask16 mk = row_mask(m->rows, p);
#pragma GCC unroll 8
    for (int j = 0; j < SMALL_N; j++)
        if (j < nt)
            _mm512_mask_storeu_ps(jb->y + j * m->rows + p * TB_F16_PANEL, mk,
                                  _mm512_add_ps(acc0[j], acc1[j]));
}

#define SMALLN(NT)                                                                            \
    static void smalln_##NT(const job *jb, int64_t p) { smalln_panel(jb, p, NT); }
SMALLN(2) SMALLN(3) SMALLN(4) SMALLN(5) SMALLN(6) SMALLN(7) SMALLN(8)
static void (*const smalln_tab[SMALL_N + 1])(const job *, int64_t) = {
    NULL, NULL, smalln_2, smalln_3, smalln_4, smalln_5, smalln_6, smalln_7, smalln_8,
};

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void smalln_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    for (int64_t p = p0; p < p1; p++)
        smalln_tab[jb->n](jb, p);
}

/* ---- GEMM ---- */

/* xp tile t, column c, token jj  <-  x[t*NJ + jj][c]  (0 past n) */
static void pack_worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    const int64_t cols = jb->m->cols, ntiles = (jb->n + NJ - 1) / NJ;
    long t0, t1;
    tb_pool_split((long)ntiles, 1, tid, nthreads, &t0, &t1);
    for (int64_t t = t0; t < t1; t++) {
        float *dst = jb->xp + t * cols * NJ;
        for (int jj = 0; jj < NJ; jj++) {
            int64_t j = t * NJ + jj;
            if (j < jb->n) {
                const float *src = jb->x + j * cols;
                for (int64_t c = 0; c < cols; c++)
                    dst[c * NJ + jj] = src[c];
            } else {
                for (int64_t c = 0; c < cols; c++)
                    dst[c * NJ + jj] = 0.0f;
            }
        }
    }
}

/* y[j][16 rows of panel q] (+)= sum_c b[c][q][:] * xt[c][j], for q < np, j < nj.
 * b: widened panels, 32 floats per column; xt: packed tile at this K block. */
INLINE void micro(const int np, const int nj, const float *b, int64_t kn, const float *xt,
                  float *y, int64_t ldy, int accum, __mmask16 m0, __mmask16 m1, const char *pf0,
                  const char *pf1)
{
    __m512 acc0[NJ], acc1[NJ];
#pragma GCC unroll 12
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            acc0[j] = accum ? _mm512_maskz_loadu_ps(m0, y + j * ldy) : _mm512_setzero_ps();
            if (np > 1)
                acc1[j] = accum ? _mm512_maskz_loadu_ps(m1, y + j * ldy + 16)
                                : _mm512_setzero_ps();
        }
    }
    for (int64_t c = 0; c < kn; c++) {
        const __m512 w0 = _mm512_load_ps(b + c * 32);
        const __m512 w1 = np > 1 ? _mm512_load_ps(b + c * 32 + 16) : w0;
        const float *xc = xt + c * NJ;
        /* the next block's half-precision weights, 32 B per panel per step */
        _mm_prefetch(pf0 + c * 32, _MM_HINT_T1);
        _mm_prefetch(pf1 + c * 32, _MM_HINT_T1);
#pragma GCC unroll 12
        for (int j = 0; j < NJ; j++) {
            if (j < nj) {
                const __m512 xv = _mm512_set1_ps(xc[j]);
                acc0[j] = _mm512_fmadd_ps(w0, xv, acc0[j]);
                if (np > 1)
                    acc1[j] = _mm512_fmadd_ps(w1, xv, acc1[j]);
            }
        }
    }
#pragma GCC unroll 12
    for (int j = 0; j < NJ; j++) {
        if (j < nj) {
            _mm512_mask_storeu_ps(y + j * ldy, m0, acc0[j]);
            if (np > 1)
                _mm512_mask_storeu_ps(y + j * ldy + 16, m1, acc1[j]);
        }
    }
}

typedef void (*micro_fn)(const float *, int64_t, const float *, float *, int64_t, int, __mmask16,
                         __mmask16, const char *, const char *);

#define MICRO(NP, NJV)                                                                        \
    static void micro_##NP##_##NJV(const float *b, int64_t kn, const float *xt, float *y,     \
                                   int64_t ldy, int accum, __mmask16 m0, __mmask16 m1,        \
                                   const char *pf0, const char *pf1)                          \
    {                                                                                         \
        micro(NP, NJV, b, kn, xt, y, ldy, accum, m0, m1, pf0, pf1);                           \
    }
#define MICRO_ALL(NP)                                                                         \
    MICRO(NP, 1) MICRO(NP, 2) MICRO(NP, 3) MICRO(NP, 4) MICRO(NP, 5) MICRO(NP, 6)             \
    MICRO(NP, 7) MICRO(NP, 8) MICRO(NP, 9) MICRO(NP, 10) MICRO(NP, 11) MICRO(NP, 12)
MICRO_ALL(1)
MICRO_ALL(2)

static const micro_fn micro_tab[2][NJ] = {
    {micro_1_1, micro_1_2, micro_1_3, micro_1_4, micro_1_5, micro_1_6, micro_1_7, micro_1_8,
     micro_1_9, micro_1_10, micro_1_11, micro_1_12},
    {micro_2_1, micro_2_2, micro_2_3, micro_2_4, micro_2_5, micro_2_6, micro_2_7, micro_2_8,
     micro_2_9, micro_2_10, micro_2_11, micro_2_12},
};

/* Widen panels p (and p+1 when np == 2) over [k0, k0+kn) into buf, then run
 * the micro-kernel over every activation tile; the first tile's pass also
 * prefetches pf0/pf1 (kn * 32 bytes each: the weights of the next block in
 * loop order) so streaming them overlaps the arithmetic. */
static void gemm_block(const job *jb, float *buf, int64_t p, int np, int64_t k0, int64_t kn,
                       const uint16_t *pf0, const uint16_t *pf1)
{
    const tb_f16mat *m = jb->m;
    const int64_t cols = m->cols, rows = m->rows, n = jb->n;
    for (int q = 0; q < np; q++) {
        const uint16_t *src = m->w + ((p + q) * cols + k0) * TB_F16_PANEL;
        for (int64_t c = 0; c < kn; c++)
            _mm512_store_ps(buf + c * 32 + q * 16,
                            _mm512_cvtph_ps(
                                _mm256_loadu_si256((const __m256i *)(src + c * TB_F16_PANEL))));
    }
    const __mmask16 m0 = row_mask(rows, p), m1 = np > 1 ? row_mask(rows, p + 1) : 0;
    for (int64_t j0 = 0; j0 < n; j0 += NJ) {
        const int nj = n - j0 < NJ ? (int)(n - j0) : NJ;
        const float *xt = jb->xp + (j0 / NJ) * cols * NJ + k0 * NJ;
        const char *a = j0 == 0 ? (const char *)pf0 : (const char *)buf;
        const char *b = j0 == 0 ? (const char *)pf1 : (const char *)buf;
        micro_tab[np - 1][nj - 1](buf, kn, xt, jb->y + j0 * rows + p * TB_F16_PANEL, rows,
                                  k0 > 0, m0, m1, a, b);
    }
}

/* Loop order: when the packed activations fit in half an L2 (X_L2_BYTES),
 * each panel pair walks all of K (weights stream contiguously, x stays in
 * L2); otherwise K blocks are outermost so one block of x stays in L2 while
 * every panel pair passes over it. */
#define X_L2_BYTES (1 << 20)

/* Panels [p0, p1), a piece of tb_pool_run_shared (pairs of panels). */
static void gemm_panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t cols = m->cols;
    const int64_t xbytes = (jb->n + NJ - 1) / NJ * NJ * cols * (int64_t)sizeof(float);
    float buf[KC * 32] __attribute__((aligned(64)));
    const uint16_t *w = m->w;
    /* prefetch targets may lie past the matrix (prefetches never fault):
     * formed as integers, not by out-of-bounds pointer arithmetic */
#define PANEL_AT(pp, kk)                                                                      \
    ((const uint16_t *)((uintptr_t)w +                                                        \
                        (uintptr_t)(((pp) * cols + (kk)) * TB_F16_PANEL * (int64_t)sizeof *w)))
    if (xbytes <= X_L2_BYTES) {
        for (int64_t p = p0; p < p1; p += 2) {
            const int np = p + 1 < p1 ? 2 : 1;
            for (int64_t k0 = 0; k0 < cols; k0 += KC) {
                /* next: same panels, next K block */
                const uint16_t *n0 = PANEL_AT(p, k0 + KC), *n1 = PANEL_AT(p + np - 1, k0 + KC);
                gemm_block(jb, buf, p, np, k0, cols - k0 < KC ? cols - k0 : KC, n0, n1);
            }
        }
    } else {
        for (int64_t k0 = 0; k0 < cols; k0 += KC)
            for (int64_t p = p0; p < p1; p += 2) {
                const int np = p + 1 < p1 ? 2 : 1;
                const uint16_t *n0 = PANEL_AT(p + 2, k0), *n1 = PANEL_AT(p + 3, k0);
                gemm_block(jb, buf, p, np, k0, cols - k0 < KC ? cols - k0 : KC, n0, n1);
            }
    }
#undef PANEL_AT
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    job jb = {tb_f16mat_of(km), x, n, y, scratch};
    if (n == 1) {
        tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                           tb_pool_chunk_units((long)jb.m->cols * TB_F16_PANEL * 2, 1),
                           gemv_panels, &jb);
        return;
    }
    if (n <= SMALL_N) {
        tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                           tb_pool_chunk_units((long)jb.m->cols * TB_F16_PANEL * 2, 1),
                           smalln_panels, &jb);
        return;
    }
    tb_pool_run(pool, nthreads, pack_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                       tb_pool_chunk_units((long)jb.m->cols * TB_F16_PANEL * 2, 2), gemm_panels,
                       &jb);
}

const tb_kernel tb_k_fp16_avx512 = {
    .name = "fp16_avx512",
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
