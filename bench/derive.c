/* derive.c - derived figures of a finished case, computed in memory
 * before the case's one store transaction: GB/s and GOP/s (each workload
 * only the ones that mean something: GB/s for bandwidth probes, GOP/s for
 * compute peaks, both for matmul), the ceilings a matmul case is judged
 * against (tb-ceilings.h: this run's probes, chosen by cache mode and
 * weight size; the compute peak of the variant's ISA level), its roofline share, and the ceiling_suspect flag.  Probe
 * cases feed the run's ceilings.
 * roofline % = max(bytes / read bandwidth, MACs / MAC peak) / median. */
#include "tb-bench.h"
#include "tb-params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The probe's key without its phase, so start and end observations merge. */
static void key_without_phase(char *key)
{
    char *e = strstr(key, "/end/");
    if (e)
        memmove(e, e + 4, strlen(e + 4) + 1);
}

void tb_derive_ceiling(tb_ceilings *cl, const tb_case_result *r)
{
    if (r->status != TB_STATUS_OK || !r->have_stats || isnan(r->best_ns))
        return;
    const tb_case *c = r->c;
    tb_ceiling_obs o;
    memset(&o, 0, sizeof o);
    o.threads = c->threads;
    snprintf(o.key, sizeof o.key, "%s", c->key);
    if (!strcmp(c->wl->name, "bandwidth")) {
        const tb_bw_params *p = TB_CASE_CPARAMS(c, tb_bw_params);
        if (strcmp(p->kind, "read"))
            return;
        o.kind = TB_CEIL_READ_BW;
        o.bytes = (double)p->bytes_per_array;
        o.end = p->phase[0] != 0;
        o.best = tb_result_metric_value(r, "gbps_best");
        o.median = tb_result_metric_value(r, "gbps");
    } else if (!strcmp(c->wl->name, "peak")) {
        const tb_peak_params *p = TB_CASE_CPARAMS(c, tb_peak_params);
        o.kind = !strcmp(p->kind, "int8")   ? TB_CEIL_PEAK_INT8
                 : !strcmp(p->kind, "tern") ? TB_CEIL_PEAK_TERN
                                            : TB_CEIL_PEAK_FP32;
        snprintf(o.isa, sizeof o.isa, "%s", c->isa);
        o.end = p->phase[0] != 0;
        o.best = tb_result_metric_value(r, "gops_best");
        o.median = tb_result_metric_value(r, "gops");
    } else {
        return;
    }
    key_without_phase(o.key);
    if (!isnan(o.best))
        tb_ceilings_add(cl, &o);
}

static void derive_matmul(tb_case_result *r, const tb_ceilings *cl)
{
    const tb_case *c = r->c;
    const tb_mm_params *p = TB_CASE_CPARAMS(c, tb_mm_params);
    const double med = r->st.median, bytes = tb_counts_bytes(&r->counts), ops = tb_counts_ops(&r->counts);
    const double wbytes = r->counts.v[TB_CNT_BYTES_WEIGHTS];
    const double macs = (double)p->rows * (double)p->cols * (double)p->n;
    tb_result_metric(r, "gbps", bytes / med, "GB/s", "analytic bytes (weights, activations, outputs) / median time");
    tb_result_metric(r, "weight_gbps", wbytes / med, "GB/s", "weight bytes / median time");
    tb_result_metric(r, "gops", ops / med, "GOP/s", "analytic operations (tb-counts.h kinds) / median time");

    tb_ceiling_pick bw, pk;
    int is_float = !strcmp(p->format, "fp16") || !strcmp(p->format, "bf16");
    int have_bw = tb_ceiling_bandwidth(cl, c->threads, c->cache, wbytes, &bw) == 0;
    /* the peak of the variant's own ISA level and data type: an AVX2 GEMM is
     * judged against vpmaddubsw on ymm, not AVX-512 VNNI; the ternary AVX2
     * GEMMs against their own step (int16 sums: faster than the int8 one),
     * or the int8 peak when the run has no such probe */
    const char *pisa = tb_probe_peak_isa(!is_float, c->isa);
    int have_pk = tb_probe_peak_tern(p->format, c->isa) &&
                  tb_ceiling_peak(cl, TB_CEIL_PEAK_TERN, c->threads, pisa, &pk) == 0;
    if (!have_pk)
        have_pk = tb_ceiling_peak(cl, is_float ? TB_CEIL_PEAK_FP32 : TB_CEIL_PEAK_INT8, c->threads,
                                  pisa, &pk) == 0;
    tb_result_metric(r, "bw_ceiling_gbps", have_bw ? bw.value : NAN, "GB/s",
                     have_bw ? bw.note : "no read-bandwidth probe at this thread count in this run");
    tb_result_metric(r, "bw_ceiling_mib", have_bw ? bw.bytes / 1048576.0 : NAN, "MiB",
                     have_bw ? "array size of the read probe the case is judged against" : "no read probe");
    tb_result_metric(r, "peak_ceiling_gops", have_pk ? pk.value : NAN, "GOP/s",
                     have_pk ? pk.note : "no compute-peak probe at this thread count in this run");
    if (!have_bw && !have_pk) {
        tb_result_metric(r, "roofline_pct", NAN, "%", "no ceiling measured in this run (its probes were filtered out)");
        return;
    }
    double t_mem = have_bw ? bytes / bw.value : NAN;        /* ns: bytes / (GB/s) */
    double t_cpu = have_pk ? macs / (pk.value / 2) : NAN;   /* the peak counts mul + add per MAC */
    double bound = fmax(isnan(t_mem) ? 0 : t_mem, isnan(t_cpu) ? 0 : t_cpu);
    double rate_bw = bytes / med, rate_mac = 2 * macs / med;
    int sus_bw = have_bw && tb_ceiling_suspect(rate_bw, bw.value);
    int sus_pk = have_pk && tb_ceiling_suspect(rate_mac, pk.value);
    char note[160];
    snprintf(note, sizeof note, "%s%s", (!isnan(t_mem) && t_mem >= (isnan(t_cpu) ? 0 : t_cpu))
                                            ? "memory-bound: bytes / read bandwidth"
                                            : "compute-bound: MACs / peak",
             sus_bw || sus_pk ? "; SUSPECT: the case beats its ceiling (see flags)" : "");
    tb_result_metric(r, "roofline_pct", 100 * bound / med, "%", note);
    if (have_bw)
        tb_result_metric(r, "bw_pct", 100 * t_mem / med, "%", "share of the read-bandwidth ceiling");
    if (sus_bw || sus_pk) {
        char why[320];
        if (sus_bw)
            snprintf(why, sizeof why, "%.1f GB/s measured > %.0f%% of the %.1f GB/s ceiling %s", rate_bw,
                     100 * TB_CEILING_SUSPECT, bw.value, bw.key);
        else
            snprintf(why, sizeof why, "%.1f GOP/s measured > %.0f%% of the %.1f GOP/s ceiling %s", rate_mac,
                     100 * TB_CEILING_SUSPECT, pk.value, pk.key);
        tb_result_flag(r, "ceiling_suspect", why);
    }
}

