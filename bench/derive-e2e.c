/* derive-e2e.c - the decoder's figures from its per-step timings (the
 * runner's r->steps, one repetition = one whole test), in llama-bench's
 * terms:
 *   tokens_per_s   decode (tg) tokens/s: batch x generated tokens / decode
 *                  time, per repetition; median and 95% CI over repetitions
 *   ms_per_token   per-output-token latency: decode step time (each of the
 *                  batch's sequences gets one token per step), p50/p90/p99
 *                  over every decode step of every repetition
 *   pp_tokens_per_s prefill tokens/s (median over prompts, CI), ttft_ms the
 *                  prefill time of one prompt (time to first token)
 *   roofline_pct   decode: (bytes one step must read / the same run's
 *                  read bandwidth streamed from memory) / median step time
 * With --layers K < the model's depth, every time is scaled to the full
 * depth: decode steps by the weight bytes a step reads (full / built;
 * decode is memory-bound), prefill by the weights multiplied (projections +
 * head, full / built); each such metric's note says so. */
#include "tb-bench.h"
#include "tb-params.h"
#include "tb-stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median and CI of per-repetition rates into metrics NAME, NAME_ci_lo, NAME_ci_hi. */
static void rate_metrics(tb_case_result *r, const char *name, const double *v, int n, const char *unit,
                         const char *note)
{
    tb_stats st;
    if (n < 1 || tb_stats_compute(v, n, &st) < 0) {
        tb_result_metric(r, name, NAN, unit, "no repetition measured it");
        return;
    }
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%s_ci_lo", name);
    snprintf(hi, sizeof hi, "%s_ci_hi", name);
    tb_result_metric(r, name, st.median, unit, note);
    tb_result_metric(r, lo, st.ci_lo, unit, isnan(st.ci_lo) ? "fewer than 6 repetitions: no CI" : "95% CI of the median");
    tb_result_metric(r, hi, st.ci_hi, unit, isnan(st.ci_hi) ? "fewer than 6 repetitions: no CI" : "95% CI of the median");
}

/* The decode roofline and its ceiling_suspect flag, from figures the case
 * keeps after its per-step data is gone (ms_per_token, step_bytes,
 * kv_bytes): so the suite's end-of-run probes can judge it again. */
void tb_derive_e2e_roofline(tb_case_result *r, const tb_ceilings *cl)
{
    const tb_case *c = r->c;
    const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
    if (p->n_gen <= 0)
        return;
    /* weights (+ the KV cache read at the mean position) per step over the
     * run's DRAM read bandwidth */
    const double step_full = tb_result_metric_value(r, "step_bytes");
    double kv = tb_result_metric_value(r, "kv_bytes");
    double kv_step = p->ctx > 0 && !isnan(kv) ? kv * ((double)p->n_prompt + p->n_gen / 2.0) / (double)p->ctx : 0;
    double bytes = step_full + kv_step;
    double med = tb_result_metric_value(r, "ms_per_token") * 1e6; /* the median decode step, ns (NAN: none) */
    char note[240];
    tb_ceiling_pick bw;
    int have = tb_ceiling_bandwidth(cl, c->threads, TB_CACHE_COLD, bytes, &bw) == 0;
    tb_result_metric(r, "bw_ceiling_gbps", have ? bw.value : NAN, "GB/s",
                     have ? bw.note : "no read-bandwidth probe at this thread count in this run");
    tb_result_metric(r, "roofline_tokens_per_s", have ? (double)p->batch * bw.value / bytes * 1e9 : NAN, "tok/s",
                     have ? "batch / (step bytes / read bandwidth): decode at the memory roofline" : "no ceiling");
    if (have && med > 0) {
        double t_mem = bytes / bw.value; /* ns */
        snprintf(note, sizeof note, "decode step: %.0f MB weights + KV per step / %.1f GB/s (%s) over the "
                 "median step", bytes / 1e6, bw.value, bw.key);
        tb_result_metric(r, "roofline_pct", 100 * t_mem / med, "%", note);
        if (tb_ceiling_suspect(bytes / med, bw.value)) {
            char why[240];
            snprintf(why, sizeof why, "decode reads %.1f GB/s > %.0f%% of the %.1f GB/s ceiling %s%s",
                     bytes / med, 100 * TB_CEILING_SUSPECT, bw.value, bw.key,
                     c->cache == TB_CACHE_HOT ? " (hot: weights may be cache-resident)" : "");
            tb_result_flag(r, "ceiling_suspect", why);
        }
    } else {
        tb_result_metric(r, "roofline_pct", NAN, "%", have ? "no decode step measured"
                                                            : "no read-bandwidth probe in this run");
    }
}

