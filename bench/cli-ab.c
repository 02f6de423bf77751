/* cli-ab.c - `tritbench ab --base OLD_BINARY SUITE [run options]`: a paired
 * A/B gate for noisy machines.  For each case of SUITE (planned exactly as
 * `tritbench run` plans it: same case lists, same keys), one child process
 * of each binary (ab-child.c) sets the case up and verifies it against the
 * scalar reference; both calibrate, the larger count is frozen for both;
 * then rounds ABBA / BAAB alternately, each repetition on the same pinned
 * CPUs.  A round that saw steal or a migration is discarded and redone (up
 * to --max-redo times per case).  Per round the ratio candidate/base time;
 * the case's ratio is their median with its order-statistic 95 % CI and the
 * sign test's p (Holm across the pass's cases); the verdict as `compare`
 * gives it, against max(--threshold, the case's A/A noise floor).  A
 * "slower" case is measured again from scratch (a second pass); only a
 * slowdown both passes see fails the gate.  --aa: the same binary on both
 * sides, each case's noise floor stored.  --instructions: instructions per
 * iteration instead of wall time, from perf's hardware counter where the
 * PMU is live (native ISA), else under valgrind's cachegrind (--isa avx2);
 * --counter picks one.  Both sides' children start together (setup and
 * verification overlap); the confirm pass reuses the first pass's frozen
 * iteration count; where the time went is printed per case and in total
 * (stderr).  Exit 1 on a confirmed regression or a failed case, 0
 * otherwise, 2 on usage errors. */
#include "tb-ab.h"
#include "tb-cli.h"
#include "tb-compare.h"
#include "tb-machine.h"
#include "tb-platform.h"
#include "tb-run.h"
#include "tb-stats.h"
#include "tb-store-compare.h"
#include "tb-store.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { O_BASE = 1, O_CAND, O_AA, O_ROUNDS, O_MIN_TIME, O_WARMUP, O_THRESHOLD, O_ALPHA, O_MAX_REDO, O_NO_CONFIRM,
       O_INSTR, O_COUNTER, O_ITHRESHOLD, O_DB, O_NO_STORE };

enum { AB_CG = 0, AB_PERF = 1 }; /* --instructions counters */
/* iterations of the two counts whose difference is divided out */
#define AB_PERF_N1 2
#define AB_PERF_N2 10
#define AB_CG_N1 1
#define AB_CG_N2 3

static const tb_opt ab_opts[] = {
    {O_BASE, "base", 0, NULL, "BIN", "the base build's tritbench binary (the old side)", NULL},
    {O_CAND, "cand", 0, NULL, "BIN", "the candidate's binary", "this binary"},
    {O_AA, "aa", 0, NULL, NULL, "A/A: the candidate against itself; stores each case's noise floor", NULL},
    {O_ROUNDS, "rounds", 0, NULL, "N", "paired rounds per case (each runs base, cand, cand, base or the reverse), "
                                      "6 to 1000; 95 % CIs need 6", "12"},
    {O_MIN_TIME, "min-time", 0, NULL, "T", "minimum time of one repetition", "20ms"},
    {O_WARMUP, "warmup", 0, NULL, "T", "warm-up of each side before the rounds", "100ms"},
    {O_THRESHOLD, "threshold", 0, NULL, "PCT", "slowdown that counts, percent (or the case's A/A noise floor when "
                                               "larger)", "5"},
    {O_ALPHA, "alpha", 0, NULL, "A", "significance level of the Holm-adjusted sign test", "0.05"},
    {O_MAX_REDO, "max-redo", 0, NULL, "N", "rounds redone per case for steal or a migration before such rounds "
                                           "are kept (and the case marked unstable)", "the rounds"},
    {O_NO_CONFIRM, "no-confirm", 0, NULL, NULL, "fail on the first pass's slower verdicts (no second pass)", NULL},
    {O_INSTR, "instructions", 0, NULL, NULL, "compare instructions per iteration instead of wall time (1-thread "
                                             "cases): perf's hardware counter where the PMU is live (native ISA), "
                                             "else valgrind's cachegrind (at --isa avx2)", NULL},
    {O_COUNTER, "counter", 0, NULL, "C", "--instructions: auto, perf (user-space instructions, "
                                         "PERF_COUNT_HW_INSTRUCTIONS) or cachegrind", "auto"},
    {O_ITHRESHOLD, "instr-threshold", 0, NULL, "PCT", "--instructions: change that counts, percent", "1"},
    {O_DB, "db", 0, NULL, "PATH", "database the verdicts (and A/A floors) are stored in", "results/tritbench.db"},
    {O_NO_STORE, "no-store", 0, NULL, NULL, "store nothing (floors are still read when the database exists)", NULL},
    {0},
};

