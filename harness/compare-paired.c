/* compare-paired.c - statistics of paired A/B rounds (see tb-compare.h):
 * the median per-round ratio with its order-statistic CI and the exact
 * sign test.  Distribution-free: each round's ratio already cancels what
 * the host did to both sides inside the round, and nothing is assumed
 * about the ratios' spread (Hollander, Wolfe & Chicken, ch. 3.4 and 3.6:
 * the sign test and the order-statistic interval that inverts it). */
#include "tb-compare.h"
#include "tb-stats.h"

#include <errno.h>
#include <math.h>

double tb_binom_half_cdf(int m, int k)
{
    if (k < 0)
        return 0.0;
    if (k >= m)
        return 1.0;
    double sum = 0;
    for (int i = 0; i <= k; i++)
        sum += exp(lgamma(m + 1.0) - lgamma(i + 1.0) - lgamma(m - i + 1.0) - m * log(2.0));
    return sum > 1 ? 1 : sum;
}

int tb_paired_compute(const double *q, int n, tb_paired *out)
{
    if (!q || n < 1 || !out)
        return -EINVAL;
    int above = 0, below = 0;
    for (int i = 0; i < n; i++) {
        if (!(q[i] > 0) || isinf(q[i]))
            return -EINVAL;
        above += q[i] > 1.0;
        below += q[i] < 1.0;
    }
    tb_stats s;
    int rc = tb_stats_compute(q, n, &s);
    if (rc < 0)
        return rc;
    out->n = n;
    out->median = s.median;
    out->lo = s.ci_lo; /* NAN when n < 6 */
    out->hi = s.ci_hi;
    int m = above + below, k = above < below ? above : below;
    double p = m ? 2.0 * tb_binom_half_cdf(m, k) : 1.0;
    out->p = p > 1 ? 1 : p;
    return 0;
}
