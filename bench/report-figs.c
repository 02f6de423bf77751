/* report-figs.c - the figures: exports, into the report's --out folder,
 * the CSV each gnuplot script of plots/ reads and a meta.gp with the
 * footer (machine, commit, date), the cache sizes, the run's measured
 * ceilings (and which are missing, why), the formats present and, per
 * figure, why it has no data ("" when it has); Figure 3 left's CSV comes
 * from the energy model alone (harness/energy-model.c); then runs every script twice (PNG, SVG).  gnuplot is
 * started with posix_spawnp and an argument vector (no shell), in the
 * output folder; its messages go to gnuplot.log there.  An absent figure
 * is never exported as 0: its CSV is empty and meta.gp says why. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include "tb-report.h"
#include "tb-energy-model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* rendered in this order; the first NFIG_RUN read the run's cases
 * (export_csv), fig3_left the energy model alone (export_fig3_left) */
static const char *const figures[] = {"roofline", "gemv_sweep", "threads", "latency", "table1",
                                      "fig2",     "fig3_left",  "fig3",    "table3"};
#define NFIG (int)(sizeof figures / sizeof figures[0])
#define NFIG_RUN 8
#define FIG3_LEFT 6
/* figures[] index of export_csv's k-th figure (0..NFIG_RUN-1) */
static int fig_of(int k)
{
    return k < FIG3_LEFT ? k : k + 1;
}

/* Formats in the order every figure uses (plots/style.gp gives each its colour). */
static const char *const order[] = {"fp16", "bf16", "int8", "tq2", "tq1", "tl", "i2s", "tl2"};
#define NORDER (int)(sizeof order / sizeof order[0])

static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

static void gp_num(FILE *f, const char *name, double v)
{
    if (isfinite(v))
        fprintf(f, "%s = %.9g\n", name, v);
    else
        fprintf(f, "%s = NaN\n", name);
}

static FILE *open_out(const char *dir, const char *name, char *err, int errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, (size_t)errlen, "--out %s: cannot write %s (%s)", dir, name, strerror(errno));
    return f;
}

static int mkdirs(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0777) < 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

static int fmt_rank(const char *f)
{
    for (int i = 0; i < NORDER; i++)
        if (!strcmp(order[i], f))
            return i;
    return -1;
}

static int is_ok_matmul(const tb_rep_case *c)
{
    return !strcmp(c->workload, "matmul") && !strcmp(c->status, "ok") && !isnan(c->median) && fmt_rank(c->format) >= 0;
}

/* The measured ceilings of the run at `threads`: the largest read probe
 * (DRAM), the smallest (cache-resident), and the compute peaks. */
static void ceilings(const tb_rep_run *run, int threads, double *dram, double *cache, double *pk_int8, double *pk_fp32)
{
    double big = -1, small = INFINITY;
    *dram = *cache = *pk_int8 = *pk_fp32 = NAN;
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        if (c->threads != threads || isnan(c->best))
            continue;
        if (!strcmp(c->workload, "bandwidth") && !strcmp(c->kind, "read") && !isnan(c->mib)) {
            if (c->mib > big || (c->mib == big && !(c->best <= *dram)))
                big = c->mib, *dram = c->best;
            if (c->mib < small || (c->mib == small && !(c->best <= *cache)))
                small = c->mib, *cache = c->best;
        } else if (!strcmp(c->workload, "peak")) {
            double *t = strstr(c->key, "int8") || strstr(c->kind, "int8") ? pk_int8
                      : strstr(c->key, "fp32") || strstr(c->kind, "fp32") ? pk_fp32 : NULL;
            if (t && !(c->best <= *t))
                *t = c->best;
        }
    }
}

/* ---- decoder figures (e2e cases) ---- */

static int e2e_decode_ok(const tb_rep_case *c)
{
    return c->e2e.is_e2e && !strcmp(c->status, "ok") && c->e2e.n_gen > 0 && fmt_rank(c->format) >= 0;
}

