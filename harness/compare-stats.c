/* compare-stats.c - two-sample statistics for `tritbench compare` and
 * `tritbench ab` (see tb-compare.h for each contract).  References: Mann
 * and Whitney (1947) for U and its exact null distribution (recurrence
 * f(n,m,u) = f(n-1,m,u-m) + f(n,m-1,u)); Hollander, Wolfe & Chicken,
 * Nonparametric Statistical Methods, ch. 4.3, for the tie-corrected
 * variance and the Moses CI of a shift from the ordered pairwise
 * differences; Holm (1979) for the step-down correction. */
#include "tb-compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Z975 1.959963984540054 /* standard normal 97.5 % quantile */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Counts of the exact null distribution of U for na against nb samples,
 * counts[u], u = 0..na*nb (their sum is C(na+nb, na)).  NULL when too
 * large or out of memory.  Additive recurrence over m for each n: no
 * cancellation, exact in doubles up to 2^53 and close beyond. */
static double *mwu_counts(int na, int nb)
{
    if (na < 1 || nb < 1 || (long)na * nb > TB_MWU_EXACT_MAX)
        return NULL;
    int N = na * nb + 1;
    /* prev[m][u] = f(n-1, m, u), cur[m][u] = f(n, m, u), m = 0..nb */
    double *prev = calloc((size_t)(nb + 1) * (size_t)N, sizeof *prev);
    double *cur = calloc((size_t)(nb + 1) * (size_t)N, sizeof *cur);
    double *out = malloc((size_t)N * sizeof *out);
    if (!prev || !cur || !out) {
        free(prev);
        free(cur);
        free(out);
        return NULL;
    }
    for (int m = 0; m <= nb; m++)
        prev[(size_t)m * N] = 1.0; /* f(0, m, 0) = 1 */
    for (int n = 1; n <= na; n++) {
        memset(cur, 0, (size_t)(nb + 1) * (size_t)N * sizeof *cur);
        cur[0] = 1.0; /* f(n, 0, 0) = 1 */
        for (int m = 1; m <= nb; m++) {
            double *c = cur + (size_t)m * N, *cm1 = cur + (size_t)(m - 1) * N, *p = prev + (size_t)m * N;
            for (int u = 0; u <= n * m; u++)
                c[u] = (u >= m ? p[u - m] : 0.0) + cm1[u];
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    memcpy(out, prev + (size_t)nb * N, (size_t)N * sizeof *out);
    free(prev);
    free(cur);
    return out;
}

double tb_mwu_cdf(int na, int nb, double u)
{
    double *c = mwu_counts(na, nb);
    if (!c)
        return NAN;
    double below = 0, total = 0;
    for (int i = 0; i <= na * nb; i++) {
        total += c[i];
        if (i <= u)
            below += c[i];
    }
    free(c);
    return below / total;
}

int tb_mwu_test(const double *a, int na, const double *b, int nb, tb_mwu *out)
{
    if (!a || !b || na < 1 || nb < 1 || !out)
        return -EINVAL;
    double u = 0;
    int ties = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) {
            if (isnan(a[i]) || isnan(b[j]))
                return -EINVAL;
            if (a[i] > b[j])
                u += 1;
            else if (a[i] == b[j]) {
                u += 0.5;
                ties = 1;
            }
        }
    out->u = u;
    double *c = ties ? NULL : mwu_counts(na, nb);
    if (c) {
        double total = 0, le = 0, ge = 0;
        for (int i = 0; i <= na * nb; i++) {
            total += c[i];
            if (i <= u)
                le += c[i];
            if (i >= u)
                ge += c[i];
        }
        free(c);
        double p = 2.0 * fmin(le, ge) / total;
        out->p = p > 1 ? 1 : p;
        out->exact = 1;
        return 0;
    }
    /* normal approximation; tie term sum(t^3 - t) over groups of equal values */
    int n = na + nb;
    double *all = malloc((size_t)n * sizeof *all);
    if (!all)
        return -ENOMEM;
    memcpy(all, a, (size_t)na * sizeof *all);
    memcpy(all + na, b, (size_t)nb * sizeof *all);
    qsort(all, (size_t)n, sizeof *all, cmp_double);
    double tie = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && all[j] == all[i])
            j++;
        double t = j - i;
        tie += t * t * t - t;
        i = j;
    }
    free(all);
    double mu = (double)na * nb / 2.0;
    double var = (double)na * nb / 12.0 * ((n + 1) - tie / ((double)n * (n - 1)));
    out->exact = 0;
    if (!(var > 0)) {
        out->p = 1.0; /* every value equal */
        return 0;
    }
    double z = fmax(0.0, fabs(u - mu) - 0.5) / sqrt(var);
    out->p = fmin(1.0, erfc(z / sqrt(2.0)));
    return 0;
}

