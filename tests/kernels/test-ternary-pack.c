/* test-ternary-pack.c - ternary formats (tq2, tq1, tl): pack/unpack round
 * trips over awkward sizes (K not a multiple of the block), padding encodes
 * zero weights, the tq1 byte code over all 243 digit tuples, the weight
 * quantizer and dequantizer vs the recipe written out independently, and the
 * activation quantizer (round half to even, scale, sum, zero padding). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ternary/tb-ternary.h"

static int failures;
#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            failures++;                                               \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                             \
            fputc('\n', stderr);                                      \
        }                                                             \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float rndf(void) { return ((float)(rnd() & 0xffffff) / 16777216.0f) * 2.0f - 1.0f; }

static const int64_t sizes[] = {1, 3, 5, 7, 15, 17, 31, 33, 63, 65, 127, 129, 255, 257};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static void roundtrip(int64_t rows, int64_t cols)
{
    int8_t *q = malloc((size_t)(rows * cols)), *back = malloc((size_t)(rows * cols));
    for (int64_t i = 0; i < rows * cols; i++)
        q[i] = (int8_t)((int)(rnd() % 3) - 1);

    /* tq2 */
    int64_t rb2 = tb_tq2_row_bytes(cols);
    CHECK(rb2 % 64 == 0 && rb2 * 4 >= cols && rb2 * 4 - cols < 256, "tq2 row bytes %lld",
          (long long)rb2);
    uint8_t *p2 = malloc((size_t)(rows * rb2));
    tb_tq2_pack(q, rows, cols, p2);
    memset(back, 9, (size_t)(rows * cols));
    tb_tq2_unpack(p2, rows, cols, back);
    CHECK(!memcmp(q, back, (size_t)(rows * cols)), "tq2 round trip %lldx%lld", (long long)rows,
          (long long)cols);
    int8_t *full = malloc((size_t)(rows * rb2 * 5));
    tb_tq2_unpack(p2, rows, rb2 * 4, full);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = cols; c < rb2 * 4; c++)
            CHECK(full[r * rb2 * 4 + c] == 0, "tq2 padding not zero at %lld,%lld", (long long)r,
                  (long long)c);

    /* tq1 */
    int64_t rb1 = tb_tq1_row_bytes(cols);
    CHECK(rb1 % 64 == 0 && rb1 * 5 >= cols && rb1 * 5 - cols < 320, "tq1 row bytes");
    uint8_t *p1 = malloc((size_t)(rows * rb1));
    tb_tq1_pack(q, rows, cols, p1);
    memset(back, 9, (size_t)(rows * cols));
    tb_tq1_unpack(p1, rows, cols, back);
    CHECK(!memcmp(q, back, (size_t)(rows * cols)), "tq1 round trip %lldx%lld", (long long)rows,
          (long long)cols);
    tb_tq1_unpack(p1, rows, rb1 * 5, full);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = cols; c < rb1 * 5; c++)
            CHECK(full[r * rb1 * 5 + c] == 0, "tq1 padding not zero");

    /* tl */
    int64_t nw = tb_tl_nwords(cols), rp = tb_tl_rpad(rows);
    CHECK(tb_tl_packed_bytes(rows, cols) == (size_t)(rp * nw * 2), "tl size");
    uint16_t *pl = malloc(tb_tl_packed_bytes(rows, cols));
    tb_tl_pack(q, rows, cols, pl);
    memset(back, 9, (size_t)(rows * cols));
    tb_tl_unpack(pl, rows, cols, back);
    CHECK(!memcmp(q, back, (size_t)(rows * cols)), "tl round trip %lldx%lld", (long long)rows,
          (long long)cols);
    int8_t *fl = malloc((size_t)(rp * nw * 9));
    tb_tl_unpack(pl, rp, nw * 9, fl);
    for (int64_t r = 0; r < rp; r++)
        for (int64_t c = 0; c < nw * 9; c++)
            if (r >= rows || c >= cols)
                CHECK(fl[r * nw * 9 + c] == 0, "tl padding not zero");
    for (size_t i = 0; i < tb_tl_packed_bytes(rows, cols) / 2; i++)
        CHECK((pl[i] >> 15) == 0 && (pl[i] & 31) < 27 && ((pl[i] >> 5) & 31) < 27 &&
                  ((pl[i] >> 10) & 31) < 27,
              "tl word out of range");
    free(fl);
    free(pl);
    free(full);
    free(p1);
    free(p2);
    free(q);
    free(back);
}

