/* tb-ceilings.h - the machine ceilings a run measured (read bandwidth at
 * sizes from cache-resident to DRAM, compute peaks), and the choice of the
 * ceiling a case is judged against.  A ceiling is the best sustained
 * repetition of its probe (not the median); probes run at the start and at
 * the end of a suite, both are kept, and the higher is the ceiling (matmul
 * and decoder cases measured before the end probes are derived again once
 * they are in: bench/run-measure.c).  A
 * case faster than its ceiling by more than TB_CEILING_SUSPECT is flagged
 * ceiling_suspect instead of being shown above 100%. */
#ifndef TB_CEILINGS_H
#define TB_CEILINGS_H

#include <stdint.h>
#include "tb-workload.h"

#define TB_CEILING_SUSPECT 1.05
#define TB_CEILINGS_MAX 256

/* TB_CEIL_PEAK_TERN: the ternary AVX2 GEMM step (vpmaddubsw + vpaddw, int16
 * sums), which the int8 multiply-add peak does not bound. */
typedef enum tb_ceil_kind { TB_CEIL_READ_BW, TB_CEIL_PEAK_FP32, TB_CEIL_PEAK_INT8, TB_CEIL_PEAK_TERN } tb_ceil_kind;

typedef struct tb_ceiling_obs {
    tb_ceil_kind kind;
    int threads;
    double bytes;       /* bandwidth probes: bytes read per pass (array size) */
    int end;            /* 0 measured at the start of the suite, 1 at the end */
    double best;        /* GB/s or GOP/s of the fastest repetition */
    double median;
    char key[96];
    char isa[24];       /* the probe's ISA level (peaks: the one a variant is matched to) */
} tb_ceiling_obs;

typedef struct tb_ceilings {
    tb_ceiling_obs v[TB_CEILINGS_MAX];
    int n;
    double llc_bytes;   /* last-level cache the machine reports (<= 0: unknown) */
} tb_ceilings;

typedef struct tb_ceiling_pick {
    int found;
    double value;       /* max(start, end) */
    double start, end;  /* NAN when that phase is missing */
    double bytes;       /* the probe's size (bandwidth) */
    char key[96];
    char note[200];     /* what it is and why it was chosen */
} tb_ceiling_pick;

void tb_ceilings_init(tb_ceilings *c, double llc_bytes);
int tb_ceilings_add(tb_ceilings *c, const tb_ceiling_obs *o);
/* Bandwidth ceiling for a case at `threads`: COLD -> the largest read
 * probe beyond the LLC (DRAM); HOT -> the smallest cache-resident read
 * probe (<= LLC/2) at least as large as the case's weights, else the
 * largest cache-resident one when the weights still fit the LLC, else
 * DRAM.  0 found, -ENOENT none. */
int tb_ceiling_bandwidth(const tb_ceilings *c, int threads, tb_cache_mode cache, double weight_bytes,
                         tb_ceiling_pick *out);
/* Compute-peak ceiling of `kind` at `threads` measured at ISA level `isa`
 * (the probe level of the case's variant, tb_probe_peak_isa); with isa
 * NULL or "", or no probe of that level in the run, the fastest probe of
 * the kind, and the note says so.  0 found, -ENOENT none. */
int tb_ceiling_peak(const tb_ceilings *c, tb_ceil_kind kind, int threads, const char *isa, tb_ceiling_pick *out);
/* 1 when a measured rate beats the ceiling by more than TB_CEILING_SUSPECT. */
static inline int tb_ceiling_suspect(double rate, double ceiling)
{
    return ceiling > 0 && rate > ceiling * TB_CEILING_SUSPECT;
}

#endif
