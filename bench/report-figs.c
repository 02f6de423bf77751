/* report-figs.c - the figures: exports, into the report's --out folder,
 * the CSV each gnuplot script of plots/ reads and a meta.gp with the
 * footer (machine, commit, date), the cache sizes, the run's measured
 * ceilings, the formats present and, per figure, why it has no data
 * ("" when it has); then runs every script twice (PNG, SVG).  gnuplot is
 * started with posix_spawnp and an argument vector (no shell), in the
 * output folder; its messages go to gnuplot.log there.  An absent figure
 * is never exported as 0: its CSV is empty and meta.gp says why. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include "tb-report.h"

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

static const char *const figures[] = {"roofline", "gemv_sweep", "threads", "latency",
                                      "table1",   "fig2",       "fig3",    "table3"};
#define NFIG (int)(sizeof figures / sizeof figures[0])

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

/* Export every figure's CSV; nodata[i] says why figure i has no rows. */
static int export_csv(const tb_rep_run *run, const char *dir, char nodata[NFIG][256], char *err, int errlen)
{
    int maxt = 1, rows[NFIG] = {0};
    int present[NORDER] = {0};
    for (int i = 0; i < run->ncases; i++)
        if (is_ok_matmul(&run->cases[i])) {
            if (run->cases[i].threads > maxt)
                maxt = run->cases[i].threads;
            present[fmt_rank(run->cases[i].format)] = 1;
        }
    FILE *f[NFIG];
    for (int k = 0; k < NFIG; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.csv", figures[k]);
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
    /* decoder figures: rows from e2e cases (report-paper.c's view); none yet here */
    fputs("size,format,ms_per_token,memory_gb\n", f[4]);
    fputs("size_b,format,ms_per_token,memory_gb,extrapolated\n", f[5]);
    fputs("size,format,modelled_j,measured_j\n", f[6]);
    fputs("batch,format,tokens_per_s\n", f[7]);
    int e2e = 0;
    for (int i = 0; i < run->ncases; i++)
        e2e += !strcmp(run->cases[i].workload, "e2e");
    int bad = 0;
    for (int k = 0; k < NFIG; k++)
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
        snprintf(nodata[k], 256, "%s", rows[k] ? "" : why_matmul[k]);
    for (int k = 4; k < NFIG; k++)
        snprintf(nodata[k], 256, "%s", e2e ? "decoder figures are not exported by this version"
                 : "no end-to-end decoder (e2e) cases in this run");
    return 0;
}

static int write_meta(const tb_rep_run *run, const char *dir, char nodata[NFIG][256], char *err, int errlen)
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
    for (int k = 0; k < NFIG; k++) {
        fprintf(f, "nodata_%s = ", figures[k]);
        gp_str(f, nodata[k]);
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Run gnuplot on one script for one terminal; 0, -ENOENT when gnuplot is
 * not installed, or the exit status (> 0). */
static int gnuplot(const char *dir, const char *plots, const char *fig, const char *term)
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
    char nodata[NFIG][256];
    r->outdir = dir;
    if (mkdirs(dir) < 0) {
        snprintf(err, (size_t)errlen, "--out %s: cannot create the folder (%s)", dir, strerror(errno));
        return -1;
    }
    const tb_rep_run *run = &r->runs[0];
    if (export_csv(run, dir, nodata, err, errlen) < 0 || write_meta(run, dir, nodata, err, errlen) < 0)
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
        int rc = gnuplot(dir, plots, figures[k], "png");
        if (rc == 0)
            rc = gnuplot(dir, plots, figures[k], "svg");
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