/* The case a (model, format) cell of Table 1 / Figures 2-3 takes: decode
 * at batch 1 (not a --max-batch case), the most threads, cold before hot,
 * the longest generation.  does_not_fit is returned when nothing is ok
 * and such a case exists (dnf = 1). */
static const tb_rep_case *e2e_pick(const tb_rep_run *run, const char *model, const char *format, int *dnf)
{
    const tb_rep_case *best = NULL;
    *dnf = 0;
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        if (!c->e2e.is_e2e || strcmp(c->model, model) || strcmp(c->format, format) || c->e2e.max_batch ||
            c->e2e.batch != 1)
            continue;
        if (!strcmp(c->status, "does_not_fit"))
            *dnf = 1;
        if (!e2e_decode_ok(c) || isnan(c->e2e.ms50))
            continue;
        if (!best || c->threads > best->threads ||
            (c->threads == best->threads && !strcmp(c->cache, "cold") && strcmp(best->cache, "cold")) ||
            (c->threads == best->threads && !strcmp(c->cache, best->cache) && c->e2e.n_gen > best->e2e.n_gen))
            best = c;
    }
    if (best)
        *dnf = 0;
    return best;
}

/* Distinct e2e models of the run, ascending by parameters. */
static int e2e_models(const tb_rep_run *run, const char *models[64], double params[64])
{
    int n = 0;
    for (int i = 0; i < run->ncases && n < 64; i++) {
        const tb_rep_case *c = &run->cases[i];
        int seen = !c->e2e.is_e2e;
        for (int j = 0; j < n && !seen; j++)
            seen = !strcmp(models[j], c->model);
        if (seen)
            continue;
        double p = c->e2e.params;
        int k = n++;
        while (k > 0 && !(params[k - 1] <= p)) {
            models[k] = models[k - 1];
            params[k] = params[k - 1];
            k--;
        }
        models[k] = c->model;
        params[k] = p;
    }
    return n;
}

static void e2e_formats(const tb_rep_run *run, int present[NORDER])
{
    for (int k = 0; k < NORDER; k++)
        present[k] = 0;
    for (int i = 0; i < run->ncases; i++)
        if (run->cases[i].e2e.is_e2e && fmt_rank(run->cases[i].format) >= 0)
            present[fmt_rank(run->cases[i].format)] = 1;
}

/* ms per token and its CI from the tokens/s CI (batch 1); a case without a
 * CI gets a bar of zero length, never a made-up one. */
static void ms_ci(const tb_rep_case *c, double *ms, double *lo, double *hi)
{
    *ms = c->e2e.ms50;
    *lo = c->e2e.tps_hi > 0 ? 1e3 * (double)c->e2e.batch / c->e2e.tps_hi : *ms;
    *hi = c->e2e.tps_lo > 0 ? 1e3 * (double)c->e2e.batch / c->e2e.tps_lo : *ms;
    if (*lo > *ms)
        *lo = *ms; /* p50 of steps vs the median of per-repetition rates: keep the bar around the point */
    if (*hi < *ms)
        *hi = *ms;
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.6g", v);
    else
        fputs(",NaN", f);
}

/* The paper's Table 1 models, when the run has any of them; else every model. */
static int table1_model(const char *m, int any_paper)
{
    static const char *const paper[] = {"700M", "1.3B", "3B", "3.9B"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(m, paper[i]))
            return 1;
    return !any_paper;
}

/* table1.csv, fig2.csv, fig3.csv, table3.csv; rows[k] counts data rows
 * (not does_not_fit ones), why[k] says why a figure has none. */