static void tq1_code(void)
{
    for (unsigned v = 0; v < 243; v++) {
        uint8_t d[5] = {(uint8_t)(v / 81), (uint8_t)(v / 27 % 3), (uint8_t)(v / 9 % 3),
                        (uint8_t)(v / 3 % 3), (uint8_t)(v % 3)}, e[5];
        uint8_t b = tb_tq1_encode5(d);
        CHECK(b == (v * 256 + 242) / 243, "tq1 byte of %u", v);
        tb_tq1_decode5(b, e);
        CHECK(!memcmp(d, e, 5), "tq1 decode of %u", v);
        /* the compare form used by the SIMD decoders */
        unsigned t = b;
        for (int i = 0; i < 5; i++) {
            unsigned dig = (t >= 86) + (t >= 171);
            CHECK(dig == d[i], "tq1 compare digit %u/%d", v, i);
            t = (3 * t) & 255;
        }
    }
}

static void weight_quantizer(int64_t rows, int64_t cols)
{
    int64_t n = rows * cols;
    float *w = malloc((size_t)n * sizeof *w), *dq = malloc((size_t)n * sizeof *dq);
    int8_t *q = malloc((size_t)n);
    float amp = 0.02f + 0.1f * (float)(rnd() % 10);
    for (int64_t i = 0; i < n; i++)
        w[i] = amp * rndf();
    double sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += fabs((double)w[i]);
    float want = (float)(sum / (double)n) + TB_TERN_EPS;
    float s = tb_tern_quantize(w, rows, cols, q);
    CHECK(s == want, "weight scale %g vs %g", (double)s, (double)want);
    for (int64_t i = 0; i < n; i++) {
        float r = w[i] / want;
        int e = r >= 0.5f ? 1 : r <= -0.5f ? -1 : 0;
        if (r == 0.5f || r == -0.5f) /* ties to even: 0 */
            e = 0;
        CHECK(q[i] == e, "weight code %lld: w=%g -> %d want %d", (long long)i, (double)w[i], q[i], e);
    }
    tb_tern_dequantize(q, n, s, dq);
    for (int64_t i = 0; i < n; i++)
        CHECK(dq[i] == (float)q[i] * s, "dequantize");
    free(w);
    free(dq);
    free(q);
}

static void act_quantizer(void)
{
    /* ties: amax = 127 gives s = 1, so x = k + 0.5 rounds to even */
    const float x[] = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.49f, -126.5f, 0.0f};
    const int8_t want[] = {127, 2, 4, -2, -4, 0, 0, 1, -126, 0};
    int8_t q[64];
    int32_t sum = 0;
    float s = tb_tern_quant_act_ref(x, 10, 64, q, &sum);
    CHECK(s == 1.0f, "act scale %g", (double)s);
    int32_t ws = 0;
    for (int i = 0; i < 10; i++) {
        CHECK(q[i] == want[i], "act q[%d] = %d want %d", i, q[i], want[i]);
        ws += want[i];
    }
    for (int i = 10; i < 64; i++)
        CHECK(q[i] == 0, "act padding");
    CHECK(sum == ws, "act sum %d want %d", sum, ws);
    CHECK(tb_tern_act_factor(s, 0.5f) == 0.5f, "factor");

    /* general: scale 127/max, |q| <= 127, max maps to +-127 */
    float xs[257];
    int8_t qq[260];
    for (int n = 1; n <= 257; n += 64) {
        for (int i = 0; i < n; i++)
            xs[i] = 3.0f * rndf();
        s = tb_tern_quant_act_ref(xs, n, n, qq, &sum);
        float amax = 0;
        for (int i = 0; i < n; i++)
            amax = fabsf(xs[i]) > amax ? fabsf(xs[i]) : amax;
        CHECK(s == 127.0f / amax, "act scale general");
    }
    /* zero token: scale 0, factor 0, codes 0 */
    float z[5] = {0};
    s = tb_tern_quant_act_ref(z, 5, 5, q, &sum);
    CHECK(s == 0.0f && sum == 0 && tb_tern_act_factor(s, 1.0f) == 0.0f, "zero token");
}

