/* cli-history.c - `tritbench history KEY`: one case key's median over the
 * runs of a database, per machine, oldest first, with the stored 95 % CI
 * of each median and change points marked.  Change point (a simple,
 * documented rule): a run whose median CI does not overlap the previous
 * run's and whose median differs from it by more than the threshold.
 * --plot DIR: history.csv and meta.gp there for one machine, rendered by
 * plots/history.gp (PNG and SVG) when gnuplot is installed. */
#include "tb-cli.h"
#include "tb-json.h"
#include "tb-report.h"
#include "tb-store.h"

#include <errno.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_DB = 1, O_MACHINE, O_THRESHOLD, O_JSON, O_PLOT, O_PLOTS };

static const tb_opt history_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "SQLite database to read", "results/tritbench.db"},
    {O_MACHINE, "machine", 0, NULL, "FP", "only the machine whose fingerprint starts with FP", "every machine"},
    {O_THRESHOLD, "threshold", 0, NULL, "PCT", "smallest change in percent marked as a change point", "5"},
    {O_JSON, "json", 0, NULL, NULL, "JSON lines (one object per run) instead of the table", NULL},
    {O_PLOT, "plot", 0, NULL, "DIR", "also write history.csv there and render history.png/.svg (one machine: "
                                    "--machine's, else the first)", NULL},
    {O_PLOTS, "plots", 0, NULL, "DIR", "folder of the gnuplot scripts (also env TRITBENCH_PLOTS)",
     TB_SOURCE_DIR "/plots"},
    {0},
};

static const tb_cmd_spec history_spec = {
    .name = "history",
    .args = "KEY",
    .about = "One case's median over the runs that measured it (status ok), per machine, oldest first:\n"
             "run, start, commit, median and its stored 95% CI, repetitions, flags.  A change point ('^'\n"
             "slower, 'v' faster) is a run whose median CI does not overlap the previous run's and whose\n"
             "median differs from it by more than the threshold.\n"
             "--plot DIR: the figure of one machine: median per run (x: run and commit) with its CI band,\n"
             "change points marked.\n",
    .opts = history_opts,
    .footer = "Exit status: 0 ok (also when the key has no run), 1 the database could not be read, 2 usage error.\n",
};

static void gp_str(FILE *f, const char *name, const char *v)
{
    fprintf(f, "%s = '", name);
    for (; *v; v++)
        fprintf(f, *v == '\'' ? "''" : "%c", *v == '\n' ? ' ' : *v);
    fputs("'\n", f);
}

/* meta.gp for plots/history.gp, then gnuplot for PNG and SVG.  A missing
 * gnuplot or script is said on stderr and is not a failure: the CSV is
 * the figure's data. */
static int render(const char *dir, const char *plots, const char *key, const char *fp, const char *cpu,
                  const char *db, double thr, double max, int points, int changes, int others)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.gp", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return tb_die(TB_EXIT_FAIL, "history: --plot: cannot write %s (%s)", tb_clip(path), strerror(errno));
    double scale = max >= 1e6 ? 1e-6 : max >= 1e3 ? 1e-3 : 1;
    gp_str(f, "unit", max >= 1e6 ? "ms" : max >= 1e3 ? "us" : "ns");
    fprintf(f, "yscale = %g\n", scale);
    gp_str(f, "case_key", key);
    char text[1024];
    snprintf(text, sizeof text, "%s (%.12s)", *cpu ? cpu : "unknown CPU", fp);
    gp_str(f, "machine", text);
    snprintf(text, sizeof text, "tritbench history, %s, %d run(s), %d change point(s): 95%% CIs apart and medians "
             "more than %.1f%% apart", db, points, changes, 100 * thr);
    gp_str(f, "footer", text);
    if (fclose(f) != 0)
        return tb_die(TB_EXIT_FAIL, "history: --plot: cannot write %s (%s)", tb_clip(path), strerror(errno));
    snprintf(path, sizeof path, "%s/history.gp", plots);
    if (access(path, R_OK) < 0) {
        fprintf(stderr, "tritbench: history: no %s (%s; set --plots DIR): the figure's data is in %s/history.csv\n",
                tb_clip(path), strerror(errno), tb_clip(dir));
        return TB_EXIT_OK;
    }
    int rc = tb_report_gnuplot(dir, plots, "history", "png");
    if (rc == 0)
        rc = tb_report_gnuplot(dir, plots, "history", "svg");
    if (rc == -ENOENT) {
        fprintf(stderr, "tritbench: history: gnuplot is not installed (apt-get install gnuplot-nox): the figure's "
                "data is in %s/history.csv\n", tb_clip(dir));
        return TB_EXIT_OK;
    }
    if (rc)
        return tb_die(TB_EXIT_FAIL, "history: gnuplot failed on history.gp (exit %d, see %s/gnuplot.log)", rc,
                      tb_clip(dir));
    fprintf(stderr, "tritbench: history: figure %s/history.png and .svg (machine %.12s%s)\n", tb_clip(dir), fp,
            others ? "; other machines: pick one with --machine" : "");
    return TB_EXIT_OK;
}

