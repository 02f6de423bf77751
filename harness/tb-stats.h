/* tb-stats.h - robust summary statistics of repetition samples.
 * Pure functions over arrays; no allocation beyond a sorted copy. */
#ifndef TB_STATS_H
#define TB_STATS_H

#include <stddef.h>

typedef struct tb_stats {
    int n;
    double min, q1, median, q3, max;
    double mean, stddev;      /* stddev with n-1; NAN when n < 2 */
    double cv;                /* stddev / mean */
    double mad;               /* median |x - median| * 1.4826 */
    double mdape;             /* median |x - median| / median */
    double ci_lo, ci_hi;      /* 95% CI of the median from order statistics; NAN when n < 6 */
    int outliers_tukey_mild;  /* beyond 1.5 IQR */
    int outliers_tukey_severe;/* beyond 3 IQR */
    int outliers_modz;        /* |modified z| > 3.5 */
} tb_stats;

/* Quantile with linear interpolation between order statistics (R type 7)
 * of a SORTED array. */
double tb_stats_quantile_sorted(const double *sorted, int n, double p);
/* Fill *s from n samples (x is not modified).  0 or -EINVAL/-ENOMEM. */
int tb_stats_compute(const double *x, int n, tb_stats *s);
/* 1-based order-statistic rank k of the 95% CI of the median:
 * the largest k with P(Bin(n, 1/2) < k) <= 0.025; 0 when n < 6. */
int tb_stats_median_ci_rank(int n);
/* Outlier label of one value: "", "mild", "severe" (Tukey) with "+modz". */
const char *tb_stats_outlier_label(const tb_stats *s, double v, char *buf, size_t len);

/* Stability flags (comma-separated words into buf, "" if none). */
typedef struct tb_stability_in {
    const tb_stats *wall;      /* per-iteration wall time stats */
    double min_rep_ns;         /* shortest repetition */
    double clock_res_ns;
    double max_steal_frac;     /* max over reps of steal / wall */
    int migrations;            /* reps whose CPU changed */
    double first_rep_modz;     /* modified z of rep 1 */
} tb_stability_in;
const char *tb_stats_flags(const tb_stability_in *in, char *buf, size_t len, char *why, size_t wlen);

#endif