static void prepared(void)
{
    /* prepare() stores the recipe's scale and the packed codes */
    float w[7 * 33];
    int8_t q[7 * 33], back[7 * 33];
    for (int i = 0; i < 7 * 33; i++)
        w[i] = rndf();
    float s = tb_tern_quantize(w, 7, 33, q);
    const int fmts[] = {TB_TERN_TQ2, TB_TERN_TQ1, TB_TERN_TL};
    for (int f = 0; f < 3; f++) {
        tb_kmat *m = NULL;
        CHECK(tb_tern_prepare(fmts[f], w, 7, 33, &m) == 0 && m, "prepare");
        if (!m)
            continue;
        CHECK(m->wscale == s, "prepared scale");
        if (fmts[f] == TB_TERN_TQ2)
            tb_tq2_unpack(m->data, 7, 33, back);
        else if (fmts[f] == TB_TERN_TQ1)
            tb_tq1_unpack(m->data, 7, 33, back);
        else
            tb_tl_unpack((const uint16_t *)(const void *)m->data, 7, 33, back);
        CHECK(!memcmp(q, back, sizeof q), "prepared codes fmt %d", fmts[f]);
        if (fmts[f] != TB_TERN_TL) {
            /* decode_ref: codes q+1 in natural order, padding decodes to 1 (zero weight) */
            uint8_t *codes = malloc((size_t)(7 * m->kpad));
            if (fmts[f] == TB_TERN_TQ2)
                tb_tq2_decode_ref(m, 0, 7, 0, m->kpad, codes, m->kpad);
            else
                tb_tq1_decode_ref(m, 0, 7, 0, m->kpad, codes, m->kpad);
            for (int r = 0; r < 7; r++)
                for (int64_t c = 0; c < m->kpad; c++)
                    CHECK(codes[r * m->kpad + c] == (c < 33 ? q[r * 33 + c] + 1 : 1),
                          "decode_ref fmt %d at %d,%lld", fmts[f], r, (long long)c);
            free(codes);
        }
        CHECK(m->xstride % 64 == 0 && m->xstride >= m->kpad && m->kpad >= 33, "strides");
        tb_tern_free(m);
    }
    tb_kmat *m = NULL;
    CHECK(tb_tern_prepare(TB_TERN_TQ2, w, 0, 33, &m) < 0, "rows 0 refused");
    w[5] = NAN;
    CHECK(tb_tern_prepare(TB_TERN_TL, w, 7, 33, &m) < 0, "NaN weights refused");
}

/* The weight quantizer equals the recipe written with nearbyintf
 * (round half to even, clamp to [-1, 1], NaN -> 0), ties included: it
 * compares instead of calling nearbyintf, and must give the same codes. */
static void quantizer_ties(void)
{
    enum { N = 4096 };
    static float w[N];
    static int8_t q[N];
    for (int i = 0; i < N; i++)
        w[i] = rndf();
    /* the scale first, then weights at exactly +-0.5, +-1.5 scales and just around them */
    float s = tb_tern_quantize(w, 1, N, q);
    const float k[] = {0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f};
    for (int i = 0; i < 6; i++) {
        float t = k[i] * s;
        w[8 * i] = t, w[8 * i + 1] = nextafterf(t, 0), w[8 * i + 2] = nextafterf(t, 2 * t);
    }
    w[60] = NAN, w[61] = INFINITY, w[62] = -INFINITY, w[63] = 0.0f, w[64] = -0.0f;
    float s2 = tb_tern_quantize(w, 1, N, q);
    CHECK(isnan(s2), "scale with NaN/inf in w");
    w[60] = w[61] = w[62] = 0.0f;
    s2 = tb_tern_quantize(w, 1, N, q);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        float v = nearbyintf(w[i] / s2);
        int8_t want = (int8_t)(v >= 1.0f ? 1 : v <= -1.0f ? -1 : 0);
        bad += q[i] != want;
    }
    CHECK(bad == 0, "quantizer vs the nearbyintf recipe: %d codes differ", bad);
    /* exact ties at the final scale: 0.5 rounds to 0 (even), 1.5 to 2 (clamped to 1) */
    /* (placing them moves the mean: repeat until the scale is a fixed point) */
    float s3 = s2;
    int fixed = 0;
    for (int it = 0; it < 8 && !fixed; it++) {
        w[0] = 0.5f * s3, w[1] = -0.5f * s3, w[2] = 1.5f * s3;
        float sn = tb_tern_quantize(w, 1, N, q);
        fixed = sn == s3;
        s3 = sn;
    }
    CHECK(fixed && w[0] / s3 == 0.5f && w[1] / s3 == -0.5f, "no exact ties built (scale %g)", s3);
    CHECK(q[0] == 0 && q[1] == 0 && q[2] == 1, "ties: %d %d %d", q[0], q[1], q[2]);
}

int main(void)
{
    tq1_code();
    quantizer_ties();
    for (int i = 0; i < NSIZES; i++)
        for (int j = 0; j < NSIZES; j++)
            roundtrip(sizes[i], sizes[j]);
    for (int i = 0; i < NSIZES; i += 3)
        for (int j = 0; j < NSIZES; j += 2)
            weight_quantizer(sizes[i], sizes[j]);
    act_quantizer();
    prepared();
    if (failures) {
        fprintf(stderr, "test-ternary-pack: %d failures\n", failures);
        return 1;
    }
    printf("test-ternary-pack: ok\n");
    return 0;
}
