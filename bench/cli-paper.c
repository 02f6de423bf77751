/* cli-paper.c - `tritbench paper [--quick]`: measures, in one run, what the
 * paper's cost tables need, for fp16, int8 and every ternary format, and
 * writes the --paper report (Markdown + figures) to --out:
 *   Table 1   700M, 1.3B, 3B, 3.9B: memory, decode latency, ratios vs fp16
 *   Figure 2  1.3B .. 70B: latency and memory (larger models measured with
 *             --layers 2 (--quick: 1) and extrapolated; too big: does_not_fit)
 *   Figure 3  energy for 512 tokens: modelled (in each case's metrics)
 *             and measured where an energy sampler is live
 *   Table 3   70B shape with --layers 2 (--quick: 1): throughput against batch and the
 *             largest batch under the memory budget (--max-batch)
 * The case list is made by the e2e workload's own generator (several calls,
 * one per part of the plan) between this run's ceilings, then measured and
 * stored by the run stages of `tritbench run` (tb-run.h); the report is
 * `tritbench report --paper`.  --dry-run prints the plan and the estimate. */
#include "tb-cli.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "tb-model.h"
#include "tb-params.h"
#include "tb-report.h"
#include "tb-run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAPER_FORMATS "fp16,int8,tq2,tq1,tl"
#define PAPER_BW_GUESS 10e9       /* B/s: an assumed DRAM read bandwidth, for the estimate only */
/* weights generated and packed per second, for the estimate only: 1e8 matched the 10 min 32 s of
 * paper --quick on the 2-vCPU development VM (estimate 11 min); the ternary quantizer without a
 * libm call per weight and the shared embedding/head cut the CPU time per built weight 1.54x in a
 * side-by-side run (13B, 2 layers, 5 formats; 9.1 -> 5.9 CPU-s per 1e9 weights, loaded host) */
#define PAPER_GEN_RATE 1.5e8

enum { O_QUICK = 1, O_DB, O_OUT, O_DRY, O_THREADS, O_MEM_BUDGET };

static const tb_opt paper_opts[] = {
    {O_QUICK, "quick", 0, NULL, NULL, "a few minutes: every model with --layers 1, tg8, 3 repetitions, the most "
     "threads only", NULL},
    {O_DB, "db", 0, NULL, "PATH", "SQLite database, created if absent; a file path", "results/tritbench.db"},
    {O_OUT, "out", 0, NULL, "DIR", "where report.md and the figures go", "results/paper"},
    {O_DRY, "dry-run", 0, NULL, NULL, "print the cases and the time estimate; measure nothing", NULL},
    {O_THREADS, "threads", 0, NULL, "N", "threads (full mode: 1 and N; --quick: N)", "the CPUs this process may use"},
    {O_MEM_BUDGET, "mem-budget", 0, NULL, "BYTES", "memory a case may use (e.g. 8GiB)", "available memory"},
    {0},
};

static const tb_cmd_spec paper_spec = {
    .name = "paper",
    .about = "Measure what the paper's tables need (Table 1, Figure 2, Figure 3, Table 3 of arXiv 2402.17764)\n"
             "for fp16, int8 and every ternary format in one run, then write the --paper report and its\n"
             "figures to --out. The full mode prints how long it will take before it starts.\n",
    .opts = paper_opts,
    .footer = "Exit status: as `tritbench run` (0 all cases ok or does_not_fit, 1 a failure, 2 usage error).\n",
};

/* One part of the plan: e2e cases for some models with one set of options. */
typedef struct paper_part {
    const char *what, *models, *tests, *batches;
    int layers, max_batch, only_batched; /* only_batched: keep batch > 1 and --max-batch cases */
} paper_part;

static double model_params(const tb_model_config *c, int layers, double *head)
{
    double attn = (double)c->hidden * (double)c->head_dim * (double)(2 * c->heads + 2 * c->kv_heads);
    double ffn = 3.0 * (double)c->hidden * (double)c->ffn;
    *head = (double)c->vocab * (double)c->hidden;
    return (double)layers * (attn + ffn);
}

/* Does the whole model in fp16 (the largest format) fit the budget? */
static int fits_fp16(const char *name, double budget)
{
    const tb_model_config *c = tb_model_config_find(name);
    double head;
    return c && (model_params(c, (int)c->layers, &head) + 2 * head) * 2 * 1.1 < budget;
}

/* Seconds one case will take, roughly: its decode steps read the weights
 * once per step (bytes per token / PAPER_BW_GUESS), repeated reps times
 * at least --min-time each, plus calibration and warm-up: one iteration
 * each when an iteration outlasts --min-time (the runner then calibrates
 * once), else about as long as the repetitions. */
static double case_seconds(const tb_case *c, long reps, double min_time)
{
    const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
    const tb_model_config *m = tb_model_config_find(p->model);
    const tb_kernel *k = tb_kernel_best(p->format, tb_isa_allowed());
    if (!m || !k)
        return 0;
    double head, proj = model_params(m, (int)p->layers, &head);
    double step = proj * k->bits_per_weight / 8 + head * 2;
    double per_token_s = step / PAPER_BW_GUESS;
    double iter = per_token_s * (double)(p->n_gen + p->n_prompt * p->batch) *
                  (p->batch > 1 ? 1 + 0.05 * (double)p->batch : 1); /* batches add GEMM work */
    return iter > min_time ? (double)(reps + 2) * iter : (double)reps * 2 * min_time;
}

