/* cli-compare.c - `tritbench compare BASE CAND`: two stored runs, case by
 * case on one machine.  Per case matched by key: both medians, the time
 * ratio candidate/base with a 95 % CI (Moses / Hodges-Lehmann on log
 * times), the Mann-Whitney U p-value, Holm-adjusted across the cases, and
 * a verdict against max(threshold, the case's A/A noise floor); the suite
 * geometric mean with its CI.  A markdown table (for a pull-request
 * comment) or JSON on stdout; every verdict stored in table comparisons of
 * the candidate's database.  Exit 1 when a case is confidently slower.
 * --machines hands over to compare-machines.c (machines side by side). */
#include "tb-cli.h"
#include "tb-cmpdata.h"
#include "tb-compare.h"
#include "tb-filter.h"
#include "tb-json.h"
#include "tb-store-compare.h"
#include "tb-store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_DB = 1, O_DB2, O_THRESHOLD, O_ALPHA, O_FILTER, O_CROSS, O_JSON, O_NO_STORE, O_MACHINES, O_REF };

static const tb_opt compare_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "database holding BASE (and CAND unless --db2)", "results/tritbench.db"},
    {O_DB2, "db2", 0, NULL, "PATH", "database holding CAND (e.g. another machine's or CI's)", "--db"},
    {O_THRESHOLD, "threshold", 0, NULL, "PCT", "change in percent that counts: slower when the CI lies above "
                                              "1+PCT/100, faster below 1/(1+PCT/100), 0 to 1000", "5"},
    {O_ALPHA, "alpha", 0, NULL, "A", "significance level of the Holm-adjusted Mann-Whitney test", "0.05"},
    {O_FILTER, "filter", 0, NULL, "PAT", "only cases whose key matches PAT (as run --filter)", NULL},
    {O_CROSS, "cross-machine", 0, NULL, NULL, "compare runs of different machines (every row says so)", NULL},
    {O_JSON, "json", 0, NULL, NULL, "JSON instead of the markdown table", NULL},
    {O_NO_STORE, "no-store", 0, NULL, NULL, "do not store the verdicts in the candidate's database", NULL},
    {O_MACHINES, "machines", 0, NULL, NULL, "machines side by side instead of two runs (no BASE CAND)", NULL},
    {O_REF, "ref", 0, NULL, "M", "with --machines: the reference machine, a fingerprint prefix or a host-name "
                                 "substring", "the first machine"},
    {0},
};

static const tb_cmd_spec compare_spec = {
    .name = "compare",
    .args = "BASE CAND | --machines",
    .about = "Compare two stored runs case by case (cases matched by key on the same machine fingerprint).\n"
             "BASE and CAND: a run id, last, last~N (N runs before the latest) or a git commit prefix;\n"
             "BASE is looked up in --db, CAND in --db2 (default: --db).  Per case: both medians, the time\n"
             "ratio CAND/BASE (> 1: slower) with its 95% CI (distribution-free Moses/Hodges-Lehmann\n"
             "interval of the shift of log times), the two-sided Mann-Whitney U p-value with Holm's\n"
             "correction across the cases, and a verdict: slower/faster (significant and the CI beyond the\n"
             "threshold), same (the CI inside the band), unstable (neither, and a side was flagged unstable\n"
             "or too few repetitions), ambiguous (neither).  The threshold in force per case is the larger\n"
             "of --threshold and the case's A/A noise floor (table noise_floor).  Then the suite's\n"
             "geometric-mean ratio with its CI.  Verdicts are stored in table comparisons of CAND's database.\n"
             "--machines: every machine in --db (e.g. a file `tritbench merge` filled from a fleet), one column\n"
             "each (keyed by fingerprint, labelled by CPU model) with its latest median per case, and each\n"
             "machine's time ratio to --ref (> 1: slower); \"-\" marks a case not measured on that machine.\n",
    .opts = compare_opts,
    .footer = "Exit status: 0 no case confidently slower, 1 a case slower beyond the threshold (or a failure),\n"
              "2 usage error (bad reference, runs of different machines without --cross-machine).\n",
};

typedef struct row {
    const tb_cmp_case *a, *b;
    tb_ratio_ci r;
    tb_mwu m;
    double p_holm, thr, floor;
    int unstable;
    tb_cmp_verdict v;
} row;

static int flagged_unstable(const tb_cmp_case *c) { return strstr(c->flags, "unstable") != NULL || c->n < 6; }

static const char *short_fp(const char *fp, char *buf, size_t len)
{
    snprintf(buf, len, "%.12s", fp);
    return buf;
}