static const tb_cmd_spec ab_spec = {
    .name = "ab",
    .args = "--base BIN SUITE [run options]",
    .about = "Paired A/B of two tritbench binaries on SUITE's cases, interleaved round by round on the same\n"
             "pinned CPUs with the same frozen iteration count; both sides verified before timing; rounds\n"
             "that saw steal or a migration redone; ratio = candidate/base time from the paired rounds\n"
             "(median, 95% order-statistic CI, sign test with Holm's correction); a slower verdict is\n"
             "confirmed by a second pass before it fails.  Verdicts go to table comparisons (kind ab, aa).\n"
             "SUITE and the plan options of `tritbench run` (--threads, --isa, --cache, --filter, --model,\n"
             "--format, --test, --layers, --batch, ...) pass through unchanged, so keys match `run`'s.\n",
    .opts = ab_opts,
    .footer = "Exit status: 0 no confirmed regression, 1 a confirmed regression or a case that failed on a side\n"
              "(wrong, error, a binary without the ab protocol), 2 usage error.\n",
};

typedef struct ab_cfg {
    const char *base, *cand, *db;
    int aa, rounds, max_redo, confirm, instr, counter, store;
    double min_time_s, warmup_s, thr, alpha, ithr;
    char **run_argv;
    int run_argc;
} ab_cfg;

typedef struct ab_row {
    const tb_case *c;
    int ok, skipped;
    char why[400];
    uint64_t iters;
    int rounds, redone, kept_noisy;
    double *q, *ta, *tb;      /* per-round ratios; per-repetition ns/iter of each side */
    tb_paired ps;
    double p_holm, thr, floor;
    tb_cmp_verdict v;
    int pass;                 /* 2 when confirmed (or not) by a second pass */
    double ratio1;            /* the first pass's ratio when a second ran */
    char commit_a[48], commit_b[48];
    double ir_a, ir_b;        /* --instructions */
    double t_start, t_cal, t_warm, t_rounds; /* wall seconds of the last pass's phases */
} ab_row;

/* Where the time went, summed over cases (seconds of wall time). */
typedef struct ab_clock {
    double start, cal, warm, rounds, confirm;
} ab_clock;

static double now_s(void)
{
    return (double)tb_plat_now_ns() * 1e-9;
}

static double median(const double *x, int n)
{
    tb_stats s;
    return n > 0 && tb_stats_compute(x, n, &s) == 0 ? s.median : NAN;
}

static int parse_t(const char *reply, double *ns, int *c0, int *c1, long long *steal)
{
    unsigned long long w;
    if (sscanf(reply, "t %llu %d %d %lld", &w, c0, c1, steal) != 4)
        return -1;
    *ns = (double)w;
    return 0;
}

static void row_free(ab_row *r)
{
    free(r->q);
    free(r->ta);
    free(r->tb);
    r->q = r->ta = r->tb = NULL;
}

/* Measure one case: both children (started together: their setup and
 * verification overlap), calibration (skipped when FROZEN > 0: the count
 * of an earlier pass), warm-up, the rounds. */