static int build_plan(const tb_run_args *a, int quick, tb_caselist *out, char *why, size_t whylen)
{
    tb_suite_opts so = {
        .err = why,
        .errlen = whylen,
        .max_threads = (int)a->threads,
        .isa_name = a->isa_name,
        .isa_allowed = tb_isa_allowed(),
        .cache_modes = 0,
    };
    if (quick || a->threads == 1) {
        so.threads[so.nthreads++] = (int)a->threads;
    } else {
        so.threads[so.nthreads++] = 1;
        so.threads[so.nthreads++] = (int)a->threads;
    }
    const double budget = a->e2e.mem_budget > 0 ? a->e2e.mem_budget : tb_bench_mem_available_bytes();
    /* Figure 2 and Table 1 models, smallest first; the full mode measures
     * every layer of the models whose fp16 weights fit, 2 of the others */
    static const char *const sizes[] = {"700M", "1.3B", "3B", "3.9B", "7B", "13B", "70B"};
    char whole[128] = "", part[128] = "";
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *dst = !quick && fits_fp16(sizes[i], budget) ? whole : part;
        size_t o = strlen(dst);
        snprintf(dst + o, 128 - o, "%s%s", o ? "," : "", sizes[i]);
    }
    paper_part parts[] = {
        {"Table 1, Figures 2 and 3 (all layers)", whole, quick ? "tg8" : "tg128", "1", 0, 0, 0},
        /* --quick: one layer (layers have one shape, so 1 extrapolates as 2
         * does: the time went into filling and packing them, 6 min 4 s with
         * 2 layers quiet), the full mode 2 */
        {"Table 1, Figures 2 and 3 (layers extrapolated)", part, quick ? "tg8" : "tg128", "1", quick ? 1 : 2, 0, 0},
        /* --quick: one decode step per repetition, the large batches make it GEMM work */
        {"Table 3 (70B shape, max batch)", "70B", quick ? "tg1" : "tg32", quick ? "4" : "1,4,16,64", quick ? 1 : 2, 1, 1},
    };
    int rc = tb_probes_add_cases(out, &so, "quick", "");
    for (size_t i = 0; rc == 0 && i < sizeof parts / sizeof parts[0]; i++) {
        const paper_part *pp = &parts[i];
        if (!pp->models[0])
            continue;
        so.e2e = a->e2e;
        so.e2e.models = pp->models;
        so.e2e.formats = PAPER_FORMATS;
        so.e2e.layers = pp->layers;
        so.e2e.max_batch = pp->max_batch;
        if (pp->max_batch && a->e2e.ctx == 0)
            so.e2e.ctx = 512; /* Table 3's sequence length: the KV cache each sequence holds */
        if (tb_e2e_parse_tests("--test", pp->tests, &so.e2e) < 0 || tb_e2e_parse_batch("--batch", pp->batches, &so.e2e) < 0)
            return -EINVAL;
        int from = out->n;
        rc = tb_e2e_add_cases(out, &so, "e2e");
        if (rc == 0 && pp->only_batched) {
            int w = from;
            for (int j = from; j < out->n; j++) {
                const tb_e2e_params *p = TB_CASE_CPARAMS(&out->v[j], tb_e2e_params);
                if (p->batch > 1 || p->max_batch)
                    out->v[w++] = out->v[j];
            }
            out->n = w;
        }
    }
    if (rc == 0)
        rc = tb_probes_add_cases(out, &so, "quick", "end");
    if (rc == 0)
        tb_e2e_count_uses(out);
    return rc;
}

