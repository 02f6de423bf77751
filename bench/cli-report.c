/* cli-report.c - `tritbench report`: opens the database read-only, loads
 * one run (or the latest of every machine), optionally lays out the
 * paper's tables, exports the figures' CSV and renders them with gnuplot
 * when --out is given, and writes the report in one format to stdout or
 * to OUT/report.<ext>. */
#include "tb-cli.h"
#include "tb-report.h"
#include "tb-store.h"

#include <stdlib.h>
#include <string.h>

enum { O_DB = 1, O_RUN, O_FORMAT, O_OUT, O_BY, O_PAPER, O_PLOTS };

static const tb_opt report_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "SQLite database to read (opened read-only)", "results/tritbench.db"},
    {O_RUN, "run", 0, NULL, "ID", "the run to report: an id or `last`", "last"},
    {O_FORMAT, "format", 0, NULL, "FORMAT", "md, csv, json or html", "md"},
    {O_OUT, "out", 0, NULL, "DIR", "write report.<format>, the figures' CSV and the figures (PNG, SVG) into DIR",
     NULL},
    {O_BY, "by", 0, NULL, "machine", "report the latest run of every machine in the database", NULL},
    {O_PAPER, "paper", 0, NULL, NULL, "add the paper's tables (Table 1, Figures 2 and 3, Table 3): published"
     " figures next to ours", NULL},
    {O_PLOTS, "plots", 0, NULL, "DIR", "folder of the gnuplot scripts (also env TRITBENCH_PLOTS)",
     TB_SOURCE_DIR "/plots"},
    {0},
};

static const tb_cmd_spec report_spec = {
    .name = "report",
    .about = "Render stored results: per run a header (machine fingerprint, build, date, run facts), the\n"
             "cases of each workload with median, 95% CI, GB/s, GOP/s, roofline %, speedup over fp16 with\n"
             "its CI, flags in words, and for every absent figure the reason. Reads only; never writes\n"
             "to the database. Figures need --out and gnuplot; without gnuplot the report says so.\n",
    .opts = report_opts,
    .footer = "JSON layout: \"" TB_REPORT_LAYOUT "\" (README: Reports and figures).\n",
};

int tb_cmd_report(int argc, char **argv)
{
    const char *db = "results/tritbench.db", *run = NULL, *format = "md", *out = NULL;
    const char *plots = getenv("TRITBENCH_PLOTS");
    int by_machine = 0, paper = 0;
    if (!plots || !*plots)
        plots = TB_SOURCE_DIR "/plots";
    tb_optparse p;
    tb_opt_init(&p, &report_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        long v;
        switch (id) {
        case TB_OPT_HELP:
        case TB_OPT_ERROR: return tb_opt_exit(id);
        case TB_OPT_ARG:
            return tb_die(TB_EXIT_USAGE, "report: unexpected argument '%s' (try: tritbench report --help)",
                          tb_clip(p.arg));
        case O_DB:
            if (tb_check_db_path(p.opt, p.arg) < 0)
                return TB_EXIT_USAGE;
            db = p.arg;
            break;
        case O_RUN:
            if (strcmp(p.arg, "last") && tb_parse_int(p.opt, p.arg, 1, 0x7fffffffL, &v) < 0)
                return TB_EXIT_USAGE;
            run = p.arg;
            break;
        case O_FORMAT:
            if (strcmp(p.arg, "md") && strcmp(p.arg, "csv") && strcmp(p.arg, "json") && strcmp(p.arg, "html"))
                return tb_die(TB_EXIT_USAGE, "%s %s: expected md, csv, json or html", p.opt, tb_clip(p.arg));
            format = p.arg;
            break;
        case O_OUT:
            if (!*p.arg)
                return tb_die(TB_EXIT_USAGE, "%s '': expected a folder", p.opt);
            out = p.arg;
            break;
        case O_BY:
            if (strcmp(p.arg, "machine"))
                return tb_die(TB_EXIT_USAGE, "%s %s: expected machine", p.opt, tb_clip(p.arg));
            by_machine = 1;
            break;
        case O_PAPER: paper = 1; break;
        case O_PLOTS: plots = p.arg; break;
        }
    }
    if (by_machine && run)
        return tb_die(TB_EXIT_USAGE, "--by machine reports the latest run of each machine: drop --run %s",
                      tb_clip(run));

    tb_store *s;
    char err[1024];
    if (tb_store_open_readonly(db, &s, err, sizeof err) < 0)
        return tb_die(TB_EXIT_FAIL, "%s", err);
    tb_report r;
    int rc = TB_EXIT_FAIL;
    if (tb_report_load(s, db, run, by_machine, &r, err, sizeof err) < 0) {
        tb_die(TB_EXIT_FAIL, "report: %s", err);
        goto done;
    }
    if (paper && tb_report_paper_load(s, &r, err, sizeof err) < 0) {
        tb_die(TB_EXIT_FAIL, "report --paper: %s", err);
        goto done;
    }
    if (out) {
        if (tb_report_figures(&r, out, plots, err, sizeof err) < 0) {
            tb_die(TB_EXIT_FAIL, "report: %s", err);
            goto done;
        }
    } else {
        snprintf(r.figs_why, sizeof r.figs_why, "no --out folder given (figures are written there)");
    }
    FILE *f = stdout;
    char path[4096];
    if (out) {
        snprintf(path, sizeof path, "%s/report.%s", out, format);
        f = fopen(path, "w");
        if (!f) {
            tb_die(TB_EXIT_FAIL, "report: cannot write %s", path);
            goto done;
        }
    }
    int w = !strcmp(format, "md")    ? tb_report_md(&r, f)
            : !strcmp(format, "csv") ? tb_report_csv(&r, f)
            : !strcmp(format, "json") ? tb_report_json(&r, f)
                                      : tb_report_html(&r, f);
    if (out) {
        if (fclose(f) != 0 || w < 0) {
            tb_die(TB_EXIT_FAIL, "report: cannot write %s", path);
            goto done;
        }
        fprintf(stderr, "tritbench: report written to %s%s%s\n", path, r.figs_why[0] ? "; " : "",
                r.figs_why[0] ? r.figs_why : "");
        rc = TB_EXIT_OK;
    } else {
        rc = tb_stdout_done("report", w < 0 ? TB_EXIT_FAIL : TB_EXIT_OK);
    }
done:
    tb_report_free(&r);
    tb_store_close(s);
    return rc;
}