static void print_markdown(const tb_cmp_side *A, const tb_cmp_side *B, const row *rows, int n, int cross,
                           double thr, double alpha, double gm, double gl, double gh, char **only, int nonly)
{
    char fa[16], fb[16];
    printf("### tritbench compare: run %lld (%.12s) vs run %lld (%.12s)\n\n", (long long)A->run_id, A->commit,
           (long long)B->run_id, B->commit);
    if (cross)
        printf("**Cross-machine**: base on %s, candidate on %s: ratios mix the code change with the machines.\n\n",
               short_fp(A->fingerprint, fa, sizeof fa), short_fp(B->fingerprint, fb, sizeof fb));
    else
        printf("Machine %s, suite %s.\n\n", short_fp(A->fingerprint, fa, sizeof fa), B->suite);
    printf("| case | base | candidate | ratio [95%% CI] | p (Holm) | threshold | verdict |%s\n",
           cross ? " machines |" : "");
    printf("|---|---:|---:|---|---:|---:|---|%s\n", cross ? "---|" : "");
    for (int i = 0; i < n; i++) {
        const row *x = &rows[i];
        char ma[32], mb[32], ci[64];
        tb_fmt_ns(tb_cmp_median(x->a), ma, sizeof ma);
        tb_fmt_ns(tb_cmp_median(x->b), mb, sizeof mb);
        if (isnan(x->r.lo))
            snprintf(ci, sizeof ci, "%.3f [too few reps]", x->r.ratio);
        else
            snprintf(ci, sizeof ci, "%.3f [%.3f, %.3f]", x->r.ratio, x->r.lo, x->r.hi);
        printf("| %s | %s | %s | %s | %.3g | %.1f%%%s | %s%s%s |%s\n", x->a->key, ma, mb, ci, x->p_holm,
               100 * x->thr, isnan(x->floor) ? "" : " (floor)", x->v == TB_CMP_SLOWER ? "**" : "",
               tb_cmp_verdict_name(x->v), x->v == TB_CMP_SLOWER ? "**" : "", cross ? " cross-machine |" : "");
    }
    int count[5] = {0};
    for (int i = 0; i < n; i++)
        count[rows[i].v]++;
    if (isnan(gl))
        printf("\nGeometric mean of the ratios over %d case(s): %.3f (no CI: a case has too few repetitions)\n", n,
               gm);
    else
        printf("\nGeometric mean of the ratios over %d case(s): %.3f, 95%% CI [%.3f, %.3f]\n", n, gm, gl, gh);
    printf("\n%d slower, %d faster, %d same, %d ambiguous, %d unstable.  Threshold %.1f%% (or the case's A/A noise "
           "floor when larger); ratio = candidate/base time; CI: Moses/Hodges-Lehmann on log times; p: Mann-Whitney "
           "U, two-sided, Holm-adjusted over %d case(s), alpha %.3g.\n",
           count[TB_CMP_SLOWER], count[TB_CMP_FASTER], count[TB_CMP_SAME], count[TB_CMP_AMBIGUOUS],
           count[TB_CMP_UNSTABLE], 100 * thr, n, alpha);
    for (int i = 0; i < nonly; i++)
        printf("not compared: %s\n", only[i]);
}

