// plugin-dec.cu - the device-resident decoder (tb_cuda_dec_api in
// tb-cuda-abi.h): embedding table, norms, RoPE tables, the fp16 KV cache
// and every activation live on the device; a forward call runs the same
// sequence of operations as bench/decoder/decoder-forward.c, the
// projections through tb_cu_product (the matmul kernels launch() times:
// per-token int8 quantisation on the device, dp4a GEMV / IMMA GEMM, or the
// fp16 GEMV / cuBLAS), the non-matmul ops as the kernels below, whose
// arithmetic is kernels/cuda/cuda-ops-lane.h (bit-exact with ops_ref).
// Thread-safety: one caller at a time, as the rest of the plugin.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.cuh"
#include "../cuda-ops-lane.h"

#define DT 256           // threads of the element-wise and norm kernels
#define AT 128           // threads of the attention kernel (one block per row and head)
#define DEC_MAX_CTX 8192 // attention keeps the T weights of a row in shared memory (32 KiB)
#define DEC_MAX_HD 256

enum { W_Q, W_K, W_V, W_O, W_GATE, W_UP, W_DOWN, W__N };

struct tb_gpu_dec {
    tb_gpu_dec_cfg c;
    int64_t qd, kvd, kpad; // kpad: int8 bytes of the widest quantized row
    __half *embed;
    float *norms, *cosv, *sinv;
    __half *kv;
    float *x, *h, *q, *kk, *vv, *att, *g, *u, *logits; // max_rows rows each
    int8_t *xq;
    __half *xh;
    float *sx;
    int32_t *xsum, *tok, *seq, *pos;
    cudaEvent_t e0, e1;
};

static int64_t r256(int64_t v) { return (v + 255) / 256 * 256; }

static int64_t widest(const tb_gpu_dec_cfg *c)
{
    int64_t w = c->hidden > c->heads * c->head_dim ? c->hidden : c->heads * c->head_dim;
    return w > c->ffn ? w : c->ffn;
}

static double d_bytes(const tb_gpu_dec_cfg *c)
{
    const double R = (double)c->max_rows, H = (double)c->hidden, F = (double)c->ffn;
    const double qd = (double)(c->heads * c->head_dim), kvd = (double)(c->kv_heads * c->head_dim);
    const double W = (double)widest(c);
    return (double)c->vocab * H * 2 + 4.0 * ((double)c->layers * (double)c->norm_stride + H) +
           2 * 4.0 * (double)c->ctx * (double)(c->head_dim / 2) +
           (double)c->layers * (double)c->max_batch * 2 * (double)c->ctx * kvd * 2 +
           R * 4 * (2 * H + 2 * qd + 2 * kvd + 2 * F + (double)c->vocab) + R * (double)r256((int64_t)W) +
           R * 2 * W + R * 4 * 5;
}

static int d_mem_info(size_t *free_bytes, size_t *total_bytes)
{
    cudaError_t e = cudaMemGetInfo(free_bytes, total_bytes);
    return e == cudaSuccess ? 0 : tb_cu_fail("cudaMemGetInfo", cudaGetErrorString(e));
}

static void d_free(tb_gpu_dec *d)
{
    if (!d)
        return;
    void *bufs[] = {d->embed, d->norms, d->cosv, d->sinv, d->kv,  d->x,    d->h,  d->q,   d->kk,  d->vv,
                    d->att,   d->g,     d->u,    d->logits, d->xq, d->xh, d->sx, d->xsum, d->tok, d->seq, d->pos};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        cudaFree(bufs[i]);
    if (d->e0)
        cudaEventDestroy(d->e0);
    if (d->e1)
        cudaEventDestroy(d->e1);
    free(d);
}