static void print_plan(const tb_run_args *a, const tb_caselist *cases, int quick, int dry, FILE *f)
{
    double total = 0, weights = 0;
    int ne2e = 0;
    for (int i = 0; i < cases->n; i++) {
        const tb_case *c = &cases->v[i];
        if (strcmp(c->wl->name, "e2e")) {
            if (dry)
                fprintf(f, "  %-58s ceiling\n", c->key);
            continue;
        }
        const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
        double s = case_seconds(c, a->reps, a->min_time_s);
        total += s;
        ne2e++;
        /* what is filled and packed (e2e.c shares it): the projections once
         * per model, format and layer count; the fp16
         * embedding and head once per model */
        int first_proj = 1, first_head = 1;
        for (int j = 0; j < i && (first_proj || first_head); j++) {
            const tb_e2e_params *q = TB_CASE_CPARAMS(&cases->v[j], tb_e2e_params);
            if (strcmp(cases->v[j].wl->name, "e2e") || strcmp(q->model, p->model))
                continue;
            first_head = 0;
            if (!strcmp(q->format, p->format) && q->layers == p->layers)
                first_proj = 0;
        }
        const tb_model_config *m = tb_model_config_find(p->model);
        double head, proj = m ? model_params(m, (int)p->layers, &head) : 0;
        if (m && first_proj)
            weights += proj;
        if (m && first_head)
            weights += 2 * head;
        if (dry)
            fprintf(f, "  %-58s %s%s  ~%.1fs\n", c->key, p->extrapolated ? "extrapolated " : "",
                    p->max_batch ? "max-batch " : "", s);
    }
    double build = weights / PAPER_GEN_RATE, probes = 2 * 30.0;
    double est = total + build + probes;
    fprintf(f, "tritbench paper%s: %d decoder cases in %s formats, %d cases in all\n", quick ? " --quick" : "", ne2e,
            PAPER_FORMATS, cases->n);
    fprintf(f, "estimate: about %.0f min (decode: bytes one token reads / an assumed %.0f GB/s x tokens x (%ld reps + "
            "calibration and warm-up), %.0f min; filling and packing the weights (each model's fp16 embedding and head"
            " once, its projections once per format and layer count) at ~%.1e weights/s, %.0f min; the ceilings"
            " ~%.0f min). The real time depends on this machine's bandwidth and load.\n",
            ceil(est / 60), PAPER_BW_GUESS / 1e9, a->reps, total / 60, PAPER_GEN_RATE, build / 60, probes / 60);
}

int tb_cmd_paper(int argc, char **argv)
{
    const char *db = "results/tritbench.db", *out = "results/paper", *budget = NULL;
    int quick = 0, dry = 0;
    long threads = tb_bench_cpus_available();
    tb_optparse p;
    tb_opt_init(&p, &paper_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        switch (id) {
        case TB_OPT_HELP:
        case TB_OPT_ERROR: return tb_opt_exit(id);
        case TB_OPT_ARG:
            return tb_die(TB_EXIT_USAGE, "paper: unexpected argument '%s' (try: tritbench paper --help)",
                          tb_clip(p.arg));
        case O_QUICK: quick = 1; break;
        case O_DRY: dry = 1; break;
        case O_DB:
            if (tb_check_db_path(p.opt, p.arg) < 0)
                return TB_EXIT_USAGE;
            db = p.arg;
            break;
        case O_OUT:
            if (!*p.arg)
                return tb_die(TB_EXIT_USAGE, "--out '': expected a folder");
            out = p.arg;
            break;
        case O_THREADS:
            if (tb_parse_int(p.opt, p.arg, 1, 256, &threads) < 0)
                return TB_EXIT_USAGE;
            break;
        case O_MEM_BUDGET: {
            double b;
            if (tb_parse_bytes(p.opt, p.arg, &b) < 0)
                return TB_EXIT_USAGE;
            budget = p.arg;
            break;
        }
        }
    }
    /* the run's arguments as `tritbench run e2e` would parse them */
    char th[24];
    snprintf(th, sizeof th, "%ld", threads);
    char *rv[32] = {"run", "e2e", "--db", (char *)db, "--threads", th, "--quiet"};
    int rn = 7;
    if (quick) {
        rv[rn++] = "--reps";
        rv[rn++] = "3";
        rv[rn++] = "--min-time";
        rv[rn++] = "5ms";
        rv[rn++] = "--warmup";
        rv[rn++] = "20ms";
        rv[rn++] = "--idle";
        rv[rn++] = "0";
    }
    if (budget) {
        rv[rn++] = "--mem-budget";
        rv[rn++] = (char *)budget;
    }
    tb_run_args a;
    tb_caselist cases = {0};
    tb_run_session s = {0};
    int rc = tb_run_parse(rn, rv, &a);
    if (rc) {
        tb_run_args_free(&a);
        return tb_opt_exit(rc);
    }
    /* the run records the command as typed */
    char *cmd = malloc(4096);
    if (cmd) {
        size_t o = (size_t)snprintf(cmd, 4096, "tritbench paper");
        for (int i = 1; i < argc && o < 4096; i++)
            o += (size_t)snprintf(cmd + o, 4096 - o, " %s", argv[i]);
        free(a.cmdline);
        a.cmdline = cmd;
    }
    tb_isa_set_cap(a.isa_cap);
    char why[512] = "";
    int prc = build_plan(&a, quick, &cases, why, sizeof why);
    if (prc < 0) {
        rc = prc == -EINVAL && why[0] ? tb_die(TB_EXIT_USAGE, "paper: %s", why)
                                      : tb_die(TB_EXIT_FAIL, "paper: cannot build the case list: %s", strerror(-prc));
    } else {
        print_plan(&a, &cases, quick, dry, stdout);
        fflush(stdout);
        if (!dry && !(rc = tb_run_measure(&a, &cases, &s))) {
            rc = tb_run_report(&a, &s);
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)s.run_id);
            char *report_argv[] = {"report", "--db", (char *)db, "--run", id, "--paper", "--out", (char *)out, NULL};
            tb_run_close(&s);
            int rrc = tb_cmd_report(8, report_argv);
            if (!rc)
                rc = rrc;
        }
    }
    tb_run_close(&s);
    tb_caselist_free(&cases);
    tb_run_args_free(&a);
    return rc;
}