static void export_e2e(const tb_rep_run *run, FILE *f[4], int rows[4], char why[4][256], char t3model[64])
{
    const char *models[64];
    double params[64];
    int nm = e2e_models(run, models, params), present[NORDER];
    e2e_formats(run, present);
    int any_paper = 0;
    for (int m = 0; m < nm; m++)
        any_paper |= table1_model(models[m], 1); /* a paper size */
    /* Table 1: one row per model, per format ms, lo, hi, memory GB */
    fputs("model", f[0]);
    fputs("model", f[2]);
    for (int k = 0; k < NORDER; k++)
        if (present[k]) {
            fprintf(f[0], ",%s_ms,%s_lo,%s_hi,%s_gb", order[k], order[k], order[k], order[k]);
            fprintf(f[2], ",%s_paper_j,%s_cpu_j,%s_measured_j", order[k], order[k], order[k]);
        }
    fputc('\n', f[0]);
    fputc('\n', f[2]);
    fputs("params_b,model,format,ms_per_token,ms_lo,ms_hi,memory_gb,extrapolated,does_not_fit\n", f[1]);
    fputs("format,model,batch,tokens_per_s,lo,hi,max_batch\n", f[3]);
    for (int m = 0; m < nm; m++) {
        int t1 = table1_model(models[m], any_paper), r0 = 0, r2 = 0;
        char l0[2048], l2[2048];
        size_t o0 = (size_t)snprintf(l0, sizeof l0, "%s", models[m]), o2 = (size_t)snprintf(l2, sizeof l2, "%s", models[m]);
        for (int k = 0; k < NORDER; k++) {
            if (!present[k])
                continue;
            int dnf;
            const tb_rep_case *c = e2e_pick(run, models[m], order[k], &dnf);
            double ms = NAN, lo = NAN, hi = NAN, gb = NAN, ep = NAN, ec = NAN, em = NAN;
            if (c) {
                ms_ci(c, &ms, &lo, &hi);
                gb = (c->e2e.model_bytes + c->e2e.kv_bytes) / 1e9;
                ep = c->e2e.e_paper7 * 512;
                ec = c->e2e.e_cpu7 * 512;
                em = c->emeas > 0 && c->e2e.tokens_per_iter > 0 ? c->emeas / c->e2e.tokens_per_iter * 512 : NAN;
                r0 = 1;
                r2 |= isfinite(ep) || isfinite(ec);
            }
            o0 += (size_t)snprintf(l0 + o0, sizeof l0 - o0, ",%.6g,%.6g,%.6g,%.6g", ms, lo, hi, gb);
            o2 += (size_t)snprintf(l2 + o2, sizeof l2 - o2, ",%.6g,%.6g,%.6g", ep, ec, em);
            if (o0 >= sizeof l0 || o2 >= sizeof l2)
                break;
        }
        /* %g writes nan; gnuplot reads NaN */
        for (char *q = l0; (q = strstr(q, "nan")); q += 3)
            memcpy(q, "NaN", 3);
        for (char *q = l2; (q = strstr(q, "nan")); q += 3)
            memcpy(q, "NaN", 3);
        if (t1 && r0) {
            fprintf(f[0], "%s\n", l0);
            rows[0]++;
        }
        if (r2) {
            fprintf(f[2], "%s\n", l2);
            rows[2]++;
        }
    }
    /* Figure 2: long rows, grouped by format then size (one line each) */
    for (int k = 0; k < NORDER; k++) {
        if (!present[k])
            continue;
        for (int m = 0; m < nm; m++) {
            int dnf;
            const tb_rep_case *c = e2e_pick(run, models[m], order[k], &dnf);
            if (!c && !dnf)
                continue;
            fprintf(f[1], "%.6g,%s,%s", params[m] / 1e9, models[m], order[k]);
            double ms = NAN, lo = NAN, hi = NAN;
            if (c)
                ms_ci(c, &ms, &lo, &hi);
            csv_num(f[1], ms);
            csv_num(f[1], lo);
            csv_num(f[1], hi);
            csv_num(f[1], c ? (c->e2e.model_bytes + c->e2e.kv_bytes) / 1e9 : NAN);
            fprintf(f[1], ",%d,%d\n", c ? c->e2e.extrapolated : 0, dnf);
            rows[1] += c != NULL;
        }
    }
    /* Table 3: throughput against batch for one model: the largest one
     * with a --max-batch case, else the one with the most batch sizes */
    const char *t3 = NULL;
    double t3p = -1;
    int t3n = 0;
    for (int m = 0; m < nm; m++) {
        int mb = 0, nb = 0;
        for (int i = 0; i < run->ncases; i++) {
            const tb_rep_case *c = &run->cases[i];
            if (!e2e_decode_ok(c) || strcmp(c->model, models[m]))
                continue;
            mb |= c->e2e.max_batch;
            nb++;
        }
        double score = mb ? params[m] : -1;
        if (nb && (score > t3p || (score == t3p && nb > t3n))) {
            t3 = models[m];
            t3p = score;
            t3n = nb;
        }
    }
    snprintf(t3model, 64, "%s", t3 ? t3 : "");
    for (int k = 0; k < NORDER && t3; k++) {
        if (!present[k])
            continue;
        /* ascending batch, one row per batch: the most threads */
        long last = 0;
        for (;;) {
            const tb_rep_case *pick = NULL;
            for (int i = 0; i < run->ncases; i++) {
                const tb_rep_case *c = &run->cases[i];
                if (!e2e_decode_ok(c) || strcmp(c->model, t3) || strcmp(c->format, order[k]) ||
                    c->e2e.batch <= last || isnan(c->e2e.tps))
                    continue;
                if (!pick || c->e2e.batch < pick->e2e.batch ||
                    (c->e2e.batch == pick->e2e.batch && c->threads > pick->threads))
                    pick = c;
            }
            if (!pick)
                break;
            last = pick->e2e.batch;
            fprintf(f[3], "%s,%s,%ld", order[k], t3, pick->e2e.batch);
            csv_num(f[3], pick->e2e.tps);
            csv_num(f[3], isnan(pick->e2e.tps_lo) ? pick->e2e.tps : pick->e2e.tps_lo);
            csv_num(f[3], isnan(pick->e2e.tps_hi) ? pick->e2e.tps : pick->e2e.tps_hi);
            fprintf(f[3], ",%d\n", pick->e2e.max_batch);
            rows[3]++;
        }
    }
    const char *none = nm ? NULL : "no end-to-end decoder (e2e) cases in this run";
    snprintf(why[0], 256, "%s", none ? none : "no decode (tgN) case at batch 1 that is ok");
    snprintf(why[1], 256, "%s", none ? none : "no decode (tgN) case at batch 1 that is ok");
    snprintf(why[2], 256, "%s", none ? none : "no decode case with modelled energy per token");
    snprintf(why[3], 256, "%s", none ? none : "no decode (tgN) case that is ok");
}

