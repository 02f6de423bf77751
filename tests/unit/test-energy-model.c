/* test-energy-model.c - the paper's arithmetic energy model (arXiv
 * 2310.11453 Table 2): rows model-45nm and model-7nm, every pJ/op value
 * checked against results/reference/energy_model_add_mul_pj.csv, and a
 * ternary-vs-fp16 GEMV worked example. */
#include "tb-test.h"

#include <stdio.h>
#include <string.h>

#include "tb-energy-model.h"

static double row_j(const char *src, const tb_counts *c)
{
    tb_model_energy out[4];
    int n = tb_energy_model(c, out, 4);
    for (int i = 0; i < n; i++)
        if (!strcmp(out[i].source, src))
            return out[i].joules;
    return -1;
}

int main(void)
{
    tb_counts c;
    memset(&c, 0, sizeof c);
    tb_model_energy out[4];
    CHECK(tb_energy_model(&c, out, 4) == 2);
    CHECK(!strcmp(out[0].source, "model-45nm") && !strcmp(out[1].source, "model-7nm"));
    CHECK(out[0].joules == 0 && out[1].joules == 0);
    CHECK(tb_energy_model(&c, out, 1) == 1);
    CHECK(tb_energy_model(NULL, out, 4) == 0);

    /* every row of the shipped CSV (after its comment line) */
    char path[1024];
    snprintf(path, sizeof path, "%s/results/reference/energy_model_add_mul_pj.csv", TB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int rows = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "bits", 4))
            continue;
        char bits[16], node[16];
        double add, mul;
        if (sscanf(line, "%15[^,],%15[^,],%lf,%lf", bits, node, &add, &mul) != 4)
            continue;
        int k = !strcmp(bits, "INT8") ? TB_CNT_INT8_ADD : !strcmp(bits, "FP16") ? TB_CNT_FP16_ADD : TB_CNT_FP32_ADD;
        char src[32];
        snprintf(src, sizeof src, "model-%s", node);
        memset(&c, 0, sizeof c);
        c.v[k] = 1e12; /* 1e12 ops x pJ = J */
        CHECK_NEAR(row_j(src, &c), add, 1e-12);
        memset(&c, 0, sizeof c);
        c.v[k + 1] = 1e12;
        CHECK_NEAR(row_j(src, &c), mul, 1e-12);
        rows++;
    }
    if (f)
        fclose(f);
    CHECK(rows == 6);

    /* 4096x4096 GEMV: fp16 = N*K mul + N*K add; ternary = N*K int8 add */
    double nk = 4096.0 * 4096.0;
    memset(&c, 0, sizeof c);
    c.v[TB_CNT_FP16_MUL] = nk;
    c.v[TB_CNT_FP16_ADD] = nk;
    double fp16 = row_j("model-7nm", &c);
    memset(&c, 0, sizeof c);
    c.v[TB_CNT_INT8_ADD] = nk;
    double tern = row_j("model-7nm", &c);
    CHECK_NEAR(fp16, nk * (0.34 + 0.16) * 1e-12, 1e-15);
    CHECK_NEAR(fp16 / tern, (0.34 + 0.16) / 0.007, 1e-9); /* ~71x at 7 nm */
    TEST_DONE();
}
