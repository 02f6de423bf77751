/* tb-counts.h - the one vocabulary of analytic per-iteration counts:
 * operations by kind (the classes of the paper's energy table, arXiv
 * 2310.11453 Table 2, as used by arXiv 2402.17764) and bytes moved.
 * Kernels fill it, workloads pass it on, the energy model prices it and
 * the store writes one `counts` row per non-zero quantity.  Adding a kind
 * (fp8, int4, table lookups) is one line in TB_COUNT_KINDS; the energy
 * model gives it a price or leaves it unpriced (NAN).
 * Header-only and dependency-free so the kernels layer can use it. */
#ifndef TB_COUNTS_H
#define TB_COUNTS_H

/* X(ENUM, "name", "unit", is_op) */
#define TB_COUNT_KINDS(X)                                    \
    X(INT8_ADD, "int8_add", "op", 1)                         \
    X(INT8_MUL, "int8_mul", "op", 1)                         \
    X(FP16_ADD, "fp16_add", "op", 1)                         \
    X(FP16_MUL, "fp16_mul", "op", 1)                         \
    X(FP32_ADD, "fp32_add", "op", 1)                         \
    X(FP32_MUL, "fp32_mul", "op", 1)                         \
    X(BYTES_WEIGHTS, "bytes_weights", "B", 0) /* packed weights + scales read */ \
    X(BYTES_ACTS, "bytes_acts", "B", 0)       /* activations / inputs read */     \
    X(BYTES_OUT, "bytes_out", "B", 0)         /* outputs written */

typedef enum tb_count_kind {
#define TB_COUNT_ENUM_(e, name, unit, op) TB_CNT_##e,
    TB_COUNT_KINDS(TB_COUNT_ENUM_)
#undef TB_COUNT_ENUM_
    TB_CNT__COUNT
} tb_count_kind;

typedef struct tb_counts {
    double v[TB_CNT__COUNT];
} tb_counts;

static inline const char *tb_count_name(int k)
{
    static const char *const names[] = {
#define TB_COUNT_NAME_(e, name, unit, op) name,
        TB_COUNT_KINDS(TB_COUNT_NAME_)
#undef TB_COUNT_NAME_
    };
    return k >= 0 && k < TB_CNT__COUNT ? names[k] : "?";
}

static inline const char *tb_count_unit(int k)
{
    static const char *const units[] = {
#define TB_COUNT_UNIT_(e, name, unit, op) unit,
        TB_COUNT_KINDS(TB_COUNT_UNIT_)
#undef TB_COUNT_UNIT_
    };
    return k >= 0 && k < TB_CNT__COUNT ? units[k] : "?";
}

static inline int tb_count_is_op(int k)
{
    static const unsigned char ops[] = {
#define TB_COUNT_OP_(e, name, unit, op) op,
        TB_COUNT_KINDS(TB_COUNT_OP_)
#undef TB_COUNT_OP_
    };
    return k >= 0 && k < TB_CNT__COUNT && ops[k];
}

/* Sums over the kinds: all operations, all bytes. */
static inline double tb_counts_ops(const tb_counts *c)
{
    double s = 0;
    for (int k = 0; k < TB_CNT__COUNT; k++)
        if (tb_count_is_op(k))
            s += c->v[k];
    return s;
}

static inline double tb_counts_bytes(const tb_counts *c)
{
    return c->v[TB_CNT_BYTES_WEIGHTS] + c->v[TB_CNT_BYTES_ACTS] + c->v[TB_CNT_BYTES_OUT];
}

#endif