/* Export every figure's CSV; nodata[i] says why figure i has no rows. */
static int export_csv(const tb_rep_run *run, const char *dir, char nodata[NFIG][256], char t3model[64], char *err,
                      int errlen)
{
    int maxt = 1, rows[NFIG_RUN] = {0};
    int present[NORDER] = {0};
    for (int i = 0; i < run->ncases; i++)
        if (is_ok_matmul(&run->cases[i])) {
            if (run->cases[i].threads > maxt)
                maxt = run->cases[i].threads;
            present[fmt_rank(run->cases[i].format)] = 1;
        }
    FILE *f[NFIG_RUN];
    for (int k = 0; k < NFIG_RUN; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.csv", figures[fig_of(k)]);
        f[k] = open_out(dir, name, err, errlen);
        if (!f[k]) {
            while (k--)
                fclose(f[k]);
            return -1;
        }
    }
    fputs("format,cache,threads,intensity_ops_per_byte,gops\n", f[0]);
    fputs("format,cache,weight_mib,gbps,gbps_lo,gbps_hi\n", f[1]);
    fputs("format,shape,cache,threads,median_ms,lo_ms,hi_ms\n", f[2]);
    fputs("shape", f[3]);
    for (int j = 0; j < NORDER; j++)
        if (present[j])
            fprintf(f[3], ",%s_ms,%s_lo,%s_hi", order[j], order[j], order[j]);
    fputc('\n', f[3]);
    /* largest GEMV shape for the thread-scaling figure; cold when it was measured cold */
    long bigcells = 0;
    int any_cold = 0;
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        if (is_ok_matmul(c) && c->n == 1 && c->rows * c->cols > bigcells)
            bigcells = c->rows * c->cols;
        any_cold |= is_ok_matmul(c) && c->n == 1 && !strcmp(c->cache, "cold");
    }
    const char *lat_cache = any_cold ? "cold" : "hot";
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        if (!is_ok_matmul(c))
            continue;
        if (c->threads == maxt && c->ops > 0 && c->bytes > 0 && !isnan(c->gops)) {
            fprintf(f[0], "%s,%s,%d,%.6g,%.6g\n", c->format, c->cache, c->threads, c->ops / c->bytes, c->gops);
            rows[0]++;
        }
        if (c->n == 1 && c->threads == 1 && !isnan(c->gbps) && c->bytes > 0) {
            /* no CI (too few repetitions): a bar of zero length, never a made-up one */
            double lo = isnan(c->ci_hi) ? c->gbps : c->bytes / c->ci_hi, hi = isnan(c->ci_lo) ? c->gbps : c->bytes / c->ci_lo;
            fprintf(f[1], "%s,%s,%.6g,%.6g,%.6g,%.6g\n", c->format, c->cache, c->bytes / 1048576.0, c->gbps, lo, hi);
            rows[1]++;
        }
        if (c->n == 1 && c->rows * c->cols == bigcells && !strcmp(c->cache, lat_cache)) {
            fprintf(f[2], "%s,%s,%s,%d,%.6g,%.6g,%.6g\n", c->format, c->shape, c->cache, c->threads, c->median / 1e6,
                    isnan(c->ci_lo) ? c->median / 1e6 : c->ci_lo / 1e6,
                    isnan(c->ci_hi) ? c->median / 1e6 : c->ci_hi / 1e6);
            rows[2]++;
        }
    }
    /* latency: one row per GEMV shape at the most threads, a column triple per format */
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        if (!is_ok_matmul(c) || c->n != 1 || c->threads != maxt || strcmp(c->cache, lat_cache))
            continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            const tb_rep_case *d = &run->cases[j];
            seen = is_ok_matmul(d) && d->n == 1 && d->threads == maxt && !strcmp(d->cache, lat_cache) &&
                   !strcmp(d->shape, c->shape);
        }
        if (seen)
            continue;
        fprintf(f[3], "%s", c->shape);
        for (int k = 0; k < NORDER; k++) {
            if (!present[k])
                continue;
            const tb_rep_case *hit = NULL;
            for (int j = 0; j < run->ncases && !hit; j++) {
                const tb_rep_case *d = &run->cases[j];
                if (is_ok_matmul(d) && d->n == 1 && d->threads == maxt && !strcmp(d->cache, lat_cache) &&
                    !strcmp(d->shape, c->shape) && !strcmp(d->format, order[k]))
                    hit = d;
            }
            if (hit)
                fprintf(f[3], ",%.6g,%.6g,%.6g", hit->median / 1e6,
                        isnan(hit->ci_lo) ? hit->median / 1e6 : hit->ci_lo / 1e6,
                        isnan(hit->ci_hi) ? hit->median / 1e6 : hit->ci_hi / 1e6);
            else
                fputs(",NaN,NaN,NaN", f[3]); /* not measured: gnuplot leaves the bar out */
        }
        fputc('\n', f[3]);
        rows[3]++;
    }
    /* decoder figures from the e2e cases (tb_rep_e2e, report-e2e.c) */
    char e2e_why[4][256];
    export_e2e(run, f + 4, rows + 4, e2e_why, t3model);
    int bad = 0;
    for (int k = 0; k < NFIG_RUN; k++)
        bad |= fclose(f[k]) != 0;
    if (bad) {
        snprintf(err, (size_t)errlen, "--out %s: cannot write the figures' CSV (%s)", dir, strerror(errno));
        return -1;
    }
    static const char *const why_matmul[] = {
        "no matmul case with op and byte counts in this run",
        "no single-thread GEMV (n = 1) in this run",
        "no GEMV (n = 1) in this run",
        "no GEMV (n = 1) in this run",
    };
    for (int k = 0; k < 4; k++)
        snprintf(nodata[fig_of(k)], 256, "%s", rows[k] ? "" : why_matmul[k]);
    for (int k = 4; k < NFIG_RUN; k++)
        snprintf(nodata[fig_of(k)], 256, "%s", rows[k] ? "" : e2e_why[k - 4]);
    return 0;
}