int tb_cmd_history(int argc, char **argv)
{
    const char *db = "results/tritbench.db", *key = NULL, *machine = "", *plot = NULL;
    const char *plots = getenv("TRITBENCH_PLOTS");
    if (!plots || !*plots)
        plots = TB_SOURCE_DIR "/plots";
    double thr = 0.05;
    int json = 0;
    tb_optparse p;
    tb_opt_init(&p, &history_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        switch (id) {
        case TB_OPT_HELP:
        case TB_OPT_ERROR: return tb_opt_exit(id);
        case TB_OPT_ARG:
            if (key)
                return tb_die(TB_EXIT_USAGE, "history: unexpected argument '%s' (one KEY)", tb_clip(p.arg));
            key = p.arg;
            break;
        case O_DB:
            if (tb_check_db_path(p.opt, p.arg) < 0)
                return TB_EXIT_USAGE;
            db = p.arg;
            break;
        case O_MACHINE: machine = p.arg; break;
        case O_THRESHOLD: {
            char *end;
            errno = 0;
            double v = strtod(p.arg, &end);
            if (end == p.arg || *end || errno || !isfinite(v) || v < 0 || v > 1000)
                return tb_die(TB_EXIT_USAGE, "%s %s: expected a percentage between 0 and 1000", p.opt, tb_clip(p.arg));
            thr = v / 100;
            break;
        }
        case O_JSON: json = 1; break;
        case O_PLOT:
            if (!*p.arg)
                return tb_die(TB_EXIT_USAGE, "%s: expected a folder, got ''", p.opt);
            plot = p.arg;
            break;
        case O_PLOTS: plots = p.arg; break;
        }
    }
    if (!key)
        return tb_die(TB_EXIT_USAGE, "history: expected KEY, a case key such as "
                                     "matmul/tq2_avx512vnni/4096x4096/n1/t1/hot (try: tritbench history --help)");
    if (access(db, F_OK) != 0)
        return tb_die(TB_EXIT_USAGE, "history: --db %s: no such database", tb_clip(db));
    FILE *csv = NULL;
    if (plot) {
        char path[4096];
        snprintf(path, sizeof path, "%s/history.csv", plot);
        if ((mkdir(plot, 0777) < 0 && errno != EEXIST) || !(csv = fopen(path, "w")))
            return tb_die(TB_EXIT_FAIL, "history: --plot %s: cannot write %s (%s)", tb_clip(plot), tb_clip(path),
                          strerror(errno));
        fputs("point,run,commit,median_ns,ci_lo_ns,ci_hi_ns,slower_ns,faster_ns\n", csv);
    }
    tb_store *s;
    char err[1024];
    if (tb_store_open_readonly(db, &s, err, sizeof err) < 0) {
        if (csv)
            fclose(csv);
        return tb_die(TB_EXIT_FAIL, "history: %s", err);
    }
    tb_cursor *c = tb_store_select(s, "SELECT m.fingerprint, r.id, r.started_at, b.git_commit, b.git_dirty, st.median,"
                                      " st.ci_lo, st.ci_hi, st.n, coalesce(c.flags,''), coalesce(m.cpu_brand,'')"
                                      " FROM cases c"
                                      " JOIN runs r ON r.id=c.run_id JOIN machines m ON m.id=r.machine_id"
                                      " JOIN builds b ON b.id=r.build_id"
                                      " JOIN stats st ON st.case_id=c.id AND st.metric='ns_per_iter'"
                                      " WHERE c.case_key=?1 AND c.status='ok' AND m.fingerprint LIKE ?2||'%'"
                                      " ORDER BY m.fingerprint, r.id");
    if (!c) {
        if (csv)
            fclose(csv);
        tb_die(TB_EXIT_FAIL, "history: %s", tb_store_errmsg(s));
        tb_store_close(s);
        return TB_EXIT_FAIL;
    }
    tb_cursor_bind_text(c, 1, key);
    tb_cursor_bind_text(c, 2, machine);
    char fp[96] = "", plot_fp[96] = "", plot_cpu[128] = "";
    double plo = NAN, phi = NAN, pmed = NAN, plot_max = 0;
    int rc, rows = 0, changes = 0, points = 0, plot_changes = 0, others = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        const char *f = tb_cursor_text(c, 0);
        if (strcmp(f, fp)) {
            snprintf(fp, sizeof fp, "%s", f);
            plo = phi = pmed = NAN;
            if (csv && !*plot_fp) {
                snprintf(plot_fp, sizeof plot_fp, "%s", f);
                snprintf(plot_cpu, sizeof plot_cpu, "%s", tb_cursor_text(c, 10));
            } else if (csv)
                others++;
            if (!json)
                printf("%s%s on machine %.16s\n%6s  %-20s  %-13s %12s  %-27s %4s  %s\n", rows ? "\n" : "", key, fp,
                       "run", "started", "commit", "median", "95% CI", "reps", "change / flags");
        }
        double med = tb_cursor_real(c, 5), lo = tb_cursor_real(c, 6), hi = tb_cursor_real(c, 7);
        const char *mark = "";
        if (!isnan(pmed) && !isnan(lo) && !isnan(plo) && (lo > phi || hi < plo) && fabs(med / pmed - 1) > thr) {
            mark = med > pmed ? "^ slower" : "v faster";
            changes++;
        }
        char commit[24];
        snprintf(commit, sizeof commit, "%.12s%s", tb_cursor_text(c, 3), tb_cursor_int(c, 4) > 0 ? "+" : "");
        if (csv && !strcmp(fp, plot_fp)) {
            points++;
            plot_changes += *mark != 0;
            plot_max = med > plot_max ? med : plot_max;
            plot_max = hi > plot_max ? hi : plot_max;
            fprintf(csv, "%d,%lld,%s,%.6g,%.6g,%.6g,%.6g,%.6g\n", points, (long long)tb_cursor_int(c, 1), commit, med,
                    lo, hi, *mark && med > pmed ? med : NAN, *mark && med < pmed ? med : NAN);
        }
        if (json) {
            char buf[2048];
            tb_json j;
            tb_json_init(&j, buf, sizeof buf);
            tb_json_obj_begin(&j);
            tb_json_kv_str(&j, "key", key);
            tb_json_kv_str(&j, "fingerprint", fp);
            tb_json_kv_int(&j, "run", tb_cursor_int(c, 1));
            tb_json_kv_str(&j, "started_at", tb_cursor_text(c, 2));
            tb_json_kv_str(&j, "commit", tb_cursor_text(c, 3));
            tb_json_kv_num(&j, "median_ns", med);
            tb_json_kv_num(&j, "ci_lo_ns", lo);
            tb_json_kv_num(&j, "ci_hi_ns", hi);
            tb_json_kv_int(&j, "n", tb_cursor_int(c, 8));
            tb_json_kv_str(&j, "change", *mark ? (med > pmed ? "slower" : "faster") : NULL);
            tb_json_kv_str(&j, "flags", tb_cursor_text(c, 9));
            tb_json_obj_end(&j);
            if (tb_json_ok(&j))
                puts(buf);
        } else {
            char m[32], l[32], h[32], ci[80];
            tb_fmt_ns(med, m, sizeof m);
            if (isnan(lo))
                snprintf(ci, sizeof ci, "-");
            else
                snprintf(ci, sizeof ci, "[%s, %s]", tb_fmt_ns(lo, l, sizeof l), tb_fmt_ns(hi, h, sizeof h));
            printf("%6lld  %-20.20s  %-13s %12s  %-27s %4lld  %s%s%s\n", (long long)tb_cursor_int(c, 1),
                   tb_cursor_text(c, 2), commit, m, ci, (long long)tb_cursor_int(c, 8), mark,
                   *mark && *tb_cursor_text(c, 9) ? " " : "", tb_cursor_text(c, 9));
        }
        pmed = med;
        plo = lo;
        phi = hi;
        rows++;
    }
    tb_cursor_close(c);
    int code = TB_EXIT_OK;
    if (rc < 0)
        code = tb_die(TB_EXIT_FAIL, "history: %s", tb_store_errmsg(s));
    else if (!rows)
        fprintf(stderr, "tritbench: history: no ok case with key %s%s%s in %s\n", tb_clip(key),
                *machine ? " on machine " : "", machine, db);
    else if (!json)
        printf("%d change point(s): CIs apart and the medians more than %.1f%% apart\n", changes, 100 * thr);
    tb_store_close(s);
    if (csv && fclose(csv) != 0 && code == TB_EXIT_OK)
        code = tb_die(TB_EXIT_FAIL, "history: --plot %s: cannot write history.csv (%s)", tb_clip(plot),
                      strerror(errno));
    if (plot && code == TB_EXIT_OK && points)
        code = render(plot, plots, key, plot_fp, plot_cpu, db, thr, plot_max, points, plot_changes, others);
    return tb_stdout_done("history", code);
}
