/* test-stats.c - harness/stats.c against hand-computed values. */
#include "tb-stats.h"
#include "tb-test.h"

#include <string.h>

int main(void)
{
    /* x = 1..9, 100: worked by hand (see comments for each figure). */
    double x[10] = {9, 2, 100, 4, 5, 6, 7, 8, 3, 1};
    tb_stats s;
    CHECK(tb_stats_compute(x, 10, &s) == 0);
    CHECK(s.n == 10);
    CHECK_NEAR(s.min, 1, 0);
    CHECK_NEAR(s.max, 100, 0);
    CHECK_NEAR(s.median, 5.5, 1e-12);  /* h = 4.5 between 5 and 6 */
    CHECK_NEAR(s.q1, 3.25, 1e-12);     /* h = 2.25 between 3 and 4 */
    CHECK_NEAR(s.q3, 7.75, 1e-12);     /* h = 6.75 between 7 and 8 */
    CHECK_NEAR(s.mean, 14.5, 1e-12);   /* 145 / 10 */
    CHECK_NEAR(s.stddev, 30.15239073, 1e-7); /* sqrt(8182.5 / 9) */
    CHECK_NEAR(s.cv, 30.15239073 / 14.5, 1e-7);
    CHECK_NEAR(s.mad, 2.5 * 1.4826, 1e-12);  /* median |x - 5.5| = 2.5 */
    CHECK_NEAR(s.mdape, 2.5 / 5.5, 1e-12);
    CHECK_NEAR(s.ci_lo, 2, 0);          /* k = 2: P(Bin(10,.5) < 2) = 11/1024 */
    CHECK_NEAR(s.ci_hi, 9, 0);          /* x(n+1-k) = x(9) */
    CHECK(s.outliers_tukey_severe == 1); /* 100 > q3 + 3 IQR = 21.25 */
    CHECK(s.outliers_tukey_mild == 0);
    CHECK(s.outliers_modz == 1);         /* 0.6745 * 94.5 / 2.5 = 25.5 */
    char lab[16];
    CHECK(strcmp(tb_stats_outlier_label(&s, 100, lab, sizeof lab), "severe+modz") == 0);
    CHECK(strcmp(tb_stats_outlier_label(&s, 5, lab, sizeof lab), "") == 0);

    /* Order-statistic CI ranks: n = 6 -> 1 (1/64 <= .025 < 7/64);
     * n = 20 -> 6 (P(X<6) = .0207, P(X<7) = .0577); n = 5 -> none. */
    CHECK(tb_stats_median_ci_rank(5) == 0);
    CHECK(tb_stats_median_ci_rank(6) == 1);
    CHECK(tb_stats_median_ci_rank(10) == 2);
    CHECK(tb_stats_median_ci_rank(20) == 6);
    CHECK(tb_stats_median_ci_rank(100) == 40); /* normal approx 50 - 1.96*5 = 40.2 */

    /* Small n: no CI, no stddev for n = 1. */
    double one = 42;
    CHECK(tb_stats_compute(&one, 1, &s) == 0);
    CHECK(isnan(s.stddev) && isnan(s.ci_lo));
    CHECK_NEAR(s.median, 42, 0);
    CHECK(tb_stats_compute(x, 0, &s) < 0);

    /* Stable data: quantiles on an even spread. */
    double y[4] = {10, 20, 30, 40};
    CHECK(tb_stats_compute(y, 4, &s) == 0);
    CHECK_NEAR(s.median, 25, 1e-12);
    CHECK_NEAR(s.q1, 17.5, 1e-12);
    CHECK_NEAR(s.stddev, 12.90994449, 1e-7); /* sqrt(500/3) */

    /* Flags with reasons. */
    tb_stats w;
    double z[6] = {100, 101, 99, 100, 150, 100};
    tb_stats_compute(z, 6, &w);
    tb_stability_in in = {.wall = &w, .min_rep_ns = 5e5, .clock_res_ns = 1, .max_steal_frac = 0.05,
                          .migrations = 2, .first_rep_modz = 0};
    char flags[128], why[512];
    tb_stats_flags(&in, flags, sizeof flags, why, sizeof why);
    CHECK(strcmp(flags, "unstable,too_short,vm_steal,migrated") == 0);
    CHECK(strstr(why, "steal 5.0%") != NULL);
    CHECK(strstr(why, "2 repetition(s) changed CPU") != NULL);
    tb_stability_in ok = {.wall = &s, .min_rep_ns = 2e7, .clock_res_ns = 1};
    double q[6] = {100, 100.5, 99.5, 100, 100.2, 99.9};
    tb_stats_compute(q, 6, &s);
    tb_stats_flags(&ok, flags, sizeof flags, why, sizeof why);
    CHECK(flags[0] == 0);
    TEST_DONE();
}
