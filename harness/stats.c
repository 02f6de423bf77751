/* stats.c - robust statistics for repetition samples (see tb-stats.h).
 * Thresholds: unstable when CV or MdAPE > 5 % (nanobench); too_short when
 * the shortest repetition is < 1 ms or < 1000 clock ticks; vm_steal when
 * steal exceeds 2 % of a repetition; Tukey fences 1.5/3 IQR; modified z
 * (Iglewicz-Hoaglin) > 3.5. */
#include "tb-stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tb_stats_quantile_sorted(const double *s, int n, double p)
{
    if (n <= 0)
        return NAN;
    if (n == 1)
        return s[0];
    double h = (n - 1) * p;
    int lo = (int)floor(h);
    if (lo >= n - 1)
        return s[n - 1];
    return s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
}

int tb_stats_median_ci_rank(int n)
{
    if (n < 6)
        return 0;
    /* P(Bin(n,1/2) < k) = sum_{i<k} C(n,i) / 2^n, accumulated in logs. */
    int best = 0;
    double cdf = 0.0;
    for (int k = 1; k <= n / 2 + 1; k++) {
        double logc = lgamma(n + 1.0) - lgamma(k) - lgamma(n - k + 2.0); /* C(n, k-1) */
        cdf += exp(logc - n * log(2.0));
        if (cdf <= 0.025 + 1e-12)
            best = k;
        else
            break;
    }
    return best;
}

int tb_stats_compute(const double *x, int n, tb_stats *s)
{
    if (!x || n <= 0 || !s)
        return -EINVAL;
    memset(s, 0, sizeof *s);
    double *v = malloc((size_t)n * sizeof *v), *d = malloc((size_t)n * sizeof *d);
    if (!v || !d) {
        free(v);
        free(d);
        return -ENOMEM;
    }
    memcpy(v, x, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s->n = n;
    s->min = v[0];
    s->max = v[n - 1];
    s->q1 = tb_stats_quantile_sorted(v, n, 0.25);
    s->median = tb_stats_quantile_sorted(v, n, 0.5);
    s->q3 = tb_stats_quantile_sorted(v, n, 0.75);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    s->mean = sum / n;
    if (n >= 2) {
        double ss = 0;
        for (int i = 0; i < n; i++)
            ss += (v[i] - s->mean) * (v[i] - s->mean);
        s->stddev = sqrt(ss / (n - 1));
        s->cv = s->mean != 0 ? s->stddev / s->mean : NAN;
    } else {
        s->stddev = NAN;
        s->cv = NAN;
    }
    for (int i = 0; i < n; i++)
        d[i] = fabs(v[i] - s->median);
    qsort(d, (size_t)n, sizeof *d, cmp_double);
    double mad_raw = tb_stats_quantile_sorted(d, n, 0.5);
    s->mad = mad_raw * 1.4826;
    s->mdape = s->median != 0 ? mad_raw / fabs(s->median) : NAN;
    int k = tb_stats_median_ci_rank(n);
    if (k > 0) {
        s->ci_lo = v[k - 1];
        s->ci_hi = v[n - k];
    } else {
        s->ci_lo = s->ci_hi = NAN;
    }
    double iqr = s->q3 - s->q1;
    for (int i = 0; i < n; i++) {
        double y = v[i];
        if (y < s->q1 - 3 * iqr || y > s->q3 + 3 * iqr)
            s->outliers_tukey_severe++;
        else if (y < s->q1 - 1.5 * iqr || y > s->q3 + 1.5 * iqr)
            s->outliers_tukey_mild++;
        if (mad_raw > 0 && fabs(0.6745 * (y - s->median) / mad_raw) > 3.5)
            s->outliers_modz++;
    }
    free(v);
    free(d);
    return 0;
}

const char *tb_stats_outlier_label(const tb_stats *s, double y, char *buf, size_t len)
{
    double iqr = s->q3 - s->q1, mad_raw = s->mad / 1.4826;
    const char *t = "";
    if (y < s->q1 - 3 * iqr || y > s->q3 + 3 * iqr)
        t = "severe";
    else if (y < s->q1 - 1.5 * iqr || y > s->q3 + 1.5 * iqr)
        t = "mild";
    int modz = mad_raw > 0 && fabs(0.6745 * (y - s->median) / mad_raw) > 3.5;
    snprintf(buf, len, "%s%s%s", t, (*t && modz) ? "+" : "", modz ? "modz" : "");
    return buf;
}

static void add_flag(char *buf, size_t len, const char *flag, char *why, size_t wlen, const char *reason)
{
    size_t o = strlen(buf);
    snprintf(buf + o, len - o, "%s%s", o ? "," : "", flag);
    o = strlen(why);
    snprintf(why + o, wlen - o, "%s%s: %s", o ? "; " : "", flag, reason);
}

const char *tb_stats_flags(const tb_stability_in *in, char *buf, size_t len, char *why, size_t wlen)
{
    char r[160];
    buf[0] = 0;
    why[0] = 0;
    const tb_stats *w = in->wall;
    if (w && w->n >= 2 && ((w->cv > 0.05) || (w->mdape > 0.05))) {
        snprintf(r, sizeof r, "CV %.1f%%, MdAPE %.1f%% (limit 5%%)", 100 * w->cv, 100 * w->mdape);
        add_flag(buf, len, "unstable", why, wlen, r);
    }
    if (in->min_rep_ns < 1e6 || in->min_rep_ns < 1000 * in->clock_res_ns) {
        snprintf(r, sizeof r, "shortest repetition %.3f ms (< 1 ms or 1000 clock ticks)", in->min_rep_ns / 1e6);
        add_flag(buf, len, "too_short", why, wlen, r);
    }
    if (in->max_steal_frac > 0.02) {
        snprintf(r, sizeof r, "steal %.1f%% of a repetition (limit 2%%)", 100 * in->max_steal_frac);
        add_flag(buf, len, "vm_steal", why, wlen, r);
    }
    if (in->migrations > 0) {
        snprintf(r, sizeof r, "%d repetition(s) changed CPU", in->migrations);
        add_flag(buf, len, "migrated", why, wlen, r);
    }
    if (in->first_rep_modz > 3.5) {
        snprintf(r, sizeof r, "first repetition modified z %.1f > 3.5", in->first_rep_modz);
        add_flag(buf, len, "warmup_short", why, wlen, r);
    }
    return buf;
}
