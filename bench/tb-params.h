/* tb-params.h - the parameter records of bench/'s workloads (matmul,
 * bandwidth, peak), declared to the harness in each workload's file and
 * read by the derived-figures step (derive.c). */
#ifndef TB_PARAMS_H
#define TB_PARAMS_H

#include <stdint.h>

typedef struct tb_mm_params {
    char format[16];   /* weight format: fp16, bf16, int8, tq2, tq1, tl */
    char shape[48];    /* "11008x4096" (rows x cols) */
    int64_t rows, cols, n;
    char model[40];    /* model config the shape comes from */
    char proj[24];     /* projection: q, k, v, o, gate, up, down */
    char also[200];    /* other model:projection pairs with this shape */
} tb_mm_params;

typedef struct tb_bw_params {
    char kind[8];      /* read, copy, triad */
    char impl[16];     /* ISA of the loop */
    int64_t mib;       /* MiB per array */
    int64_t bytes_per_array, arrays;
    char phase[8];     /* "" (start of the suite) or "end" */
} tb_bw_params;

typedef struct tb_peak_params {
    char probe[32];    /* fp32-avx512, int8-avx2, ... */
    char kind[8];      /* fp32, int8 */
    int64_t chains, lanes, loops;
    char phase[8];     /* "" (start of the suite) or "end" */
} tb_peak_params;

/* The decoder (e2e) workload: one model in one format running one test. */
typedef struct tb_e2e_params {
    char model[48];      /* config name (built-in, spec or checkpoint's) */
    char format[16];     /* projection weight format */
    char head[16];       /* embedding / output head format */
    char test[24];       /* "tg128", "pp512", "pp512+tg128" */
    int64_t n_prompt, n_gen;
    int64_t batch;       /* sequences decoded together */
    int64_t ctx;         /* KV capacity per sequence */
    int64_t layers;      /* layers built and measured */
    int64_t layers_total;/* the model's depth */
    int64_t extrapolated;/* 1: figures scaled from `layers` to `layers_total` */
    int64_t seed;
    int64_t max_batch;   /* 1: the case found by --max-batch (largest batch in the budget) */
    int64_t batch_cap;   /* sequences and prompt tokens the decoder is built for: the */
    int64_t prefill_cap; /* largest among the model's cases, so they share one build */
    int64_t matmuls_only;/* 1: time only the decode step's matmuls (test "tgN-matmuls") */
} tb_e2e_params;

#endif
