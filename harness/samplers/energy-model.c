/* energy-model.c - owns the paper's arithmetic energy model: pJ per
 * operation at 45 nm and 7 nm, applied to a workload's analytic
 * per-iteration op counts.  Always available (no hardware).  Pure. */
#include "tb-sampler.h"
#include "tb-workload.h"

/* Energy per operation in pJ, "The Era of 1-bit LLMs", arXiv 2402.17764,
 * which takes them from arXiv 2310.11453 (BitNet) Table 2; copied from
 * /work/shared/reference/energy_model_add_mul_pj.csv (also shipped as
 * results/reference/energy_model_add_mul_pj.csv). */
static const struct {
    const char *source;
    double pj[TB_OP__COUNT];
} tb_model_rows[] = {
    { "model-45nm", {
        [TB_OP_INT8_ADD] = 0.03, [TB_OP_INT8_MUL] = 0.2,
        [TB_OP_FP16_ADD] = 0.4,  [TB_OP_FP16_MUL] = 1.1,
        [TB_OP_FP32_ADD] = 0.9,  [TB_OP_FP32_MUL] = 3.7 } },
    { "model-7nm", {
        [TB_OP_INT8_ADD] = 0.007, [TB_OP_INT8_MUL] = 0.07,
        [TB_OP_FP16_ADD] = 0.16,  [TB_OP_FP16_MUL] = 0.34,
        [TB_OP_FP32_ADD] = 0.38,  [TB_OP_FP32_MUL] = 1.31 } },
};

int tb_energy_model(const struct tb_counts *per_iter, tb_model_energy *out, int max)
{
    int n = 0;
    if (!per_iter || !out)
        return 0;
    for (size_t r = 0; r < sizeof tb_model_rows / sizeof tb_model_rows[0] && n < max; r++) {
        double pj = 0;
        for (int k = 0; k < TB_OP__COUNT; k++)
            pj += per_iter->ops[k] * tb_model_rows[r].pj[k];
        out[n].source = tb_model_rows[r].source;
        out[n].joules = pj * 1e-12;
        n++;
    }
    return n;
}