static void measure(const ab_cfg *g, ab_row *r, uint64_t frozen)
{
    row_free(r);
    r->ok = 0;
    r->rounds = r->redone = r->kept_noisy = 0;
    r->t_start = r->t_cal = r->t_warm = r->t_rounds = 0;
    tb_abproc P[2];
    const char *bin[2] = {g->base, g->cand};
    int started = 0;
    char reply[256], cmd[96];
    double t0 = now_s();
    for (; started < 2; started++)
        if (tb_abproc_start(&P[started], bin[started], NULL, r->c->key, "serve", g->run_argv, g->run_argc) < 0) {
            snprintf(r->why, sizeof r->why, "%s: %s", started ? "candidate" : "base", P[started].why);
            started++;
            goto out;
        }
    for (int s = 0; s < 2; s++)
        if (tb_abproc_ready(&P[s]) < 0) {
            snprintf(r->why, sizeof r->why, "%s: %s", s ? "candidate" : "base", P[s].why);
            goto out;
        }
    r->t_start = now_s() - t0;
    t0 = now_s();
    snprintf(r->commit_a, sizeof r->commit_a, "%s%s", P[0].commit, P[0].dirty ? "+dirty" : "");
    snprintf(r->commit_b, sizeof r->commit_b, "%s%s", P[1].commit, P[1].dirty ? "+dirty" : "");
    uint64_t iters = frozen; /* per side the smaller of two calibrations; the larger side's count for both */
    for (int s = 0; s < 2 && !frozen; s++) {
        uint64_t side = 0;
        for (int k = 0; k < 2 && !(k == 1 && side == 1); k++) { /* a second count can only be 1 again */
            unsigned long long it = 0;
            snprintf(cmd, sizeof cmd, "calibrate %.0f", g->min_time_s * 1e9);
            if (tb_abproc_cmd(&P[s], cmd, reply, sizeof reply) < 0 || sscanf(reply, "iters %llu", &it) != 1) {
                snprintf(r->why, sizeof r->why, "%s: calibration: %s", s ? "candidate" : "base", P[s].why);
                goto out;
            }
            side = k == 0 || it < side ? it : side;
        }
        iters = side > iters ? side : iters;
    }
    r->iters = iters;
    r->t_cal = now_s() - t0;
    t0 = now_s();
    for (int s = 0; s < 2; s++) {
        snprintf(cmd, sizeof cmd, "warmup %.0f %" PRIu64, g->warmup_s * 1e9, iters);
        if (tb_abproc_cmd(&P[s], cmd, reply, sizeof reply) < 0) {
            snprintf(r->why, sizeof r->why, "%s: warm-up: %s", s ? "candidate" : "base", P[s].why);
            goto out;
        }
    }
    r->t_warm = now_s() - t0;
    t0 = now_s();
    r->q = calloc((size_t)g->rounds, sizeof *r->q);
    r->ta = calloc((size_t)g->rounds * 2, sizeof *r->ta);
    r->tb = calloc((size_t)g->rounds * 2, sizeof *r->tb);
    if (!r->q || !r->ta || !r->tb) {
        snprintf(r->why, sizeof r->why, "out of memory");
        goto out;
    }
    snprintf(cmd, sizeof cmd, "time %" PRIu64, iters);
    for (int k = 0; r->rounds < g->rounds; k++) {
        static const int abba[4] = {0, 1, 1, 0}, baab[4] = {1, 0, 0, 1};
        const int *order = k % 2 ? baab : abba;
        double t[2][2];
        int nt[2] = {0, 0}, noisy = 0;
        for (int j = 0; j < 4; j++) {
            int s = order[j], c0, c1;
            long long steal;
            double ns;
            if (tb_abproc_cmd(&P[s], cmd, reply, sizeof reply) < 0 || parse_t(reply, &ns, &c0, &c1, &steal) < 0) {
                snprintf(r->why, sizeof r->why, "%s: repetition: %s", s ? "candidate" : "base",
                         P[s].why[0] ? P[s].why : reply);
                goto out;
            }
            noisy |= c0 != c1 || steal > 0;
            t[s][nt[s]++] = ns / (double)iters;
        }
        if (noisy && r->redone < g->max_redo) {
            r->redone++;
            continue;
        }
        r->kept_noisy += noisy;
        r->q[r->rounds] = (t[1][0] + t[1][1]) / (t[0][0] + t[0][1]);
        for (int j = 0; j < 2; j++) {
            r->ta[2 * r->rounds + j] = t[0][j];
            r->tb[2 * r->rounds + j] = t[1][j];
        }
        r->rounds++;
    }
    r->t_rounds = now_s() - t0;
    if (tb_paired_compute(r->q, r->rounds, &r->ps) < 0)
        snprintf(r->why, sizeof r->why, "statistics over %d rounds failed", r->rounds);
    else
        r->ok = 1;
out:
    for (int s = 0; s < started; s++) {
        int st = tb_abproc_stop(&P[s]);
        if (r->ok && st != 0) {
            snprintf(r->why, sizeof r->why, "%s child exited with status %d", s ? "candidate" : "base", st);
            r->ok = 0;
        }
    }
}

/* Verdicts of rows idx[0..n) from their paired statistics, Holm across them. */
static void judge(const ab_cfg *g, ab_row *rows, const int *idx, int n)
{
    double *p = calloc((size_t)(n ? n : 1), sizeof *p);
    if (!p)
        return;
    for (int i = 0; i < n; i++)
        p[i] = rows[idx[i]].ok ? rows[idx[i]].ps.p : NAN;
    tb_holm(p, n, p);
    for (int i = 0; i < n; i++) {
        ab_row *r = &rows[idx[i]];
        if (!r->ok)
            continue;
        r->p_holm = p[i];
        r->thr = g->aa || isnan(r->floor) || r->floor < g->thr ? g->thr : r->floor;
        tb_ratio_ci ci = {.ratio = r->ps.median, .lo = r->ps.lo, .hi = r->ps.hi, .level = 0.95, .hl = NAN};
        r->v = tb_cmp_verdict_of(&ci, r->p_holm, g->alpha, r->thr, r->kept_noisy > 0 || r->rounds < 6);
    }
    free(p);
}

