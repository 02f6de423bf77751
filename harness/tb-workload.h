/* tb-workload.h - what the runner knows of a workload (the third seam).
 *
 * A case is one measurable configuration (workload + parameters).  The
 * runner drives each case: setup -> verify -> calibrate -> warm-up ->
 * repetitions of run(ctx, iters) -> teardown.  A workload never sees the
 * store or the samplers. */
#ifndef TB_WORKLOAD_H
#define TB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Operation kinds of the paper's energy table (arXiv 2310.11453 Table 2). */
enum tb_op_kind {
    TB_OP_INT8_ADD, TB_OP_INT8_MUL,
    TB_OP_FP16_ADD, TB_OP_FP16_MUL,
    TB_OP_FP32_ADD, TB_OP_FP32_MUL,
    TB_OP__COUNT
};
extern const char *const tb_op_kind_names[TB_OP__COUNT]; /* "int8_add", ... */

/* Analytic per-iteration counts: they feed the energy model and roofline. */
typedef struct tb_counts {
    double ops[TB_OP__COUNT];
    double bytes_weights; /* weight bytes read (packed, with scales) */
    double bytes_acts;    /* activation/input bytes read */
    double bytes_out;     /* output bytes written */
} tb_counts;

/* Result of comparing a case's output with its scalar reference. */
typedef struct tb_verdict {
    int verified;        /* 1 pass, 0 fail, -1 not applicable */
    double max_abs_err;  /* NAN when not applicable */
    double nmse;         /* NAN when not applicable */
    double bound;        /* the NMSE bound in force; 0 = bit-exact required */
    uint64_t checksum;   /* FNV-1a of the output bytes */
    char reason[160];    /* why it failed, or how it was checked */
} tb_verdict;

struct tb_workload;

/* Where a case's weights live while it is timed (matmul, decoder).
 * HOT: one copy, reused every iteration (cache-resident when it fits).
 * COLD: every iteration reads the next of several identical copies whose
 * total exceeds the caches, so weights stream from memory as decode sees
 * them.  NONE: the case has no weights (probes). */
typedef enum tb_cache_mode { TB_CACHE_NONE = 0, TB_CACHE_HOT = 1, TB_CACHE_COLD = 2 } tb_cache_mode;
#define TB_CACHE_BOTH (TB_CACHE_HOT | TB_CACHE_COLD)

typedef struct tb_case {
    const struct tb_workload *wl;
    char key[160];     /* unique, human-readable: "bw/read/64MiB/t2" */
    char backend[40];  /* kernel variant or probe name */
    char format[16];   /* weight format, "" when none */
    char isa[24];      /* ISA the variant uses: "scalar", "avx512vnni" */
    char model[40];    /* model config name, "" when none */
    char shape[48];    /* "11008x4096" */
    int64_t m, n, k;   /* rows (out features), activation columns, cols (in features) */
    int threads;
    int batch;
    char params[256];  /* workload-specific JSON object */
    const void *spec;  /* workload-private description (static lifetime) */
} tb_case;

typedef struct tb_workload {
    const char *name;     /* "bandwidth", "peak", "matmul" */
    const char *version;  /* bumped when the measured work changes */
    /* Allocate and initialise; 0 or -errno with a reason.  -ENOMEM and
     * -E2BIG are stored as status "does_not_fit". */
    int (*setup)(const tb_case *c, void **ctx, char *why, size_t len);
    /* (optional) compare with the scalar reference; NULL = not applicable. */
    int (*verify)(void *ctx, tb_verdict *v);
    /* The timed region: `iters` iterations, no malloc, no I/O. */
    void (*run)(void *ctx, uint64_t iters);
    /* Analytic counts of one iteration. */
    void (*counts)(void *ctx, tb_counts *out);
    void (*teardown)(void *ctx);
} tb_workload;

/* FNV-1a 64 over bytes (for output checksums). */
uint64_t tb_fnv1a(const void *p, size_t n, uint64_t h);
#define TB_FNV_INIT 0xcbf29ce484222325ull

#endif
