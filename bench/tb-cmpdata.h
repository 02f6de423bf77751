/* tb-cmpdata.h - what compare and history read from a database
 * (compare-load.c): a run named by reference, and its cases with their
 * per-iteration samples. */
#ifndef TB_CMPDATA_H
#define TB_CMPDATA_H

#include <stdint.h>

struct tb_store;

typedef struct tb_cmp_case {
    int64_t id;
    char *key, *status, *flags;
    double *ns;     /* per-iteration times of the repetitions, ns */
    int n;
} tb_cmp_case;

typedef struct tb_cmp_side {
    const char *db;          /* the file it came from */
    int64_t run_id;
    char fingerprint[96], commit[48], suite[64], started[40];
    tb_cmp_case *cases;
    int ncases;
} tb_cmp_side;

/* Resolve REF in the store: a run id, "last", "last~N" (N runs before the
 * latest) or a git commit prefix (4 to 40 hex digits: that commit's latest
 * run).  0, or -1 with a one-line reason in err. */
int tb_cmp_resolve(struct tb_store *s, const char *ref, int64_t *run_id, char *err, int errlen);
/* Load the run's identity and cases (samples of ok cases).  0, or -1 with
 * err set. */
int tb_cmp_load(struct tb_store *s, const char *db, int64_t run_id, tb_cmp_side *out, char *err, int errlen);
void tb_cmp_side_free(tb_cmp_side *side);
/* The case with key, or NULL. */
const tb_cmp_case *tb_cmp_find(const tb_cmp_side *side, const char *key);

/* Median of the case's samples, NAN when it has none (or out of memory). */
double tb_cmp_median(const tb_cmp_case *c);

/* `compare --machines` (compare-machines.c): every machine's latest median
 * per case key in DB and its ratio to the reference machine (REF: a
 * fingerprint prefix or a host-name substring; NULL: the first machine),
 * only keys matching FILTER when given (already validated).  Markdown or
 * JSON on stdout; returns the exit code. */
int tb_cmp_machines(const char *db, const char *ref, const char *filter, int json);

#endif