static int print_json(const tb_cmp_side *A, const tb_cmp_side *B, const row *rows, int n, int cross, double thr,
                      double alpha, double gm, double gl, double gh, char **only, int nonly)
{
    int len = 4096 + n * 1024 + nonly * 300;
    char *buf = malloc((size_t)len);
    if (!buf)
        return -1;
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    const tb_cmp_side *sd[2] = {A, B};
    for (int k = 0; k < 2; k++) {
        tb_json_key_obj(&j, k ? "candidate" : "base");
        tb_json_kv_str(&j, "db", sd[k]->db);
        tb_json_kv_int(&j, "run", sd[k]->run_id);
        tb_json_kv_str(&j, "commit", sd[k]->commit);
        tb_json_kv_str(&j, "fingerprint", sd[k]->fingerprint);
        tb_json_obj_end(&j);
    }
    tb_json_kv_bool(&j, "cross_machine", cross);
    tb_json_kv_num(&j, "threshold", thr);
    tb_json_kv_num(&j, "alpha", alpha);
    tb_json_kv_str(&j, "ci_method", "moses-hodges-lehmann-log");
    tb_json_kv_str(&j, "test", "mann-whitney-u-two-sided-holm");
    tb_json_arr_begin(&j, "cases");
    for (int i = 0; i < n; i++) {
        const row *x = &rows[i];
        tb_json_obj_begin(&j);
        tb_json_kv_str(&j, "key", x->a->key);
        tb_json_kv_num(&j, "base_median_ns", tb_cmp_median(x->a));
        tb_json_kv_num(&j, "cand_median_ns", tb_cmp_median(x->b));
        tb_json_kv_int(&j, "base_n", x->a->n);
        tb_json_kv_int(&j, "cand_n", x->b->n);
        tb_json_kv_num(&j, "ratio", x->r.ratio);
        tb_json_kv_num(&j, "ci_lo", x->r.lo);
        tb_json_kv_num(&j, "ci_hi", x->r.hi);
        tb_json_kv_num(&j, "p", x->m.p);
        tb_json_kv_num(&j, "p_holm", x->p_holm);
        tb_json_kv_num(&j, "threshold", x->thr);
        tb_json_kv_num(&j, "noise_floor", x->floor);
        tb_json_kv_str(&j, "verdict", tb_cmp_verdict_name(x->v));
        tb_json_kv_bool(&j, "cross_machine", cross);
        tb_json_obj_end(&j);
    }
    tb_json_arr_end(&j);
    tb_json_key_obj(&j, "geomean");
    tb_json_kv_num(&j, "ratio", gm);
    tb_json_kv_num(&j, "ci_lo", gl);
    tb_json_kv_num(&j, "ci_hi", gh);
    tb_json_obj_end(&j);
    tb_json_arr_begin(&j, "not_compared");
    for (int i = 0; i < nonly; i++)
        tb_json_kv_str(&j, NULL, only[i]);
    tb_json_arr_end(&j);
    tb_json_obj_end(&j);
    int ok = tb_json_ok(&j);
    if (ok)
        puts(buf);
    free(buf);
    return ok ? 0 : -1;
}

static int open_db(const char *path, int write, tb_store **s)
{
    char err[768];
    int rc = write ? tb_store_open(path, s, err, sizeof err) : tb_store_open_readonly(path, s, err, sizeof err);
    if (rc < 0)
        tb_die(TB_EXIT_FAIL, "compare: %s", err);
    return rc;
}