void tb_derive_e2e(tb_case_result *r, const tb_ceilings *cl)
{
    const tb_case *c = r->c;
    const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
    const double step_full = tb_result_metric_value(r, "step_bytes");
    const double step_built = tb_result_metric_value(r, "step_bytes_built");
    const double bpw = tb_result_metric_value(r, "bits_per_weight");
    const double proj_full = tb_result_metric_value(r, "weight_bytes_proj");
    const double head_w = tb_result_metric_value(r, "head_weights");
    const int extrap = p->extrapolated && p->layers > 0;
    double dscale = 1, pscale = 1;
    if (extrap) {
        dscale = step_built > 0 && step_full > 0 ? step_full / step_built : (double)p->layers_total / p->layers;
        /* weights multiplied per prompt token: projections (bytes -> weights) + head */
        double wfull = proj_full * 8 / bpw, wbuilt = wfull * (double)p->layers / (double)p->layers_total;
        pscale = bpw > 0 && head_w >= 0 ? (wfull + head_w) / (wbuilt + head_w) : (double)p->layers_total / p->layers;
    }
    char xnote[160] = "";
    if (extrap)
        snprintf(xnote, sizeof xnote, "; EXTRAPOLATED from %lld of %lld layers (decode x%.3f by step bytes, prefill "
                 "x%.3f by weights)", (long long)p->layers, (long long)p->layers_total, dscale, pscale);

    int nrep = r->nreps > 0 ? r->nreps : 1;
    double *dec_rate = calloc((size_t)nrep, sizeof *dec_rate);
    double *steps = calloc((size_t)(r->nsteps > 0 ? r->nsteps : 1), sizeof *steps);
    double *pre = calloc((size_t)(r->nsteps > 0 ? r->nsteps : 1), sizeof *pre);
    double *pre_rate = calloc((size_t)(r->nsteps > 0 ? r->nsteps : 1), sizeof *pre_rate);
    if (!dec_rate || !steps || !pre || !pre_rate)
        goto out;
    int nd = 0, ns = 0, np = 0;
    for (int rep = 1; rep <= r->nreps; rep++) {
        double dns = 0, dtok = 0;
        for (int64_t i = 0; i < r->nsteps; i++) {
            if (r->step_rep[i] != rep)
                continue;
            const tb_step *s = &r->steps[i];
            if (s->phase == TB_STEP_DECODE) {
                dns += (double)s->ns * dscale;
                dtok += s->n_tokens;
                steps[ns++] = (double)s->ns * dscale;
            } else {
                pre[np] = (double)s->ns * pscale;
                pre_rate[np] = s->n_tokens * 1e9 / pre[np];
                np++;
            }
        }
        if (dns > 0)
            dec_rate[nd++] = dtok * 1e9 / dns;
    }
    if (extrap) {
        /* the factor from measured to whole-model time over every step:
         * tb_derive_group_ratios brings the paired "vs fp16" ratio to it */
        double raw = 0, scaled = 0;
        for (int64_t i = 0; i < r->nsteps; i++) {
            const tb_step *s = &r->steps[i];
            raw += (double)s->ns;
            scaled += (double)s->ns * (s->phase == TB_STEP_DECODE ? dscale : pscale);
        }
        tb_result_metric(r, "time_scale", raw > 0 ? scaled / raw : NAN, "x",
                         raw > 0 ? "whole-model time / measured time over every step (extrapolated)"
                                 : "no step measured");
    }
    char note[240];
    if (p->n_gen > 0) {
        snprintf(note, sizeof note, "decode: batch x tokens / decode time, per repetition%s", xnote);
        rate_metrics(r, "tokens_per_s", dec_rate, nd, "tok/s", note);
        qsort(steps, (size_t)ns, sizeof *steps, cmp_double);
        static const struct { const char *name; double q; } pct[] = {
            {"ms_per_token", 0.5}, {"tpot_p90_ms", 0.9}, {"tpot_p99_ms", 0.99}};
        for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++) {
            snprintf(note, sizeof note, "per-output-token latency (decode step), p%.0f over %d steps%s",
                     pct[k].q * 100, ns, xnote);
            tb_result_metric(r, pct[k].name, ns ? tb_stats_quantile_sorted(steps, ns, pct[k].q) / 1e6 : NAN, "ms",
                             note);
        }
        tb_derive_e2e_roofline(r, cl);
    }
    if (p->n_prompt > 0) {
        snprintf(note, sizeof note, "prefill: prompt tokens / prefill time, per prompt%s", xnote);
        rate_metrics(r, "pp_tokens_per_s", pre_rate, np, "tok/s", note);
        qsort(pre, (size_t)np, sizeof *pre, cmp_double);
        snprintf(note, sizeof note, "time to first token: prefill of a %lld-token prompt, median%s",
                 (long long)p->n_prompt, xnote);
        tb_result_metric(r, "ttft_ms", np ? tb_stats_quantile_sorted(pre, np, 0.5) / 1e6 : NAN, "ms", note);
    }
    double toks = (double)p->batch * (double)(p->n_prompt + p->n_gen);
    tb_result_metric(r, "tokens_per_iter", toks, "tok", "prompt and generated tokens of one iteration (energy per "
                     "token = per-iteration joules / this)");
out:
    free(dec_rate);
    free(steps);
    free(pre);
    free(pre_rate);
}