/* ---- Figure 3 left: the energy model alone ---- */

/* pJ of one operation of count kind `kind` at `source` ("model-7nm"). */
static double op_pj(int kind, const char *source)
{
    tb_counts k = {{0}};
    tb_model_energy e[4];
    k.v[kind] = 1;
    int n = tb_energy_model(&k, e, 4);
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].source, source))
            return e[i].joules * 1e12;
    return NAN;
}

/* fig3_left.csv: the arithmetic energy of one multiply-accumulate of a
 * matmul, multiply and add apart, at 7 nm and 45 nm, in the paper's
 * accounting: fp16 (LLaMA: fp16 mul + fp16 add), int8 (int8 mul + add),
 * ternary (BitNet b1.58: weights in {-1, 0, 1}, an int8 add and no
 * multiply).  The paper's totals and ratio (7 nm only) from the --paper
 * rows when the report has them; `note` says where they are otherwise. */
static int export_fig3_left(const tb_report *r, const char *dir, char note[256], char *err, int errlen)
{
    FILE *f = open_out(dir, "fig3_left.csv", err, errlen);
    if (!f)
        return -1;
    const tb_rep_paper_row *pr = NULL;
    for (int i = 0; r->paper && i < r->nprows && !pr; i++)
        if (!strcmp(r->prows[i].table, "Figure 3 left") && !strcmp(r->prows[i].label, "one MAC, 7 nm"))
            pr = &r->prows[i];
    int have = pr && !isnan(pr->paper_ratio);
    snprintf(note, 256, "%s", have ? ""
                             : r->paper ? "not in this database (reference_figures)"
                                        : "shown by report --paper");
    static const struct { const char *node, *label; } nodes[] = {{"model-7nm", "7 nm"}, {"model-45nm", "45 nm"}};
    static const struct { const char *name; int mul, add; } fmts[] = {
        {"fp16", TB_CNT_FP16_MUL, TB_CNT_FP16_ADD},
        {"int8", TB_CNT_INT8_MUL, TB_CNT_INT8_ADD},
        {"ternary", -1, TB_CNT_INT8_ADD},
    };
    fputs("x,node,format,mul_pj,add_pj,total_pj,ratio_vs_fp16,paper_total_pj,paper_ratio,paper_label\n", f);
    for (int n = 0; n < 2; n++) {
        double base = op_pj(fmts[0].mul, nodes[n].node) + op_pj(fmts[0].add, nodes[n].node);
        for (int i = 0; i < 3; i++) {
            double mul = fmts[i].mul < 0 ? 0 : op_pj(fmts[i].mul, nodes[n].node);
            double add = op_pj(fmts[i].add, nodes[n].node), tot = mul + add;
            double ptot = NAN, pratio = NAN;
            if (have && n == 0 && i == 0)
                ptot = pr->paper_base, pratio = 1;
            else if (have && n == 0 && i == 2)
                ptot = pr->paper_tern, pratio = pr->paper_ratio;
            fprintf(f, "%d,%s,%s", n * 4 + i, nodes[n].label, fmts[i].name);
            csv_num(f, mul);
            csv_num(f, add);
            csv_num(f, tot);
            csv_num(f, base / tot);
            csv_num(f, ptot);
            csv_num(f, pratio);
            /* the label the figure prints (gnuplot drops a row whose used column is NaN) */
            if (isfinite(pratio) && i > 0)
                fprintf(f, ",paper: %.3gx\n", pratio);
            else if (have && n == 1 && i == 2)
                fputs(",paper: 7 nm only\n", f);
            else
                fputs(",-\n", f); /* not empty: gnuplot would reuse the previous row's text */
        }
    }
    if (fclose(f) != 0) {
        snprintf(err, (size_t)errlen, "--out %s: cannot write fig3_left.csv (%s)", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_meta(const tb_rep_run *run, const char *dir, char nodata[NFIG][256], const char *t3model,
                      const char *f3l_note, char *err, int errlen)
{
    FILE *f = open_out(dir, "meta.gp", err, errlen);
    if (!f)
        return -1;
    char footer[512];
    snprintf(footer, sizeof footer, "%s (machine %.12s), commit %.12s%s, run %lld, %s", run->cpu, run->fingerprint,
             run->commit, run->dirty ? "-dirty" : "", (long long)run->id, run->started);
    fputs("# meta.gp - written by `tritbench report`: what the plots/ scripts need besides the CSV\nfooter = ", f);
    gp_str(f, footer);
    fputc('\n', f);
    gp_num(f, "l1d_mib", run->l1d / 1048576);
    gp_num(f, "l2_mib", run->l2 / 1048576);
    gp_num(f, "l3_mib", run->l3 / 1048576);
    int maxt = 1;
    for (int i = 0; i < run->ncases; i++)
        if (is_ok_matmul(&run->cases[i]) && run->cases[i].threads > maxt)
            maxt = run->cases[i].threads;
    double dram, cache, p8, p32;
    ceilings(run, maxt, &dram, &cache, &p8, &p32);
    fprintf(f, "roof_threads = %d\n", maxt);
    gp_num(f, "bw_dram", dram);
    gp_num(f, "bw_cache", cache);
    gp_num(f, "peak_int8", p8);
    gp_num(f, "peak_fp32", p32);
    /* the ceilings the roofline cannot draw, and why (its legend leaves them out) */
    char miss[512] = "";
    const int nobw = isnan(dram) && isnan(cache), nopk = isnan(p8) && isnan(p32);
    struct { int missing; const char *what, *probe; } m[] = {
        {nobw, "DRAM and cache read bandwidth", "read bandwidth probe"},
        {!nobw && isnan(dram), "DRAM read bandwidth", "read bandwidth probe"},
        {!nobw && isnan(cache), "cache read bandwidth", "read bandwidth probe"},
        {nopk, "int8 and fp32 peaks", "compute-peak probe"},
        {!nopk && isnan(p8), "int8 peak", "int8 compute-peak probe"},
        {!nopk && isnan(p32), "fp32 peak", "fp32 compute-peak probe"},
    };
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        if (!m[k].missing)
            continue;
        size_t o = strlen(miss);
        snprintf(miss + o, sizeof miss - o, "%s%s (no %s at %d thread%s in this run)", o ? "; " : "", m[k].what,
                 m[k].probe, maxt, maxt == 1 ? "" : "s");
    }
    fputs("missing_ceilings = ", f);
    gp_str(f, miss);
    fputc('\n', f);
    fputs("fig3_left_paper_note = ", f);
    gp_str(f, f3l_note);
    fputc('\n', f);
    char fl[256] = "";
    for (int k = 0; k < NORDER; k++)
        for (int i = 0; i < run->ncases; i++)
            if (is_ok_matmul(&run->cases[i]) && !strcmp(run->cases[i].format, order[k])) {
                size_t o = strlen(fl);
                snprintf(fl + o, sizeof fl - o, "%s%s", o ? " " : "", order[k]);
                break;
            }
    fputs("formats = ", f);
    gp_str(f, fl);
    fputc('\n', f);
    int present[NORDER];
    e2e_formats(run, present);
    fl[0] = 0;
    for (int k = 0; k < NORDER; k++)
        if (present[k]) {
            size_t o = strlen(fl);
            snprintf(fl + o, sizeof fl - o, "%s%s", o ? " " : "", order[k]);
        }
    fputs("e2e_formats = ", f);
    gp_str(f, fl);
    fputc('\n', f);
    int measured = 0, extrap = 0;
    for (int i = 0; i < run->ncases; i++) {
        measured |= run->cases[i].e2e.is_e2e && run->cases[i].emeas > 0;
        extrap |= run->cases[i].e2e.is_e2e && run->cases[i].e2e.extrapolated;
    }
    fprintf(f, "e2e_measured = %d\ne2e_extrapolated = %d\n", measured, extrap);
    char mw[1200];
    /* the samplers' full reasons are in the report's header; the figure names the first */
    snprintf(mw, sizeof mw, "measured energy: none (no live energy sampler in this run; the report says why)");
    fputs("table3_model = ", f);
    gp_str(f, t3model);
    fputc('\n', f);
    fputs("energy_measured_why = ", f);
    gp_str(f, measured ? "" : mw);
    fputc('\n', f);
    for (int k = 0; k < NFIG; k++) {
        fprintf(f, "nodata_%s = ", figures[k]);
        gp_str(f, nodata[k]);
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

int tb_report_gnuplot(const char *dir, const char *plots, const char *fig, const char *term)
{
    char script[4096], e[4300];
    snprintf(script, sizeof script, "%s/%s.gp", plots, fig);
    /* plots folder as a gnuplot string: '' stands for one quote */
    size_t o = (size_t)snprintf(e, sizeof e, "term='%s'; plots='", term);
    for (const char *s = plots; *s && o + 3 < sizeof e; s++) {
        if (*s == '\'')
            e[o++] = '\'';
        e[o++] = *s;
    }
    snprintf(e + o, sizeof e - o, "/'");
    char *argv[] = {"gnuplot", "-e", e, script, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 1, "gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0666);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return rc == ENOENT ? -ENOENT : rc;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int tb_report_figures(tb_report *r, const char *dir, const char *plots, char *err, int errlen)
{
    char nodata[NFIG][256], t3model[64] = "", f3l_note[256] = "";
    r->outdir = dir;
    if (mkdirs(dir) < 0) {
        snprintf(err, (size_t)errlen, "--out %s: cannot create the folder (%s)", dir, strerror(errno));
        return -1;
    }
    const tb_rep_run *run = &r->runs[0];
    nodata[FIG3_LEFT][0] = 0; /* the energy model's constants: always there */
    if (export_csv(run, dir, nodata, t3model, err, errlen) < 0 || export_fig3_left(r, dir, f3l_note, err, errlen) < 0 ||
        write_meta(run, dir, nodata, t3model, f3l_note, err, errlen) < 0)
        return -1;
    if (r->nruns > 1)
        snprintf(r->figs_why, sizeof r->figs_why, "figures show run %lld only (the first of %d)", (long long)run->id,
                 r->nruns);
    char style[4096];
    snprintf(style, sizeof style, "%s/style.gp", plots);
    if (access(style, R_OK) < 0) {
        snprintf(r->figs_why, sizeof r->figs_why, "no gnuplot scripts at %s (%s; set --plots DIR); the figures' CSV"
                 " is in %s", plots, strerror(errno), dir);
        return 0;
    }
    for (int k = 0; k < NFIG; k++) {
        int rc = tb_report_gnuplot(dir, plots, figures[k], "png");
        if (rc == 0)
            rc = tb_report_gnuplot(dir, plots, figures[k], "svg");
        if (rc == -ENOENT) {
            snprintf(r->figs_why, sizeof r->figs_why, "gnuplot is not installed (apt-get install gnuplot-nox);"
                     " the figures' CSV is in %s", dir);
            r->nfigs = 0;
            return 0;
        }
        if (rc) {
            size_t o = strlen(r->figs_why);
            snprintf(r->figs_why + o, sizeof r->figs_why - o, "%sgnuplot failed on %s.gp (exit %d, see %s/gnuplot.log)",
                     o ? "; " : "", figures[k], rc, dir);
            continue;
        }
        snprintf(r->figs[r->nfigs++], sizeof r->figs[0], "%s", figures[k]);
    }
    return 0;
}
