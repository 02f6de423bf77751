/* tb-energy-model.h - the paper's arithmetic energy model: pJ per
 * operation kind (tb-counts.h) at 45 nm and 7 nm, applied to a case's
 * analytic per-iteration counts.  Not a sampler: it measures nothing, so
 * it is a derived figure, computed before a case is stored. */
#ifndef TB_ENERGY_MODEL_H
#define TB_ENERGY_MODEL_H

#include "tb-counts.h"

typedef struct tb_model_energy {
    const char *source;   /* "model-45nm", "model-7nm" */
    double joules;        /* per iteration */
    int unpriced;         /* counted op kinds the table has no price for */
} tb_model_energy;

/* Apply the table to per-iteration counts; returns rows written. */
int tb_energy_model(const tb_counts *per_iter, tb_model_energy *out, int max);

#endif