/* z with P(Z > z) = tail, by bisection on erfc (monotone). */
static double normal_upper(double tail)
{
    if (fabs(tail - 0.025) < 1e-15)
        return Z975;
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > tail)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double median_of(const double *x, int n, double *tmp)
{
    memcpy(tmp, x, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

int tb_ratio_ci_compute(const double *a, int na, const double *b, int nb, double level, tb_ratio_ci *out)
{
    if (!a || !b || na < 1 || nb < 1 || !out || !(level > 0 && level < 1))
        return -EINVAL;
    for (int i = 0; i < na; i++)
        if (!(a[i] > 0))
            return -EINVAL;
    for (int j = 0; j < nb; j++)
        if (!(b[j] > 0))
            return -EINVAL;
    long N = (long)na * nb;
    double *d = malloc((size_t)N * sizeof *d);
    double *tmp = malloc((size_t)(na > nb ? na : nb) * sizeof *tmp);
    if (!d || !tmp) {
        free(d);
        free(tmp);
        return -ENOMEM;
    }
    out->level = level;
    out->ratio = median_of(b, nb, tmp) / median_of(a, na, tmp);
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            d[(long)i * nb + j] = log(b[j]) - log(a[i]);
    qsort(d, (size_t)N, sizeof *d, cmp_double);
    out->hl = exp(N % 2 ? d[N / 2] : 0.5 * (d[N / 2 - 1] + d[N / 2]));
    /* k: the largest with P(U <= k-1) <= (1-level)/2; CI = [d_(k), d_(N+1-k)] */
    double tail = (1.0 - level) / 2.0;
    long k = 0;
    double *c = mwu_counts(na, nb);
    if (c) {
        double total = 0, cum = 0;
        for (long u = 0; u <= N; u++)
            total += c[u];
        for (long u = 0; u <= N; u++) {
            cum += c[u];
            if (cum / total <= tail * (1 + 1e-12))
                k = u + 1;
            else
                break;
        }
        free(c);
    } else {
        double z = normal_upper(tail);
        k = (long)floor(N / 2.0 - z * sqrt((double)na * nb * (na + nb + 1) / 12.0));
    }
    if (k >= 1 && k <= N + 1 - k) {
        out->lo = exp(d[k - 1]);
        out->hi = exp(d[N - k]);
    } else {
        out->lo = out->hi = NAN;
    }
    free(d);
    free(tmp);
    return 0;
}

void tb_holm(const double *p, int k, double *adj)
{
    if (k < 1)
        return;
    int *idx = malloc((size_t)k * sizeof *idx);
    double *pv = malloc((size_t)k * sizeof *pv);
    if (!idx || !pv) { /* conservative fallback: Bonferroni */
        for (int i = 0; i < k; i++)
            adj[i] = isnan(p[i]) ? NAN : fmin(1.0, p[i] * k);
        free(idx);
        free(pv);
        return;
    }
    int m = 0;
    for (int i = 0; i < k; i++) {
        pv[i] = p[i];
        if (!isnan(p[i]))
            idx[m++] = i;
    }
    /* insertion sort of the m valid indices by p (k is a suite's case count) */
    for (int i = 1; i < m; i++) {
        int t = idx[i], j = i;
        while (j > 0 && pv[idx[j - 1]] > pv[t]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = t;
    }
    for (int i = 0; i < k; i++)
        adj[i] = NAN;
    double run = 0;
    for (int r = 0; r < m; r++) {
        double v = fmin(1.0, (m - r) * pv[idx[r]]);
        run = fmax(run, v);
        adj[idx[r]] = run;
    }
    free(idx);
    free(pv);
}

tb_cmp_verdict tb_cmp_verdict_of(const tb_ratio_ci *r, double p_holm, double alpha, double thr, int unstable)
{
    double up = 1.0 + thr, down = 1.0 / (1.0 + thr);
    int has_ci = !isnan(r->lo) && !isnan(r->hi);
    if (has_ci && p_holm < alpha && r->lo > up)
        return TB_CMP_SLOWER;
    if (has_ci && p_holm < alpha && r->hi < down)
        return TB_CMP_FASTER;
    if (has_ci && r->lo >= down && r->hi <= up)
        return TB_CMP_SAME;
    return unstable || !has_ci ? TB_CMP_UNSTABLE : TB_CMP_AMBIGUOUS;
}

const char *tb_cmp_verdict_name(tb_cmp_verdict v)
{
    static const char *const names[] = {"same", "faster", "slower", "ambiguous", "unstable"};
    return (unsigned)v < 5 ? names[v] : "?";
}

int tb_geomean_ci(const double *ratio, const double *lo, const double *hi, int k, double *gm, double *gm_lo,
                  double *gm_hi)
{
    if (k < 1)
        return -EINVAL;
    double sum = 0, var = 0;
    for (int i = 0; i < k; i++) {
        sum += log(ratio[i]);
        double se = (log(hi[i]) - log(lo[i])) / (2 * Z975);
        var += se * se; /* NAN propagates */
    }
    double m = sum / k, se = sqrt(var) / k;
    *gm = exp(m);
    *gm_lo = exp(m - Z975 * se);
    *gm_hi = exp(m + Z975 * se);
    return 0;
}

double tb_noise_floor_of(const tb_ratio_ci *aa)
{
    if (isnan(aa->lo) || isnan(aa->hi))
        return NAN;
    return fmax(aa->hi - 1.0, 1.0 - aa->lo);
}