static void print_table(const ab_cfg *g, const ab_row *rows, int n, const char *fp, const char *suite)
{
    const char *ca = "", *cb = "";
    for (int i = 0; i < n; i++)
        if (rows[i].commit_a[0]) {
            ca = rows[i].commit_a;
            cb = rows[i].commit_b;
            break;
        }
    printf("### tritbench ab%s: %s (%.12s) vs %s (%.12s)\n\n", g->aa ? " --aa" : "", g->base, ca, g->cand, cb);
    if (g->instr) {
        if (g->counter == AB_PERF)
            printf("Machine %.12s, suite %s.  Counter: perf (PERF_COUNT_HW_INSTRUCTIONS, user space, the child's "
                   "own thread): instructions per iteration = (count of %d - count of %d iterations) / %d, at the "
                   "native ISA (AVX-512 included); gate %.1f %%.\n\n", fp, suite, AB_PERF_N2, AB_PERF_N1,
                   AB_PERF_N2 - AB_PERF_N1, 100 * g->ithr);
        else
            printf("Machine %.12s, suite %s.  Counter: valgrind's cachegrind (no hardware instruction counter "
                   "here): instructions per iteration = (Ir of %d - Ir of %d iterations) / %d, children at --isa "
                   "avx2 (Debian's valgrind cannot run AVX-512); gate %.1f %%.\n\n", fp, suite, AB_CG_N2, AB_CG_N1,
                   AB_CG_N2 - AB_CG_N1, 100 * g->ithr);
        printf("| case | base instr/iter | candidate instr/iter | ratio | verdict |\n|---|---:|---:|---:|---|\n");
        for (int i = 0; i < n; i++) {
            const ab_row *r = &rows[i];
            if (!r->ok)
                printf("| %s | - | - | - | %s: %s |\n", r->c->key, r->skipped ? "skipped" : "failed", r->why);
            else
                printf("| %s | %.0f | %.0f | %.4f | %s%s%s |\n", r->c->key, r->ir_a, r->ir_b, r->ir_b / r->ir_a,
                       r->v == TB_CMP_SLOWER ? "**" : "", tb_cmp_verdict_name(r->v), r->v == TB_CMP_SLOWER ? "**" : "");
        }
        return;
    }
    printf("Machine %.12s, suite %s.  %d paired rounds per case (ABBA, BAAB alternating; A = base), the same frozen "
           "iteration count on both sides; rounds with steal or a CPU migration redone.\n\n", fp, suite, g->rounds);
    printf("| case | base | candidate | ratio [95%% CI] | rounds (redone) | p (Holm) | threshold | verdict |\n");
    printf("|---|---:|---:|---|---:|---:|---:|---|\n");
    int count[5] = {0}, nok = 0;
    double *gr = malloc((size_t)(n ? n : 1) * 3 * sizeof *gr);
    for (int i = 0; i < n; i++) {
        const ab_row *r = &rows[i];
        if (!r->ok) {
            printf("| %s | - | - | - | - | - | - | failed: %s |\n", r->c->key, r->why);
            continue;
        }
        char ma[32], mb[32], ci[64], vd[160];
        tb_fmt_ns(median(r->ta, 2 * r->rounds), ma, sizeof ma);
        tb_fmt_ns(median(r->tb, 2 * r->rounds), mb, sizeof mb);
        if (isnan(r->ps.lo))
            snprintf(ci, sizeof ci, "%.3f [too few rounds]", r->ps.median);
        else
            snprintf(ci, sizeof ci, "%.3f [%.3f, %.3f]", r->ps.median, r->ps.lo, r->ps.hi);
        if (r->pass == 2)
            snprintf(vd, sizeof vd, "%s%s%s (pass 1: slower, %.3f; pass 2 %s)", r->v == TB_CMP_SLOWER ? "**" : "",
                     tb_cmp_verdict_name(r->v), r->v == TB_CMP_SLOWER ? "**" : "", r->ratio1,
                     r->v == TB_CMP_SLOWER ? "confirmed" : "did not confirm");
        else
            snprintf(vd, sizeof vd, "%s", tb_cmp_verdict_name(r->v));
        printf("| %s | %s | %s | %s | %d (%d) | %.3g | %.1f%%%s | %s |\n", r->c->key, ma, mb, ci, r->rounds, r->redone,
               r->p_holm, 100 * r->thr, !isnan(r->floor) && r->floor >= g->thr && !g->aa ? " (floor)" : "", vd);
        count[r->v]++;
        if (gr) {
            gr[nok] = r->ps.median;
            gr[n + nok] = r->ps.lo;
            gr[2 * n + nok] = r->ps.hi;
        }
        nok++;
    }
    double gm, gl, gh;
    if (gr && nok > 0 && tb_geomean_ci(gr, gr + n, gr + 2 * n, nok, &gm, &gl, &gh) == 0) {
        if (isnan(gl))
            printf("\nGeometric mean of the ratios over %d case(s): %.3f (no CI: a case has too few rounds)\n", nok, gm);
        else
            printf("\nGeometric mean of the ratios over %d case(s): %.3f, 95%% CI [%.3f, %.3f]\n", nok, gm, gl, gh);
    }
    free(gr);
    printf("\n%d slower, %d faster, %d same, %d ambiguous, %d unstable.  Ratio = candidate/base time; CI: order "
           "statistics of the per-round ratios; p: sign test, two-sided, Holm-adjusted, alpha %.3g; threshold %.1f%%%s.\n",
           count[TB_CMP_SLOWER], count[TB_CMP_FASTER], count[TB_CMP_SAME], count[TB_CMP_AMBIGUOUS],
           count[TB_CMP_UNSTABLE], g->alpha, 100 * g->thr, g->aa ? "" : " or the case's A/A noise floor when larger");
}

