/* tb-workload.h - what the runner knows of a workload (the third seam).
 *
 * A case is one measurable configuration: the generic part every case has
 * (backend, ISA, threads, cache mode, interleaving group) plus a parameter
 * record the workload owns (matmul: format, rows, cols, n, ...; decoder:
 * model, test, context, batch).  The workload declares the record's fields
 * (tb_param_decl); from that declaration the harness derives the case key
 * and stores the fields as rows of `case_params` (with a per-workload view
 * v_params_<workload>), so a new workload adds parameters without touching
 * the harness or the schema.
 *
 * The runner drives each case: setup -> verify -> calibrate -> warm-up ->
 * repetitions of run(ctx, iters) -> teardown.  A workload never sees the
 * store or the samplers. */
#ifndef TB_WORKLOAD_H
#define TB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include "tb-counts.h"

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
const char *tb_cache_mode_name(tb_cache_mode m); /* "", "hot", "cold" */

/* One field of a workload's parameter record. */
typedef enum tb_param_type { TB_PARAM_INT, TB_PARAM_REAL, TB_PARAM_TEXT } tb_param_type;
typedef struct tb_param_decl {
    const char *name;   /* column of v_params_<workload>: [a-z0-9_]+ */
    tb_param_type type; /* INT: int64_t, REAL: double, TEXT: char[size] */
    size_t offset;      /* offsetof(record, field) */
    size_t size;        /* sizeof the field */
    const char *key;    /* printf format of its part of the case key (one
                         * conversion: %lld, %g or %s), NULL = not in the key */
} tb_param_decl;

#define TB_PARAM_BYTES 512

typedef struct tb_case {
    const struct tb_workload *wl;
    char key[192];      /* unique per run: derived by tb_case_finish() */
    char backend[40];   /* kernel variant or probe name */
    char isa[24];       /* ISA the variant uses: "scalar", "avx512vnni" */
    int threads;
    tb_cache_mode cache;
    char group[160];    /* cases measured interleaved, round by round; "" = alone */
    int baseline;       /* 1: the group's baseline (paired ratios are over it) */
    double mem_budget;  /* bytes this case may use for cold copies (0 = none given) */
    const void *spec;   /* workload-private description (static lifetime) */
    _Alignas(16) unsigned char params[TB_PARAM_BYTES]; /* the workload's record */
} tb_case;

/* What setup reports besides success: facts of this case that the store
 * keeps as flags and metrics (e.g. a cold case that could not defeat the
 * caches says so with the bytes it managed). */
#define TB_SETUP_FACTS 24
typedef struct tb_setup_info {
    char why[256];        /* on failure: the reason */
    char flags[96];       /* comma list, e.g. "cold_partial" */
    char flags_reason[256];
    struct { char name[32]; double value; char unit[16]; char note[128]; } facts[TB_SETUP_FACTS];
    int nfacts;
} tb_setup_info;

/* One timed step of a decoder iteration (a prefill of the prompt, or one
 * decode step producing a token per sequence of the batch). */
typedef enum tb_step_phase { TB_STEP_PREFILL = 0, TB_STEP_DECODE = 1 } tb_step_phase;
typedef struct tb_step {
    int64_t ns;        /* wall time of the step (tb_plat_now_ns difference) */
    int32_t n_tokens;  /* tokens consumed (prefill) or produced (decode: batch) */
    int32_t phase;     /* tb_step_phase */
} tb_step;

typedef struct tb_workload {
    const char *name;     /* "bandwidth", "peak", "matmul" */
    const char *version;  /* bumped when the measured work changes */
    const char *key_name; /* first part of the case key ("bw", "matmul") */
    int key_backend;      /* 1: the backend is the key's second part */
    const tb_param_decl *params;
    int nparams;
    int min_reps;         /* at least this many repetitions (ceilings: best of many) */
    /* Allocate and initialise; 0 or -errno with info->why.  -E2BIG (the
     * case needs more memory than the machine has, computed before
     * allocating) is stored as "does_not_fit"; any other failure, a failed
     * allocation included, as "error". */
    int (*setup)(const tb_case *c, void **ctx, tb_setup_info *info);
    /* (optional) compare with the scalar reference; NULL = not applicable.
     * A negative return means the check could not run (an error, or
     * -E2BIG: the reference needs more memory than the machine has), which
     * is never a wrong result. */
    int (*verify)(void *ctx, tb_verdict *v);
    /* The timed region: `iters` iterations, no malloc, no I/O. */
    void (*run)(void *ctx, uint64_t iters);
    /* Analytic counts of one iteration (tb-counts.h). */
    void (*counts)(void *ctx, tb_counts *out);
    void (*teardown)(void *ctx);
    /* (optional) the steps of the last iteration run() timed, in order;
     * the runner stores them after every repetition as `tokens` rows.
     * Returns their count; *out stays valid until the next run().  The
     * workload records them into memory allocated in setup (no malloc
     * and no I/O inside run()). */
    int64_t (*steps)(void *ctx, const tb_step **out);
} tb_workload;

/* Parameter records: the workload's struct lives in c->params. */
#define TB_CASE_PARAMS(c, type) ((type *)(void *)(c)->params)
#define TB_CASE_CPARAMS(c, type) ((const type *)(const void *)(c)->params)

/* Derive c->key from the workload's declaration: key_name[/backend]/
 * <key params...>/t<threads>[/hot|/cold].  0, or -ENAMETOOLONG. */
int tb_case_finish(tb_case *c);
/* Format declared field `d` of c's record into buf (for keys, JSON). */
void tb_param_format(const tb_case *c, const tb_param_decl *d, char *buf, size_t len);

/* FNV-1a 64 over bytes (for output checksums). */
uint64_t tb_fnv1a(const void *p, size_t n, uint64_t h);
#define TB_FNV_INIT 0xcbf29ce484222325ull

#endif