void tb_derive(tb_case_result *r, const tb_ceilings *cl)
{
    if (r->status != TB_STATUS_OK || !r->have_stats || !(r->st.median > 0))
        return;
    const char *wl = r->c->wl->name;
    double med = r->st.median, best = r->best_ns;
    if (!strcmp(wl, "bandwidth")) {
        double bytes = tb_counts_bytes(&r->counts);
        tb_result_metric(r, "gbps", bytes / med, "GB/s", "bytes moved / median time");
        tb_result_metric(r, "gbps_best", bytes / best, "GB/s", "bytes moved / fastest repetition (the ceiling)");
    } else if (!strcmp(wl, "peak")) {
        double ops = tb_counts_ops(&r->counts);
        tb_result_metric(r, "gops", ops / med, "GOP/s", "operations / median time");
        tb_result_metric(r, "gops_best", ops / best, "GOP/s", "operations / fastest repetition (the ceiling)");
    } else if (!strcmp(wl, "matmul")) {
        derive_matmul(r, cl);
    } else if (!strcmp(wl, "e2e")) {
        tb_derive_e2e(r, cl);
    } else {
        double bytes = tb_counts_bytes(&r->counts), ops = tb_counts_ops(&r->counts);
        if (bytes > 0)
            tb_result_metric(r, "gbps", bytes / med, "GB/s", "analytic bytes / median time");
        if (ops > 0)
            tb_result_metric(r, "gops", ops / med, "GOP/s", "analytic operations / median time");
    }
}

void tb_derive_group_ratios(tb_case_result *res, int n)
{
    int b = -1;
    for (int i = 0; i < n; i++)
        if (res[i].c->baseline)
            b = i;
    if (b < 0)
        return;
    double sb = tb_result_metric_value(&res[b], "time_scale");
    for (int i = 0; i < n; i++) {
        if (i == b || !res[i].ratio.valid)
            continue;
        double sc = tb_result_metric_value(&res[i], "time_scale");
        double f = (isnan(sb) ? 1 : sb) / (isnan(sc) ? 1 : sc);
        if (isnan(sb) && isnan(sc))
            continue;
        if (!(f > 0) || !isfinite(f))
            continue;
        res[i].ratio.median *= f;
        res[i].ratio.ci_lo *= f; /* NAN stays NAN */
        res[i].ratio.ci_hi *= f;
        res[i].ratio.scale = f;
    }
}

/* Removes a trailing "ceiling_suspect" from r's flags and its reason, the
 * last "ceiling_suspect: ..." segment of flags_reason. */
static void unflag_suspect(tb_case_result *r)
{
    static const char f[] = "ceiling_suspect";
    const size_t m = sizeof f - 1, n = strlen(r->flags);
    if (n < m || strcmp(r->flags + n - m, f) != 0 || (n > m && r->flags[n - m - 1] != ','))
        return;
    r->flags[n > m ? n - m - 1 : 0] = 0;
    char *why = NULL;
    for (char *q = strstr(r->flags_reason, "ceiling_suspect: "); q; q = strstr(q + 1, "ceiling_suspect: "))
        if (q == r->flags_reason || (q - r->flags_reason >= 2 && q[-2] == ';' && q[-1] == ' '))
            why = q;
    if (why == r->flags_reason)
        r->flags_reason[0] = 0;
    else if (why)
        why[-2] = 0;
}

int tb_derive_again(tb_case_result *r, const tb_ceilings *cl)
{
    const int mm = !strcmp(r->c->wl->name, "matmul"), e2e = !strcmp(r->c->wl->name, "e2e");
    if ((!mm && !e2e) || r->status != TB_STATUS_OK)
        return 0;
    unflag_suspect(r);
    if (mm)
        tb_derive(r, cl);
    else
        tb_derive_e2e_roofline(r, cl);
    return 1;
}
