/* tb-compare.h - the statistics of comparing two sets of timings (one
 * case of a base run against the same case of a candidate run): the
 * Mann-Whitney U test, the distribution-free CI of the time ratio, Holm's
 * correction across cases, the verdict, the suite geometric mean.  Pure
 * functions over arrays (compare-stats.c); no I/O, no globals. */
#ifndef TB_COMPARE_H
#define TB_COMPARE_H

/* The two-sided Mann-Whitney U test of base samples a[na] against
 * candidate samples b[nb].  u = #{(i,j): a_i > b_j} + #{a_i == b_j}/2 (so
 * u near 0: the candidate is slower).  Exact null distribution when there
 * are no ties and na*nb <= TB_MWU_EXACT_MAX; else the normal
 * approximation with the tie-corrected variance and a continuity
 * correction of 1/2. */
#define TB_MWU_EXACT_MAX 10000
typedef struct tb_mwu {
    double u;
    double p;       /* two-sided p-value in [0, 1] */
    int exact;      /* 1 exact distribution, 0 normal approximation */
} tb_mwu;
/* 0, or -EINVAL (na or nb < 1, a NAN sample) / -ENOMEM. */
int tb_mwu_test(const double *a, int na, const double *b, int nb, tb_mwu *out);

/* P(U <= u) under H0 (no ties), exact, for na*nb <= TB_MWU_EXACT_MAX;
 * NAN when too large or invalid. */
double tb_mwu_cdf(int na, int nb, double u);

/* Ratio of candidate to base time, b/a > 1: the candidate is slower.
 * ratio = median(b) / median(a).  CI: exp of the distribution-free
 * (Moses / Hodges-Lehmann) confidence interval of the shift between
 * log(b) and log(a): the k-th smallest and k-th largest of the na*nb
 * pairwise differences log b_j - log a_i, with k from the exact U
 * distribution (normal approximation beyond TB_MWU_EXACT_MAX).  NAN
 * bounds when the samples are too few for the level (e.g. 3 against 3
 * cannot give 95 %). */
typedef struct tb_ratio_ci {
    double ratio, lo, hi, level;
    double hl;      /* the Hodges-Lehmann estimate exp(median of the differences) */
} tb_ratio_ci;
/* Samples must be > 0.  0, or -EINVAL / -ENOMEM. */
int tb_ratio_ci_compute(const double *a, int na, const double *b, int nb, double level, tb_ratio_ci *out);

/* Holm-Bonferroni step-down adjustment of k p-values (in place into adj;
 * p and adj may be the same array).  NAN p-values are kept NAN and not
 * counted in k. */
void tb_holm(const double *p, int k, double *adj);

/* Verdict of one case.  thr: relative slowdown that matters (0.05 = 5 %);
 * the band of "no change" is [1/(1+thr), 1+thr]. */
typedef enum {
    TB_CMP_SAME,      /* the whole CI inside the band */
    TB_CMP_FASTER,    /* significant (Holm p < alpha) and the CI below 1/(1+thr) */
    TB_CMP_SLOWER,    /* significant and the CI above 1+thr */
    TB_CMP_AMBIGUOUS, /* none of these */
    TB_CMP_UNSTABLE,  /* ambiguous, and a side was flagged unstable (or has no CI) */
} tb_cmp_verdict;
tb_cmp_verdict tb_cmp_verdict_of(const tb_ratio_ci *r, double p_holm, double alpha, double thr, int unstable);
const char *tb_cmp_verdict_name(tb_cmp_verdict v);

/* Geometric mean of k ratios with a 95 % CI: exp(mean log r); each case's
 * standard error in logs taken from its CI, se_i = (log hi - log lo) /
 * (2 * 1.96), the suite's sqrt(sum se_i^2) / k.  Cases with NAN bounds
 * count in the mean but make the CI NAN.  0, or -EINVAL when k < 1. */
int tb_geomean_ci(const double *ratio, const double *lo, const double *hi, int k, double *gm, double *gm_lo,
                  double *gm_hi);

/* Relative noise floor from an A/A comparison: the larger distance of the
 * CI bounds from 1, max(hi - 1, 1 - lo) (0.03: a 3 % band).  NAN with NAN
 * bounds. */
double tb_noise_floor_of(const tb_ratio_ci *aa);

/* Paired rounds (`tritbench ab`): q[n] are per-round time ratios
 * candidate/base of rounds that ran both sides back to back.  median,
 * its 95 % order-statistic CI (tb_stats: NAN bounds when n < 6), and the
 * exact two-sided sign test of "median ratio = 1" (rounds with q == 1
 * dropped; p = 1 when none is left).  compare-paired.c.  0, or -EINVAL
 * (n < 1, a ratio not > 0) / -ENOMEM. */
typedef struct tb_paired {
    int n;
    double median, lo, hi;
    double p;       /* sign test, two-sided */
} tb_paired;
int tb_paired_compute(const double *q, int n, tb_paired *out);
/* P(X <= k) for X ~ Bin(m, 1/2), exact (sums in logs). */
double tb_binom_half_cdf(int m, int k);

#endif
