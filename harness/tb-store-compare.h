/* tb-store-compare.h - the store's comparison side: verdicts of `tritbench
 * compare` / `ab` (table comparisons), A/A noise floors (noise_floor) and
 * merging another tritbench database into this one (store-compare.c,
 * store-merge.c).  Writes go through the store like every other write
 * (one transaction, lock waits, one-line errors in tb_store_errmsg). */
#ifndef TB_STORE_COMPARE_H
#define TB_STORE_COMPARE_H

#include <stdint.h>
#include "tb-store.h"

/* One row of table comparisons (results/schema.sql says what each means);
 * NAN reals and NULL/"" texts are stored as NULL, ids <= 0 as NULL. */
typedef struct tb_comparison {
    const char *kind;                 /* compare | ab | aa */
    int64_t base_run_id, cand_run_id;
    const char *base_source, *cand_source, *base_commit, *cand_commit;
    const char *case_key, *base_fingerprint, *cand_fingerprint;
    int cross_machine;
    double base_median_ns, cand_median_ns;
    int base_n, cand_n;
    double ratio, ci_lo, ci_hi, ci_level;
    const char *ci_method;
    double p_value, p_holm, threshold, noise_floor;
    const char *verdict, *note;
} tb_comparison;

/* Store n verdicts in one transaction (creating the tables first in a
 * version-3 file written before they were added).  0 or a negative errno. */
int tb_store_comparisons(tb_store *s, const tb_comparison *rows, int n);
/* Store one A/A noise floor (floor NAN: too few rounds, note says why). */
int tb_store_noise_floor(tb_store *s, const char *fingerprint, const char *case_key, double floor, int rounds,
                         const char *method, const char *note);
/* The latest noise floor of (fingerprint, case_key), NAN when none (or
 * when the table is absent). */
double tb_store_noise_floor_get(tb_store *s, const char *fingerprint, const char *case_key);

/* Merge every run of the tritbench database at in_path into s (opened for
 * writing), in one transaction: machines matched by fingerprint, builds by
 * binary hash (or commit + FNV for migrated rows), runs already present
 * (same machine, start time, suite and argv) skipped, new ids for all the
 * rest, noise floors copied.  The input is only read: a file at an older
 * schema version is upgraded in a temporary copy; a newer one, or a file
 * that is not a tritbench database, is refused.  On any failure nothing is
 * written to s.  Counts in *out; conflicts (same fingerprint, different
 * host name; same binary hash, different commit) are counted and
 * described in out->conflict_text. */
typedef struct tb_merge_stats {
    int machines_added, builds_added, runs_added, runs_skipped, cases_added, floors_added;
    int conflicts;
    char conflict_text[512];
} tb_merge_stats;
int tb_store_merge(tb_store *s, const char *in_path, tb_merge_stats *out, char *err, int errlen);

/* Tables merge copies and tables it leaves out on purpose: every table of
 * the schema must be in one of the lists (tests check it). */
extern const char *const tb_merge_tables[];
extern const char *const tb_merge_skipped[];

#endif