static int store_rows(const ab_cfg *g, tb_store *s, const ab_row *rows, int n, const char *fp)
{
    tb_comparison *cr = calloc((size_t)(n ? n : 1), sizeof *cr);
    char (*notes)[320] = calloc((size_t)(n ? n : 1), sizeof *notes);
    int k = 0, rc = 0;
    if (!cr || !notes) {
        free(cr);
        free(notes);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const ab_row *r = &rows[i];
        if (!r->ok)
            continue;
        tb_comparison *c = &cr[k];
        c->kind = g->aa ? "aa" : "ab";
        c->base_source = g->base;
        c->cand_source = g->cand;
        c->base_commit = r->commit_a;
        c->cand_commit = r->commit_b;
        c->case_key = r->c->key;
        c->base_fingerprint = c->cand_fingerprint = fp;
        c->threshold = g->instr ? g->ithr : r->thr;
        c->noise_floor = g->instr ? NAN : r->floor;
        c->verdict = tb_cmp_verdict_name(r->v);
        c->note = notes[k];
        c->p_value = c->p_holm = c->ci_lo = c->ci_hi = c->ci_level = c->base_median_ns = c->cand_median_ns = NAN;
        if (g->instr) {
            c->ratio = r->ir_b / r->ir_a;
            c->ci_method = g->counter == AB_PERF ? "perf hardware counter: user-space instructions per iteration, "
                                                   "native ISA (no CI)"
                                                 : "cachegrind instructions per iteration, --isa avx2 (deterministic, "
                                                   "no CI)";
            snprintf(notes[k], sizeof notes[k], "counter %s; instructions/iteration base %.0f, candidate %.0f",
                     g->counter == AB_PERF ? "perf" : "cachegrind", r->ir_a, r->ir_b);
        } else {
            c->base_median_ns = median(r->ta, 2 * r->rounds);
            c->cand_median_ns = median(r->tb, 2 * r->rounds);
            c->base_n = c->cand_n = 2 * r->rounds;
            c->ratio = r->ps.median;
            c->ci_lo = r->ps.lo;
            c->ci_hi = r->ps.hi;
            c->ci_level = 0.95;
            c->ci_method = "paired ABBA rounds: median of per-round ratios, order-statistic CI; sign test";
            c->p_value = r->ps.p;
            c->p_holm = r->p_holm;
            snprintf(notes[k], sizeof notes[k], "%d rounds, %d redone for steal/migration, %d noisy kept, %" PRIu64
                     " iterations per repetition%s", r->rounds, r->redone, r->kept_noisy, r->iters,
                     r->pass == 2 ? (r->v == TB_CMP_SLOWER ? "; slower in both passes" : "; pass 1 slower, not "
                                     "confirmed by pass 2") : "");
        }
        k++;
    }
    if (k > 0 && tb_store_comparisons(s, cr, k) < 0)
        rc = -1;
    for (int i = 0; i < n && rc == 0 && g->aa && !g->instr; i++) {
        const ab_row *r = &rows[i];
        if (!r->ok)
            continue;
        tb_ratio_ci ci = {.ratio = r->ps.median, .lo = r->ps.lo, .hi = r->ps.hi, .level = 0.95, .hl = NAN};
        double f = tb_noise_floor_of(&ci);
        char note[160];
        snprintf(note, sizeof note, "%s; %d redone, %d noisy kept", isnan(f) ? "too few rounds for a 95 % CI" :
                 "relative half-width of the A/A ratio's 95 % CI", r->redone, r->kept_noisy);
        if (tb_store_noise_floor(s, fp, r->c->key, f, r->rounds, "ab --aa: paired ABBA rounds, order-statistic CI",
                                 note) < 0)
            rc = -1;
    }
    free(cr);
    free(notes);
    return rc;
}