static int d_create(const tb_gpu_dec_cfg *c, const uint16_t *embed, const float *norms, const float *rope_cos,
                    const float *rope_sin, tb_gpu_dec **out)
{
    const int64_t qd = c->heads * c->head_dim, kvd = c->kv_heads * c->head_dim;
    if (c->hidden < 1 || c->ffn < 1 || c->heads < 1 || c->kv_heads < 1 || c->heads % c->kv_heads ||
        c->head_dim < 2 || c->head_dim % 2 || c->head_dim > DEC_MAX_HD || c->vocab < 1 || c->layers < 1 ||
        c->ctx < 1 || c->ctx > DEC_MAX_CTX || c->max_batch < 1 || c->max_rows < 1 || c->hidden % 8 || qd % 8 ||
        kvd % 8 || c->ffn % 8 || tb_cu_kind_of(c->kern) < 0 || tb_cu_kind_of(c->head_kern) < 0)
        return -EINVAL;
    tb_gpu_dec *d = (tb_gpu_dec *)calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->c = *c;
    d->qd = qd;
    d->kvd = kvd;
    d->kpad = r256(widest(c));
    const size_t R = (size_t)c->max_rows, H = (size_t)c->hidden, F = (size_t)c->ffn, V = (size_t)c->vocab;
    const size_t nn = (size_t)(c->layers * c->norm_stride + c->hidden), half = (size_t)(c->head_dim / 2);
    const size_t kvn = (size_t)c->layers * (size_t)c->max_batch * 2 * (size_t)c->ctx * (size_t)kvd;
    struct {
        void **p;
        size_t bytes;
    } a[] = {
        {(void **)&d->embed, V * H * 2},          {(void **)&d->norms, nn * 4},
        {(void **)&d->cosv, (size_t)c->ctx * half * 4}, {(void **)&d->sinv, (size_t)c->ctx * half * 4},
        {(void **)&d->kv, kvn * 2},               {(void **)&d->x, R * H * 4},
        {(void **)&d->h, R * H * 4},              {(void **)&d->q, R * (size_t)qd * 4},
        {(void **)&d->kk, R * (size_t)kvd * 4},   {(void **)&d->vv, R * (size_t)kvd * 4},
        {(void **)&d->att, R * (size_t)qd * 4},   {(void **)&d->g, R * F * 4},
        {(void **)&d->u, R * F * 4},              {(void **)&d->logits, R * V * 4},
        {(void **)&d->xq, R * (size_t)d->kpad},   {(void **)&d->xh, R * (size_t)widest(c) * 2},
        {(void **)&d->sx, R * 4},                 {(void **)&d->xsum, R * 4},
        {(void **)&d->tok, R * 4},                {(void **)&d->seq, R * 4},
        {(void **)&d->pos, R * 4},
    };
    cudaError_t e = cudaSuccess;
    for (size_t i = 0; i < sizeof a / sizeof a[0] && e == cudaSuccess; i++)
        e = cudaMalloc(a[i].p, a[i].bytes);
    if (e == cudaSuccess)
        e = cudaMemcpy(d->embed, embed, V * H * 2, cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemcpy(d->norms, norms, nn * 4, cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemcpy(d->cosv, rope_cos, (size_t)c->ctx * half * 4, cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemcpy(d->sinv, rope_sin, (size_t)c->ctx * half * 4, cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemset(d->kv, 0, kvn * 2);
    if (e == cudaSuccess)
        e = cudaEventCreate(&d->e0);
    if (e == cudaSuccess)
        e = cudaEventCreate(&d->e1);
    if (e != cudaSuccess) {
        d_free(d);
        tb_cu_fail("decoder create", cudaGetErrorString(e));
        return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
    }
    *out = d;
    return 0;
}

// ---- the non-matmul ops ----

// x[r] = embed[tok[r]] (fp16 -> fp32)
__global__ void k_embed(const __half *embed, const int32_t *tok, int64_t H, float *x)
{
    const int64_t r = blockIdx.x;
    const uint16_t *e = (const uint16_t *)embed + (int64_t)tok[r] * H;
    for (int64_t i = threadIdx.x; i < H; i += blockDim.x)
        x[r * H + i] = tb_gd_f32(e[i]);
}

// per row: x += add (when add), then y = RMSNorm(x) * w; y may alias x
__global__ void __launch_bounds__(DT) k_norm(float *y, float *x, const float *add, const float *w, int64_t n,
                                              float eps)
{
    __shared__ float part[TB_GD_LANES];
    __shared__ float inv;
    const int64_t r = blockIdx.x;
    float *xr = x + r * n, *yr = y + r * n;
    if (add)
        for (int64_t i = threadIdx.x; i < n; i += DT)
            xr[i] = tb_gd_add(xr[i], add[r * n + i]);
    __syncthreads();
    if (threadIdx.x < TB_GD_LANES)
        part[threadIdx.x] = tb_gd_sumsq_part(xr, n, (int)threadIdx.x);
    __syncthreads();
    if (threadIdx.x == 0) {
        float s[TB_GD_LANES];
        for (int j = 0; j < TB_GD_LANES; j++)
            s[j] = part[j];
        inv = tb_gd_rms_inv(tb_gd_reduce16(s), n, eps);
    }
    __syncthreads();
    for (int64_t i = threadIdx.x; i < n; i += DT)
        yr[i] = tb_gd_rms_elem(xr[i], inv, w[i]);
}

// per row: RoPE on q and k at the row's position; k and v into the fp16 cache
__global__ void __launch_bounds__(DT) k_rope(float *q, float *k, const float *v, const float *cosv,
                                              const float *sinv, const int32_t *seq, const int32_t *pos,
                                              int64_t heads, int64_t kvh, int64_t hd, __half *kv, int64_t layer,
                                              int64_t max_batch, int64_t ctx)
{
    const int64_t r = blockIdx.x, half = hd / 2, qd = heads * hd, kvd = kvh * hd, p = pos[r];
    const float *cs = cosv + p * half, *sn = sinv + p * half;
    uint16_t *kc = (uint16_t *)kv + ((layer * max_batch + seq[r]) * 2) * ctx * kvd + p * kvd;
    uint16_t *vc = kc + ctx * kvd;
    for (int64_t j = threadIdx.x; j < heads * half; j += DT) {
        const int64_t h = j / half, i = j % half;
        float *qh = q + r * qd + h * hd;
        tb_gd_rope_pair(&qh[i], &qh[i + half], cs[i], sn[i]);
    }
    for (int64_t j = threadIdx.x; j < kvh * half; j += DT) {
        const int64_t h = j / half, i = j % half;
        float *kh = k + r * kvd + h * hd;
        tb_gd_rope_pair(&kh[i], &kh[i + half], cs[i], sn[i]);
        kc[h * hd + i] = tb_gd_f16(kh[i]);
        kc[h * hd + i + half] = tb_gd_f16(kh[i + half]);
    }
    for (int64_t j = threadIdx.x; j < kvd; j += DT)
        vc[j] = tb_gd_f16(v[r * kvd + j]);
}

// one block per (head, row): attention of the row's query over its
// sequence's positions 0..pos (cuda-ops-lane.h gives the order)
__global__ void __launch_bounds__(AT) k_attend(float *out, const float *q, const __half *kv, const int32_t *seq,
                                                const int32_t *pos, int64_t heads, int64_t kvh, int64_t hd,
                                                int64_t layer, int64_t max_batch, int64_t ctx, float scale)
{
    extern __shared__ float e[]; // T weights
    __shared__ float sh[AT / 32];
    __shared__ float part[TB_GD_LANES];
    __shared__ float sum;
    const int64_t h = blockIdx.x, r = blockIdx.y, T = pos[r] + 1, kvd = kvh * hd, g = h / (heads / kvh);
    const uint16_t *kc = (const uint16_t *)kv + ((layer * max_batch + seq[r]) * 2) * ctx * kvd + g * hd;
    const uint16_t *vc = kc + ctx * kvd;
    const float *qh = q + r * heads * hd + h * hd;
    float m = -INFINITY;
    for (int64_t t = threadIdx.x; t < T; t += AT) {
        float s = tb_gd_score(qh, kc + t * kvd, hd, scale);
        e[t] = s;
        m = fmaxf(m, s);
    }
    m = tb_cu_block_max(m, sh); // exact: max in any order
    for (int64_t t = threadIdx.x; t < T; t += AT)
        e[t] = tb_gd_exp(tb_gd_sub(e[t], m));
    __syncthreads();
    if (threadIdx.x < TB_GD_LANES)
        part[threadIdx.x] = tb_gd_sum_part(e, T, (int)threadIdx.x);
    __syncthreads();
    if (threadIdx.x == 0) {
        float s[TB_GD_LANES];
        for (int j = 0; j < TB_GD_LANES; j++)
            s[j] = part[j];
        sum = tb_gd_reduce16(s);
    }
    __syncthreads();
    for (int64_t dd = threadIdx.x; dd < hd; dd += AT)
        out[r * heads * hd + h * hd + dd] = tb_gd_attn_out(e, vc + dd, kvd, T, sum);
}

__global__ void k_glu(float *g, const float *u, int64_t count, int relu2)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count; i += (int64_t)gridDim.x * blockDim.x)
        g[i] = relu2 ? tb_gd_relu2(g[i], u[i]) : tb_gd_swiglu(g[i], u[i]);
}

static unsigned grid_for(int64_t count)
{
    int64_t b = (count + DT - 1) / DT;
    return (unsigned)(b < 4096 ? b : 4096);
}

static int launched(const char *what)
{
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : tb_cu_fail(what, cudaGetErrorString(e));
}

// y (n x m->rows) = m x (n x m->cols) through kernel `kern`, on the decoder's scratch
static int mm(tb_gpu_dec *d, int kern, const tb_gpu_mat *m, float *x, int64_t n, float *y)
{
    tb_gpu_acts a;
    memset(&a, 0, sizeof a);
    a.kind = m->kind;
    a.rows = m->rows;
    a.cols = m->cols;
    a.n = n;
    a.xs = m->kind == TB_GPU_W_F16 ? m->stride : m->cols; // F16: stride == cols (widths % 8 == 0)
    a.kpad = m->kind == TB_GPU_W_I8 ? m->stride : m->kind == TB_GPU_W_TQ2 ? 4 * m->stride : 0;
    a.x = x;
    a.xq = d->xq;
    a.xh = d->xh;
    a.sx = d->sx;
    a.xsum = d->xsum;
    a.y = y;
    return tb_cu_product(kern, m, &a);
}

static int check_mat(const tb_gpu_dec *d, int kern, const tb_gpu_mat *m, int64_t rows, int64_t cols)
{
    if (!m || m->kind != tb_cu_kind_of(kern) || m->rows != rows || m->cols != cols ||
        (m->kind == TB_GPU_W_F16 && m->stride != cols) || (m->kind != TB_GPU_W_F16 && (m->kind == TB_GPU_W_I8 ? m->stride : 4 * m->stride) > d->kpad))
        return -EINVAL;
    return 0;
}

#define RUN(call)                   \
    do {                            \
        int rc_ = (call);           \
        if (rc_ < 0)                \
            return rc_;             \
    } while (0)

static int d_forward(tb_gpu_dec *d, const tb_gpu_mat *const *w, const tb_gpu_mat *head, const int32_t *tokens,
                     const int32_t *seq, const int32_t *pos, int64_t n, int64_t nlogits, float *logits,
                     double *event_ns)
{
    const tb_gpu_dec_cfg *c = &d->c;
    const int64_t H = c->hidden, F = c->ffn, L = c->layers, qd = d->qd, kvd = d->kvd;
    if (n < 1 || n > c->max_rows || nlogits < 0 || nlogits > n)
        return -EINVAL;
    for (int64_t r = 0; r < n; r++)
        if (tokens[r] < 0 || tokens[r] >= c->vocab || seq[r] < 0 || seq[r] >= c->max_batch || pos[r] < 0 ||
            pos[r] >= c->ctx)
            return -EINVAL;
    static const int shape[W__N][2] = {{1, 0}, {2, 0}, {2, 0}, {0, 1}, {3, 0}, {3, 0}, {0, 3}};
    const int64_t dim[4] = {H, qd, kvd, F};
    for (int64_t l = 0; l < L; l++)
        for (int i = 0; i < W__N; i++)
            RUN(check_mat(d, c->kern, w[l * W__N + i], dim[shape[i][0]], dim[shape[i][1]]));
    if (logits && nlogits)
        RUN(check_mat(d, c->head_kern, head, c->vocab, H));

    cudaStream_t st = tb_cu_stream;
    cudaError_t e = cudaEventRecord(d->e0, st);
    const size_t ib = (size_t)n * 4;
    if (e == cudaSuccess)
        e = cudaMemcpyAsync(d->tok, tokens, ib, cudaMemcpyHostToDevice, st);
    if (e == cudaSuccess)
        e = cudaMemcpyAsync(d->seq, seq, ib, cudaMemcpyHostToDevice, st);
    if (e == cudaSuccess)
        e = cudaMemcpyAsync(d->pos, pos, ib, cudaMemcpyHostToDevice, st);
    if (e != cudaSuccess)
        return tb_cu_fail("decoder inputs", cudaGetErrorString(e));
    const unsigned rows = (unsigned)n;
    const float eps = c->eps, scale = tb_gd_div(1.0f, tb_gd_sqrt((float)c->head_dim));
    k_embed<<<rows, DT, 0, st>>>(d->embed, d->tok, H, d->x);
    RUN(launched("embed launch"));
    const float *pending = NULL; // the last down projection, not yet added to x
    for (int64_t l = 0; l < L; l++) {
        const tb_gpu_mat *const *W = w + l * W__N;
        const float *nw = d->norms + l * c->norm_stride;
        k_norm<<<rows, DT, 0, st>>>(d->h, d->x, pending, nw, H, eps);
        RUN(launched("rmsnorm launch"));
        RUN(mm(d, c->kern, W[W_Q], d->h, n, d->q));
        RUN(mm(d, c->kern, W[W_K], d->h, n, d->kk));
        RUN(mm(d, c->kern, W[W_V], d->h, n, d->vv));
        k_rope<<<rows, DT, 0, st>>>(d->q, d->kk, d->vv, d->cosv, d->sinv, d->seq, d->pos, c->heads, c->kv_heads,
                                    c->head_dim, d->kv, l, c->max_batch, c->ctx);
        RUN(launched("rope launch"));
        k_attend<<<dim3((unsigned)c->heads, rows), AT, (size_t)c->ctx * 4, st>>>(
            d->att, d->q, d->kv, d->seq, d->pos, c->heads, c->kv_heads, c->head_dim, l, c->max_batch, c->ctx, scale);
        RUN(launched("attention launch"));
        if (c->subln) {
            k_norm<<<rows, DT, 0, st>>>(d->att, d->att, NULL, nw + 2 * H, qd, eps);
            RUN(launched("rmsnorm launch"));
        }
        RUN(mm(d, c->kern, W[W_O], d->att, n, d->h));
        k_norm<<<rows, DT, 0, st>>>(d->h, d->x, d->h, nw + H, H, eps);
        RUN(launched("rmsnorm launch"));
        RUN(mm(d, c->kern, W[W_GATE], d->h, n, d->g));
        RUN(mm(d, c->kern, W[W_UP], d->h, n, d->u));
        k_glu<<<grid_for(n * F), DT, 0, st>>>(d->g, d->u, n * F, c->relu2);
        RUN(launched("GLU launch"));
        if (c->subln) {
            k_norm<<<rows, DT, 0, st>>>(d->g, d->g, NULL, nw + 2 * H + qd, F, eps);
            RUN(launched("rmsnorm launch"));
        }
        RUN(mm(d, c->kern, W[W_DOWN], d->g, n, d->h));
        pending = d->h;
    }
    if (logits && nlogits) {
        const int64_t r0 = n - nlogits;
        k_norm<<<(unsigned)nlogits, DT, 0, st>>>(d->h + r0 * H, d->x + r0 * H, d->h + r0 * H,
                                                 d->norms + L * c->norm_stride, H, eps);
        RUN(launched("rmsnorm launch"));
        RUN(mm(d, c->head_kern, head, d->h + r0 * H, nlogits, d->logits));
        e = cudaMemcpyAsync(logits, d->logits, (size_t)nlogits * (size_t)c->vocab * 4, cudaMemcpyDeviceToHost, st);
        if (e != cudaSuccess)
            return tb_cu_fail("logits to the host", cudaGetErrorString(e));
    }
    float ms = 0;
    if ((e = cudaEventRecord(d->e1, st)) != cudaSuccess || (e = cudaEventSynchronize(d->e1)) != cudaSuccess ||
        (e = cudaEventElapsedTime(&ms, d->e0, d->e1)) != cudaSuccess)
        return tb_cu_fail("decoder step", cudaGetErrorString(e));
    if (event_ns)
        *event_ns = (double)ms * 1e6;
    return 0;
}

static const tb_cuda_dec_api dec_api = {
    TB_CUDA_DEC_ABI, d_mem_info, d_bytes, d_create, d_free, d_forward,
};

extern "C" __attribute__((visibility("default"))) const tb_cuda_dec_api *tb_cuda_dec_get(int abi)
{
    return abi == TB_CUDA_DEC_ABI ? &dec_api : NULL;
}
