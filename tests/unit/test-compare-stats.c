/* test-compare-stats.c - the comparison statistics (harness/compare-stats.c)
 * against values computed by hand: exact Mann-Whitney p-values of small
 * samples (the U distribution of 3 against 3 is 1,1,2,3,3,3,3,2,1,1 over
 * 20 arrangements), the published two-sided 5 % critical value of 10
 * against 10 (U <= 23), the normal approximation with ties, Holm's
 * adjustment, the Moses CI of a ratio, verdicts at the band's edges, the
 * geometric mean's CI and the noise floor of an A/A comparison. */
#include "tb-compare.h"
#include "tb-test.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int main(void)
{
    tb_mwu m;
    /* all of b above all of a: U = 0, P(U <= 0) = 1/20, two-sided 0.1 */
    double a1[] = {1, 2, 3}, b1[] = {4, 5, 6};
    CHECK(tb_mwu_test(a1, 3, b1, 3, &m) == 0);
    CHECK(m.exact == 1);
    CHECK_NEAR(m.u, 0, 0);
    CHECK_NEAR(m.p, 0.1, 1e-12);
    CHECK(tb_mwu_test(b1, 3, a1, 3, &m) == 0);
    CHECK_NEAR(m.u, 9, 0);
    CHECK_NEAR(m.p, 0.1, 1e-12);
    /* interleaved: U = 3 (3>2, 5>2, 5>4); P(U <= 3) = 7/20, P(U >= 3) = 16/20 -> p = 0.7 */
    double a2[] = {1, 3, 5}, b2[] = {2, 4, 6};
    CHECK(tb_mwu_test(a2, 3, b2, 3, &m) == 0);
    CHECK_NEAR(m.u, 3, 0);
    CHECK_NEAR(m.p, 0.7, 1e-12);
    /* 2 against 3, all below: 1/C(5,2) = 0.1 one-sided, 0.2 two-sided */
    double a3[] = {1, 2}, b3[] = {3, 4, 5};
    CHECK(tb_mwu_test(a3, 2, b3, 3, &m) == 0);
    CHECK_NEAR(m.p, 0.2, 1e-12);
    /* exact CDF: the table's critical value for 10 vs 10 at 5 % two-sided is 23 */
    CHECK(tb_mwu_cdf(10, 10, 23) <= 0.025);
    CHECK(tb_mwu_cdf(10, 10, 24) > 0.025);
    CHECK_NEAR(tb_mwu_cdf(3, 3, 3), 7.0 / 20, 1e-12);
    CHECK(isnan(tb_mwu_cdf(200, 200, 1)));
    /* ties: a = 1,2,2,3, b = 2,3,3,4.  U = 0 + 0.5 + 0.5 + (1 + 0.5 + 0.5) = 3;
     * mu = 8; tie groups {2 x3, 3 x3}: sum(t^3 - t) = 48;
     * var = 16/12 * (9 - 48/56) = 10.857142857; z = (|3 - 8| - 0.5) / sqrt(var) = 1.365698;
     * p = erfc(z / sqrt 2) = 0.172034 */
    double a4[] = {1, 2, 2, 3}, b4[] = {2, 3, 3, 4};
    CHECK(tb_mwu_test(a4, 4, b4, 4, &m) == 0);
    CHECK(m.exact == 0);
    CHECK_NEAR(m.u, 3, 1e-12);
    CHECK_NEAR(m.p, 0.172034, 1e-6);
    /* every value equal: no evidence, p = 1 */
    double e[] = {5, 5, 5};
    CHECK(tb_mwu_test(e, 3, e, 3, &m) == 0);
    CHECK_NEAR(m.p, 1.0, 0);
    double bad[] = {1, NAN};
    CHECK(tb_mwu_test(bad, 2, e, 3, &m) < 0);
    CHECK(tb_mwu_test(a1, 0, e, 3, &m) < 0);

    /* Holm: p = .01 .04 .03 .005 -> sorted .005 .01 .03 .04 times 4 3 2 1 =
     * .02 .03 .06 .04, running max .02 .03 .06 .06 */
    double p[] = {0.01, 0.04, 0.03, 0.005, NAN}, adj[5];
    tb_holm(p, 5, adj);
    CHECK_NEAR(adj[0], 0.03, 1e-12);
    CHECK_NEAR(adj[1], 0.06, 1e-12);
    CHECK_NEAR(adj[2], 0.06, 1e-12);
    CHECK_NEAR(adj[3], 0.02, 1e-12);
    CHECK(isnan(adj[4]));
    double big[] = {0.5, 0.6};
    tb_holm(big, 2, big); /* in place; capped at 1 */
    CHECK_NEAR(big[0], 1.0, 0);
    CHECK_NEAR(big[1], 1.0, 0);

    /* ratio CI: a = 1..4, b = 2a.  Medians 2.5 and 5: ratio 2.  4 vs 4: P(U <= 0)
     * = 1/70 <= .025 < P(U <= 1) = 2/70, so k = 1: [min, max] of b_j/a_i = [2/4, 8/1].
     * The 16 ratios' middle two are both 2: Hodges-Lehmann 2. */
    double a5[] = {1, 2, 3, 4}, b5[] = {2, 4, 6, 8};
    tb_ratio_ci r;
    CHECK(tb_ratio_ci_compute(a5, 4, b5, 4, 0.95, &r) == 0);
    CHECK_NEAR(r.ratio, 2.0, 1e-12);
    CHECK_NEAR(r.hl, 2.0, 1e-12);
    CHECK_NEAR(r.lo, 0.5, 1e-12);
    CHECK_NEAR(r.hi, 8.0, 1e-12);
    /* 3 vs 3 cannot reach 95 %: NAN bounds */
    CHECK(tb_ratio_ci_compute(a1, 3, b1, 3, 0.95, &r) == 0);
    CHECK(isnan(r.lo) && isnan(r.hi));
    CHECK(tb_ratio_ci_compute(e, 3, bad, 2, 0.95, &r) < 0);
    /* 10 vs 10, b = 1.5 a with a = 1..10: k = 24; the 24th smallest of the 100
     * ratios 1.5 j / i must be above 1 (all 45 pairs j > i ... give > 1.5) */
    double a6[10], b6[10];
    for (int i = 0; i < 10; i++) {
        a6[i] = 100 + i;     /* a tight sample */
        b6[i] = 1.5 * (100 + i);
    }
    CHECK(tb_ratio_ci_compute(a6, 10, b6, 10, 0.95, &r) == 0);
    CHECK_NEAR(r.ratio, 1.5, 1e-12);
    CHECK(r.lo > 1.4 && r.lo < 1.5 && r.hi > 1.5 && r.hi < 1.6);

    /* verdicts, threshold 5 %: band [1/1.05, 1.05] */
    tb_ratio_ci v = {.ratio = 1.2, .lo = 1.1, .hi = 1.3};
    CHECK(tb_cmp_verdict_of(&v, 0.01, 0.05, 0.05, 0) == TB_CMP_SLOWER);
    CHECK(tb_cmp_verdict_of(&v, 0.2, 0.05, 0.05, 0) == TB_CMP_AMBIGUOUS); /* not significant after Holm */
    CHECK(tb_cmp_verdict_of(&v, 0.2, 0.05, 0.05, 1) == TB_CMP_UNSTABLE);
    CHECK(tb_cmp_verdict_of(&v, 0.01, 0.05, 0.25, 0) == TB_CMP_AMBIGUOUS); /* within a 25 % threshold */
    v = (tb_ratio_ci){.ratio = 0.8, .lo = 0.7, .hi = 0.9};
    CHECK(tb_cmp_verdict_of(&v, 0.01, 0.05, 0.05, 0) == TB_CMP_FASTER);
    v = (tb_ratio_ci){.ratio = 1.0, .lo = 0.97, .hi = 1.04};
    CHECK(tb_cmp_verdict_of(&v, 0.5, 0.05, 0.05, 1) == TB_CMP_SAME);
    v = (tb_ratio_ci){.ratio = 1.0, .lo = 0.97, .hi = 1.06};
    CHECK(tb_cmp_verdict_of(&v, 0.5, 0.05, 0.05, 0) == TB_CMP_AMBIGUOUS);
    v = (tb_ratio_ci){.ratio = 1.0, .lo = NAN, .hi = NAN};
    CHECK(tb_cmp_verdict_of(&v, 0.5, 0.05, 0.05, 0) == TB_CMP_UNSTABLE);
    CHECK(!strcmp(tb_cmp_verdict_name(TB_CMP_SLOWER), "slower"));

    /* geometric mean of 2 and 1/2 is 1; each se 0.1 in logs -> suite se
     * sqrt(0.02)/2, CI exp(+-1.95996 * 0.0707107) = [0.8705846, 1.1486535] */
    double rr[] = {2, 0.5}, lo[2], hi[2], gm, gl, gh;
    for (int i = 0; i < 2; i++) {
        lo[i] = rr[i] * exp(-1.959963984540054 * 0.1);
        hi[i] = rr[i] * exp(1.959963984540054 * 0.1);
    }
    CHECK(tb_geomean_ci(rr, lo, hi, 2, &gm, &gl, &gh) == 0);
    CHECK_NEAR(gm, 1.0, 1e-12);
    CHECK_NEAR(gl, 0.8705846, 1e-6);
    CHECK_NEAR(gh, 1.1486535, 1e-6);
    CHECK(tb_geomean_ci(rr, lo, hi, 0, &gm, &gl, &gh) < 0);

    tb_ratio_ci aa = {.ratio = 1.0, .lo = 0.97, .hi = 1.02};
    CHECK_NEAR(tb_noise_floor_of(&aa), 0.03, 1e-12);

    /* paired rounds (ab): binomial tails, sign test, order-statistic CI */
    CHECK_NEAR(tb_binom_half_cdf(8, 0), 1.0 / 256, 1e-15);
    CHECK_NEAR(tb_binom_half_cdf(10, 2), 56.0 / 1024, 1e-14);
    CHECK(tb_binom_half_cdf(5, 5) == 1.0 && tb_binom_half_cdf(5, -1) == 0.0);
    double up[8] = {1.3, 1.25, 1.31, 1.28, 1.35, 1.29, 1.27, 1.33};
    tb_paired pr;
    CHECK(tb_paired_compute(up, 8, &pr) == 0);
    CHECK(pr.n == 8);
    CHECK_NEAR(pr.p, 2.0 / 256, 1e-15);        /* all 8 above 1 */
    CHECK_NEAR(pr.median, 1.295, 1e-12);
    CHECK_NEAR(pr.lo, 1.25, 1e-12);            /* n = 8: rank 1, the extremes */
    CHECK_NEAR(pr.hi, 1.35, 1e-12);
    double mixed[6] = {1.0, 0.9, 1.1, 0.95, 1.05, 1.0}; /* two ties dropped: 2 above, 2 below */
    CHECK(tb_paired_compute(mixed, 6, &pr) == 0);
    CHECK_NEAR(pr.p, 1.0, 1e-12);
    double few[3] = {1.2, 1.3, 1.4};
    CHECK(tb_paired_compute(few, 3, &pr) == 0 && isnan(pr.lo) && isnan(pr.hi)); /* too few for a 95 % CI */
    double badq[2] = {1.0, 0.0};
    CHECK(tb_paired_compute(badq, 2, &pr) == -EINVAL);
    CHECK(tb_paired_compute(badq, 0, &pr) == -EINVAL);
    TEST_DONE();
}