int tb_cmd_compare(int argc, char **argv)
{
    const char *db = "results/tritbench.db", *db2 = NULL, *filter = NULL, *pos[2];
    double thr = 0.05, alpha = 0.05;
    const char *ref = NULL;
    int npos = 0, cross = 0, json = 0, store = 1, machines = 0;
    tb_optparse p;
    tb_opt_init(&p, &compare_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        long dummy;
        switch (id) {
        case TB_OPT_HELP:
        case TB_OPT_ERROR: return tb_opt_exit(id);
        case TB_OPT_ARG:
            if (npos == 2)
                return tb_die(TB_EXIT_USAGE, "compare: unexpected argument '%s' (try: tritbench compare --help)",
                              tb_clip(p.arg));
            pos[npos++] = p.arg;
            break;
        case O_DB:
        case O_DB2:
            if (tb_check_db_path(p.opt, p.arg) < 0)
                return TB_EXIT_USAGE;
            *(id == O_DB ? &db : &db2) = p.arg;
            break;
        case O_THRESHOLD:
        case O_ALPHA: {
            char *end;
            errno = 0;
            double v = strtod(p.arg, &end);
            double hi = id == O_THRESHOLD ? 1000 : 0.5;
            if (end == p.arg || *end || errno || !isfinite(v) || v < 0 || v > hi || (id == O_ALPHA && v == 0))
                return tb_die(TB_EXIT_USAGE, "%s %s: expected %s", p.opt, tb_clip(p.arg),
                              id == O_THRESHOLD ? "a percentage between 0 and 1000" : "a number above 0, at most 0.5");
            if (id == O_THRESHOLD)
                thr = v / 100;
            else
                alpha = v;
            break;
        }
        case O_FILTER: {
            tb_filter f;
            int rc = tb_filter_init(&f, p.arg);
            tb_filter_free(&f);
            if (rc < 0)
                return tb_die(TB_EXIT_USAGE, "%s %s: expected a comma list of non-empty substrings or globs", p.opt,
                              tb_clip(p.arg));
            filter = p.arg;
            break;
        }
        case O_CROSS: cross = 1; break;
        case O_JSON: json = 1; break;
        case O_NO_STORE: store = 0; break;
        case O_MACHINES: machines = 1; break;
        case O_REF: ref = p.arg; break;
        }
        (void)dummy;
    }
    if (ref && !machines)
        return tb_die(TB_EXIT_USAGE, "compare: --ref needs --machines (try: tritbench compare --help)");
    if (machines) {
        if (npos)
            return tb_die(TB_EXIT_USAGE, "compare: --machines takes no BASE CAND, got '%s'", tb_clip(pos[0]));
        if (db2 || cross)
            return tb_die(TB_EXIT_USAGE, "compare: --machines reads one --db; %s does not apply",
                          db2 ? "--db2" : "--cross-machine");
        if (ref && !*ref)
            return tb_die(TB_EXIT_USAGE, "compare: --ref: expected a fingerprint prefix or a host name, got ''");
        if (access(db, F_OK) != 0)
            return tb_die(TB_EXIT_USAGE, "compare: --db %s: no such database", tb_clip(db));
        return tb_cmp_machines(db, ref, filter, json);
    }
    if (npos < 2)
        return tb_die(TB_EXIT_USAGE, "compare: expected BASE CAND, e.g. last~1 last (try: tritbench compare --help)");
    const char *dbb = db2 ? db2 : db;
    int same = !strcmp(db, dbb);
    if (access(db, F_OK) != 0)
        return tb_die(TB_EXIT_USAGE, "compare: --db %s: no such database", tb_clip(db));
    if (access(dbb, F_OK) != 0)
        return tb_die(TB_EXIT_USAGE, "compare: --db2 %s: no such database", tb_clip(dbb));

    tb_store *sa = NULL, *sb = NULL;
    tb_cmp_side A = {0}, B = {0};
    row *rows = NULL;
    char **only = NULL;
    int nonly = 0, n = 0, code = TB_EXIT_FAIL;
    tb_filter f = {0};
    char err[1024];
    if (open_db(dbb, store, &sb) < 0)
        goto done;
    if (same)
        sa = sb;
    else if (open_db(db, 0, &sa) < 0)
        goto done;
    int64_t ra, rb;
    if (tb_cmp_resolve(sa, pos[0], &ra, err, sizeof err) < 0 || tb_cmp_resolve(sb, pos[1], &rb, err, sizeof err) < 0) {
        code = tb_die(TB_EXIT_USAGE, "compare: %s", err);
        goto done;
    }
    if (tb_cmp_load(sa, db, ra, &A, err, sizeof err) < 0 || tb_cmp_load(sb, dbb, rb, &B, err, sizeof err) < 0) {
        code = tb_die(TB_EXIT_FAIL, "compare: %s", err);
        goto done;
    }
    int differ = strcmp(A.fingerprint, B.fingerprint) != 0;
    if (differ && !cross) {
        code = tb_die(TB_EXIT_USAGE,
                      "compare: run %lld (machine %.12s) and run %lld (machine %.12s) were measured on different "
                      "machines: their ratio mixes the change with the machines; refusing (use --cross-machine to "
                      "compare them anyway)",
                      (long long)A.run_id, A.fingerprint, (long long)B.run_id, B.fingerprint);
        goto done;
    }
    cross = differ;
    if (filter)
        tb_filter_init(&f, filter);
    rows = calloc((size_t)A.ncases + 1, sizeof *rows);
    only = calloc((size_t)(A.ncases + B.ncases) + 1, sizeof *only);
    if (!rows || !only) {
        code = tb_die(TB_EXIT_FAIL, "compare: out of memory");
        goto done;
    }
    for (int i = 0; i < A.ncases; i++) {
        const tb_cmp_case *a = &A.cases[i], *b = tb_cmp_find(&B, a->key);
        if (filter && !tb_filter_match(&f, a->key))
            continue;
        char line[600];
        if (!b)
            snprintf(line, sizeof line, "%s (only in the base run)", a->key);
        else if (strcmp(a->status, "ok") || strcmp(b->status, "ok") || a->n < 1 || b->n < 1)
            snprintf(line, sizeof line, "%s (status %s in the base run, %s in the candidate)", a->key, a->status,
                     b->status);
        else {
            row *x = &rows[n++];
            x->a = a;
            x->b = b;
            if (tb_ratio_ci_compute(a->ns, a->n, b->ns, b->n, 0.95, &x->r) < 0 ||
                tb_mwu_test(a->ns, a->n, b->ns, b->n, &x->m) < 0) {
                code = tb_die(TB_EXIT_FAIL, "compare: %s: a sample is not a positive time", a->key);
                goto done;
            }
            x->unstable = flagged_unstable(a) || flagged_unstable(b);
            x->floor = tb_store_noise_floor_get(sb, B.fingerprint, a->key);
            x->thr = isnan(x->floor) || x->floor < thr ? thr : x->floor;
            continue;
        }
        only[nonly++] = strdup(line);
    }
    for (int i = 0; i < B.ncases; i++)
        if (!tb_cmp_find(&A, B.cases[i].key) && (!filter || tb_filter_match(&f, B.cases[i].key))) {
            char line[600];
            snprintf(line, sizeof line, "%s (only in the candidate run)", B.cases[i].key);
            only[nonly++] = strdup(line);
        }
    double *pv = malloc((size_t)(n + 1) * sizeof *pv), *lo = malloc((size_t)(n + 1) * sizeof *lo),
           *hi = malloc((size_t)(n + 1) * sizeof *hi), *rr = malloc((size_t)(n + 1) * sizeof *rr);
    if (!pv || !lo || !hi || !rr) {
        free(pv), free(lo), free(hi), free(rr);
        code = tb_die(TB_EXIT_FAIL, "compare: out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        pv[i] = rows[i].m.p;
        rr[i] = rows[i].r.ratio;
        lo[i] = rows[i].r.lo;
        hi[i] = rows[i].r.hi;
    }
    tb_holm(pv, n, pv);
    int slower = 0;
    for (int i = 0; i < n; i++) {
        rows[i].p_holm = pv[i];
        rows[i].v = tb_cmp_verdict_of(&rows[i].r, pv[i], alpha, rows[i].thr, rows[i].unstable);
        slower += rows[i].v == TB_CMP_SLOWER;
    }
    double gm = NAN, gl = NAN, gh = NAN;
    if (n)
        tb_geomean_ci(rr, lo, hi, n, &gm, &gl, &gh);
    free(pv), free(lo), free(hi), free(rr);
    if (n == 0) {
        code = tb_die(TB_EXIT_FAIL, "compare: runs %lld and %lld have no case in common%s", (long long)A.run_id,
                      (long long)B.run_id, filter ? " that matches --filter" : "");
        goto done;
    }
    if (json ? print_json(&A, &B, rows, n, cross, thr, alpha, gm, gl, gh, only, nonly) < 0
             : (print_markdown(&A, &B, rows, n, cross, thr, alpha, gm, gl, gh, only, nonly), 0)) {
        code = tb_die(TB_EXIT_FAIL, "compare: out of memory formatting JSON");
        goto done;
    }
    code = slower ? TB_EXIT_FAIL : TB_EXIT_OK;
    if (store) {
        tb_comparison *cr = calloc((size_t)n, sizeof *cr);
        if (!cr) {
            code = tb_die(TB_EXIT_FAIL, "compare: out of memory");
            goto done;
        }
        for (int i = 0; i < n; i++) {
            const row *x = &rows[i];
            cr[i] = (tb_comparison){
                .kind = "compare", .base_run_id = same ? A.run_id : 0, .cand_run_id = B.run_id,
                .base_source = db, .cand_source = dbb, .base_commit = A.commit, .cand_commit = B.commit,
                .case_key = x->a->key, .base_fingerprint = A.fingerprint, .cand_fingerprint = B.fingerprint,
                .cross_machine = cross, .base_median_ns = tb_cmp_median(x->a),
                .cand_median_ns = tb_cmp_median(x->b), .base_n = x->a->n, .cand_n = x->b->n,
                .ratio = x->r.ratio, .ci_lo = x->r.lo, .ci_hi = x->r.hi, .ci_level = 0.95,
                .ci_method = "moses-hodges-lehmann-log", .p_value = x->m.p, .p_holm = x->p_holm,
                .threshold = x->thr, .noise_floor = x->floor, .verdict = tb_cmp_verdict_name(x->v),
                .note = same ? NULL : "base run from another database (base_run_id NULL; see base_source)"};
        }
        if (tb_store_comparisons(sb, cr, n) < 0)
            code = tb_die(TB_EXIT_FAIL, "compare: verdicts not stored: %s", tb_store_errmsg(sb));
        free(cr);
    }
    code = tb_stdout_done("compare", code);
done:
    for (int i = 0; i < nonly; i++)
        free(only[i]);
    free(only);
    free(rows);
    tb_filter_free(&f);
    tb_cmp_side_free(&A);
    tb_cmp_side_free(&B);
    if (sa && sa != sb)
        tb_store_close(sa);
    if (sb)
        tb_store_close(sb);
    return code;
}