/* Split argv into ab's own options (into mine) and everything else (the
 * run plan's SUITE and options, in order, into plan). */
static int is_mine(const char *a, int *takes_value)
{
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        *takes_value = 0;
        return 1;
    }
    if (strncmp(a, "--", 2))
        return 0;
    const char *n = a + 2;
    size_t len = strcspn(n, "=");
    for (int i = 0; ab_opts[i].id; i++)
        if (strlen(ab_opts[i].name) == len && !strncmp(ab_opts[i].name, n, len)) {
            *takes_value = ab_opts[i].arg && !n[len];
            return 1;
        }
    return 0;
}

int tb_cmd_ab(int argc, char **argv)
{
    ab_cfg g = {.db = "results/tritbench.db", .rounds = 12, .confirm = 1, .store = 1, .min_time_s = 0.02,
                .warmup_s = 0.1, .thr = 0.05, .alpha = 0.05, .ithr = 0.01, .max_redo = -1};
    char **mine = calloc((size_t)argc + 1, sizeof *mine), **plan = calloc((size_t)argc + 4, sizeof *plan);
    int nm = 1, npl = 1, rc = TB_EXIT_USAGE;
    tb_run_args a;
    int parsed = 0;
    tb_caselist cases = {0};
    ab_row *rows = NULL;
    tb_store *st = NULL;
    if (!mine || !plan) {
        free(mine);
        free(plan);
        return tb_die(TB_EXIT_FAIL, "ab: out of memory");
    }
    mine[0] = argv[0];
    plan[0] = (char *)"run";
    for (int i = 1; i < argc; i++) {
        int tv = 0;
        if (is_mine(argv[i], &tv)) {
            mine[nm++] = argv[i];
            if (tv && i + 1 < argc)
                mine[nm++] = argv[++i];
        } else {
            plan[npl++] = argv[i];
        }
    }
    int counter_opt = -1; /* auto */
    tb_optparse p;
    tb_opt_init(&p, &ab_spec, nm, mine);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        long v;
        double d;
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR) {
            rc = tb_opt_exit(id);
            goto out;
        }
        switch (id) {
        case O_BASE: g.base = p.arg; break;
        case O_CAND: g.cand = p.arg; break;
        case O_AA: g.aa = 1; break;
        case O_ROUNDS:
            if (tb_parse_int(p.opt, p.arg, 6, 1000, &v) < 0)
                goto out;
            g.rounds = (int)v;
            break;
        case O_MAX_REDO:
            if (tb_parse_int(p.opt, p.arg, 0, 100000, &v) < 0)
                goto out;
            g.max_redo = (int)v;
            break;
        case O_MIN_TIME:
            if (tb_parse_seconds(p.opt, p.arg, 1e-6, 10, &g.min_time_s) < 0)
                goto out;
            break;
        case O_WARMUP:
            if (tb_parse_seconds(p.opt, p.arg, 0, 60, &g.warmup_s) < 0)
                goto out;
            break;
        case O_THRESHOLD:
        case O_ITHRESHOLD: {
            char *end;
            d = strtod(p.arg, &end);
            if (end == p.arg || *end || !(d >= 0 && d <= 1000)) {
                tb_die(TB_EXIT_USAGE, "%s %s: expected a percentage from 0 to 1000", p.opt, tb_clip(p.arg));
                goto out;
            }
            *(id == O_THRESHOLD ? &g.thr : &g.ithr) = d / 100;
            break;
        }
        case O_ALPHA: {
            char *end;
            d = strtod(p.arg, &end);
            if (end == p.arg || *end || !(d > 0 && d < 1)) {
                tb_die(TB_EXIT_USAGE, "--alpha %s: expected a number between 0 and 1", tb_clip(p.arg));
                goto out;
            }
            g.alpha = d;
            break;
        }
        case O_NO_CONFIRM: g.confirm = 0; break;
        case O_INSTR: g.instr = 1; break;
        case O_COUNTER:
            if (!strcmp(p.arg, "auto"))
                counter_opt = -1;
            else if (!strcmp(p.arg, "perf"))
                counter_opt = AB_PERF;
            else if (!strcmp(p.arg, "cachegrind"))
                counter_opt = AB_CG;
            else {
                tb_die(TB_EXIT_USAGE, "--counter %s: expected auto, perf or cachegrind", tb_clip(p.arg));
                goto out;
            }
            break;
        case O_DB:
            if (tb_check_db_path(p.opt, p.arg) < 0)
                goto out;
            g.db = p.arg;
            break;
        case O_NO_STORE: g.store = 0; break;
        default: break;
        }
    }
    if (g.max_redo < 0)
        g.max_redo = g.rounds;
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        rc = tb_die(TB_EXIT_FAIL, "ab: cannot read /proc/self/exe: this binary cannot start itself as the candidate");
        goto out;
    }
    self[sl] = 0;
    if (!g.cand)
        g.cand = self;
    if (g.aa && !g.base)
        g.base = g.cand;
    if (!g.base) {
        rc = tb_die(TB_EXIT_USAGE, "ab: missing --base BIN (the old build's tritbench), or --aa for A/A");
        goto out;
    }
    for (int s = 0; s < 2; s++)
        if (access(s ? g.cand : g.base, X_OK) < 0) {
            rc = tb_die(TB_EXIT_USAGE, "--%s %s: not an executable file", s ? "cand" : "base", tb_clip(s ? g.cand : g.base));
            goto out;
        }
    char pmu_why[200] = "";
    int pmu = 0;
    if (g.instr) {
        pmu = tb_ab_pmu_live(pmu_why, sizeof pmu_why);
        if (counter_opt == AB_PERF && !pmu) {
            rc = tb_die(TB_EXIT_USAGE, "--counter perf: no hardware instruction counter here (%s)", pmu_why);
            goto out;
        }
        g.counter = counter_opt >= 0 ? counter_opt : pmu ? AB_PERF : AB_CG;
        if (g.counter == AB_PERF) {
            fprintf(stderr, "tritbench ab: counting user-space instructions with perf's hardware counter, at the "
                    "native ISA\n");
        } else {
            if (!pmu)
                fprintf(stderr, "tritbench ab: hardware instruction counter not live (%s): counting with valgrind's "
                        "cachegrind; children run at --isa avx2 (Debian's valgrind cannot run AVX-512)\n", pmu_why);
            else
                fprintf(stderr, "tritbench ab: --counter cachegrind: counting with valgrind's cachegrind although a "
                        "hardware counter is live; children run at --isa avx2\n");
            plan[npl++] = (char *)"--isa";
            plan[npl++] = (char *)"avx2"; /* the last --isa wins */
        }
    } else if (counter_opt >= 0) {
        rc = tb_die(TB_EXIT_USAGE, "--counter: only with --instructions");
        goto out;
    }
    int prc = tb_run_parse(npl, plan, &a);
    parsed = 1;
    if (prc) {
        rc = tb_opt_exit(prc);
        goto out;
    }
    if ((rc = tb_run_plan(&a, &cases)) != 0)
        goto out;
    rc = TB_EXIT_FAIL;
    tb_machine m;
    tb_machine_probe(&m);
    char err[512];
    if (g.store) {
        if (tb_store_open(g.db, &st, err, sizeof err) < 0) {
            rc = tb_die(TB_EXIT_FAIL, "ab: %s", err);
            goto out;
        }
    } else if (access(g.db, R_OK) == 0 && tb_store_open_readonly(g.db, &st, err, sizeof err) < 0) {
        st = NULL; /* floors unavailable: said below */
        fprintf(stderr, "tritbench ab: %s: cannot read noise floors: %s\n", g.db, err);
    }
    signal(SIGPIPE, SIG_IGN); /* a child that dies is an error reply, not our death */
    g.run_argv = plan; /* "run" SUITE options...: the child parses them as run does */
    g.run_argc = npl;
    rows = calloc((size_t)cases.n, sizeof *rows);
    int *idx = calloc((size_t)cases.n, sizeof *idx);
    if (!rows || !idx) {
        free(idx);
        rc = tb_die(TB_EXIT_FAIL, "ab: out of memory");
        goto out;
    }
    int failed = 0, nidx = 0;
    ab_clock clk = {0};
    double t_all = now_s();
    for (int i = 0; i < cases.n; i++) {
        ab_row *r = &rows[i];
        r->c = &cases.v[i];
        r->floor = st && !g.aa ? tb_store_noise_floor_get(st, m.fingerprint, r->c->key) : NAN;
        fprintf(stderr, "tritbench ab: [%d/%d] %s\n", i + 1, cases.n, r->c->key);
        if (g.instr) {
            if (r->c->threads != 1) {
                r->skipped = 1;
                snprintf(r->why, sizeof r->why, "%d threads: %s (1-thread cases only)", r->c->threads,
                         g.counter == AB_PERF ? "the counter follows the child's own thread"
                                              : "cachegrind serialises threads");
                continue;
            }
            char why[300];
            int e = 0;
            for (int s = 0; s < 2 && !e; s++) {
                const char *b = s ? g.cand : g.base;
                double *ir = s ? &r->ir_b : &r->ir_a;
                char *commit = s ? r->commit_b : r->commit_a;
                e = g.counter == AB_PERF
                        ? tb_ab_instructions_perf(b, r->c->key, g.run_argv, g.run_argc, AB_PERF_N1, AB_PERF_N2, ir,
                                                  commit, why, sizeof why)
                        : tb_ab_instructions(b, r->c->key, g.run_argv, g.run_argc, AB_CG_N2 - AB_CG_N1, ir, commit,
                                             why, sizeof why);
                if (e < 0)
                    snprintf(r->why, sizeof r->why, "%s: %s", s ? "candidate" : "base", why);
            }
            if (e == 0) {
                r->ok = 1;
                double q = r->ir_b / r->ir_a;
                r->v = q > 1 + g.ithr ? TB_CMP_SLOWER : q < 1 / (1 + g.ithr) ? TB_CMP_FASTER : TB_CMP_SAME;
            }
            failed += !r->ok;
            continue;
        }
        measure(&g, r, 0);
        clk.start += r->t_start;
        clk.cal += r->t_cal;
        clk.warm += r->t_warm;
        clk.rounds += r->t_rounds;
        fprintf(stderr, "tritbench ab:   start+setup+verify %.1f s, calibration %.1f s, warm-up %.1f s, %d rounds "
                "%.1f s (%d redone)\n", r->t_start, r->t_cal, r->t_warm, r->rounds, r->t_rounds, r->redone);
        if (!r->ok)
            failed++;
        else
            idx[nidx++] = i;
    }
    if (!g.instr)
        judge(&g, rows, idx, nidx);
    /* second pass: every slower case again, from new children */
    int nslow = 0;
    for (int i = 0; i < cases.n && !g.aa && !g.instr && g.confirm; i++)
        if (rows[i].ok && rows[i].v == TB_CMP_SLOWER)
            idx[nslow++] = i;
    if (nslow > 0) {
        fprintf(stderr, "tritbench ab: confirming %d slower case(s) with a second pass\n", nslow);
        for (int j = 0; j < nslow; j++) {
            ab_row *r = &rows[idx[j]];
            r->ratio1 = r->ps.median;
            r->pass = 2;
            double t0 = now_s();
            measure(&g, r, r->iters); /* new children, the first pass's frozen count */
            clk.confirm += now_s() - t0;
            failed += !r->ok;
        }
        judge(&g, rows, idx, nslow);
    }
    int slower = 0;
    for (int i = 0; i < cases.n; i++)
        slower += rows[i].ok && rows[i].v == TB_CMP_SLOWER && !g.aa;
    free(idx);
    struct rusage ru;
    if (!g.instr && getrusage(RUSAGE_CHILDREN, &ru) == 0)
        fprintf(stderr, "tritbench ab: time %.1f s: children's start, setup and verification %.1f s, calibration "
                "%.1f s, warm-up %.1f s, rounds %.1f s, confirm pass %.1f s (wall time); the children's CPU time "
                "%.1f s\n", now_s() - t_all, clk.start, clk.cal, clk.warm, clk.rounds, clk.confirm,
                (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * (double)(ru.ru_utime.tv_usec +
                                                                                  ru.ru_stime.tv_usec));
    print_table(&g, rows, cases.n, m.fingerprint, a.suite);
    if (g.instr && g.counter == AB_CG && !pmu)
        printf("\nperf: %s; instructions counted by cachegrind at --isa avx2 (AVX-512 variants not covered).\n", pmu_why);
    if (failed)
        printf("\n%d case(s) could not be compared (see the table).\n", failed);
    if (g.store && st && store_rows(&g, st, rows, cases.n, m.fingerprint) < 0) {
        tb_die(TB_EXIT_FAIL, "ab: cannot store the verdicts in %s: %s", g.db, tb_store_errmsg(st));
        failed++;
    }
    rc = tb_stdout_done("ab", slower || failed ? TB_EXIT_FAIL : TB_EXIT_OK);
out:
    if (st)
        tb_store_close(st);
    for (int i = 0; rows && i < cases.n; i++)
        row_free(&rows[i]);
    free(rows);
    tb_caselist_free(&cases);
    if (parsed)
        tb_run_args_free(&a);
    free(mine);
    free(plan);
    return rc;
}
