/* energy-model.c - owns the paper's arithmetic energy model: pJ per
 * operation at 45 nm and 7 nm, indexed by the count vocabulary of
 * tb-counts.h, applied to a case's analytic per-iteration counts.  Pure. */
#include "tb-energy-model.h"

#include <math.h>

/* Energy per operation in pJ, "The Era of 1-bit LLMs", arXiv 2402.17764,
 * which takes them from arXiv 2310.11453 (BitNet) Table 2; the same values
 * as /work/shared/reference/energy_model_add_mul_pj.csv (also shipped as
 * results/reference/energy_model_add_mul_pj.csv).  Kinds without a price
 * (bytes, future kinds) are NAN. */
#define UNPRICED_ROW                                                            \
    [TB_CNT_BYTES_WEIGHTS] = NAN, [TB_CNT_BYTES_ACTS] = NAN, [TB_CNT_BYTES_OUT] = NAN
static const struct {
    const char *source;
    double pj[TB_CNT__COUNT];
} rows[] = {
    {"model-45nm", {[TB_CNT_INT8_ADD] = 0.03, [TB_CNT_INT8_MUL] = 0.2, [TB_CNT_FP16_ADD] = 0.4,
                    [TB_CNT_FP16_MUL] = 1.1, [TB_CNT_FP32_ADD] = 0.9, [TB_CNT_FP32_MUL] = 3.7,
                    UNPRICED_ROW}},
    {"model-7nm", {[TB_CNT_INT8_ADD] = 0.007, [TB_CNT_INT8_MUL] = 0.07, [TB_CNT_FP16_ADD] = 0.16,
                   [TB_CNT_FP16_MUL] = 0.34, [TB_CNT_FP32_ADD] = 0.38, [TB_CNT_FP32_MUL] = 1.31,
                   UNPRICED_ROW}},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

/* pJ of one operation of kind k at node row r (NAN: not priced). */
static double pj_of(int r, int k)
{
    if (r < 0 || r >= NROWS || k < 0 || k >= TB_CNT__COUNT || !tb_count_is_op(k))
        return NAN;
    return rows[r].pj[k];
}

int tb_energy_model(const tb_counts *per_iter, tb_model_energy *out, int max)
{
    int n = 0;
    if (!per_iter || !out)
        return 0;
    for (int r = 0; r < NROWS && n < max; r++) {
        double pj = 0;
        int unpriced = 0;
        for (int k = 0; k < TB_CNT__COUNT; k++) {
            if (!tb_count_is_op(k) || per_iter->v[k] == 0)
                continue;
            double p = pj_of(r, k);
            if (isnan(p))
                unpriced++;
            else
                pj += per_iter->v[k] * p;
        }
        out[n].source = rows[r].source;
        out[n].joules = pj * 1e-12;
        out[n].unpriced = unpriced;
        n++;
    }
    return n;
}
