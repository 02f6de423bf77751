/* cli-later.c - commands whose implementations come with later issues:
 * each parses and validates its options like a real command (usage errors
 * exit 2), has its --help, and then fails clearly (exit 1) instead of
 * succeeding silently. */
#include "tb-cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_DB = 1, O_RUN, O_FORMAT, O_PLOTS };

static const tb_opt report_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "SQLite database to read", "results/tritbench.db"},
    {O_RUN, "run", 0, NULL, "ID", "the run to render", "the latest run"},
    {O_FORMAT, "format", 0, NULL, "FORMAT", "text, markdown or csv", "text"},
    {O_PLOTS, "plots", 0, NULL, "DIR", "also write gnuplot figures into DIR", NULL},
    {0},
};

static const tb_cmd_spec report_spec = {
    .name = "report",
    .about = "Render stored results as tables and gnuplot figures (latency, memory, energy, roofline).\n"
             "Not yet implemented: `tritbench run` prints a summary table, and the data is in SQLite\n"
             "(see README: Outputs).\n",
    .opts = report_opts,
};

static int check_value(int id, const char *opt, const char *v)
{
    long run;
    switch (id) {
    case O_DB: return tb_check_db_path(opt, v);
    case O_RUN: return tb_parse_int(opt, v, 1, 0x7fffffffL, &run);
    case O_FORMAT:
        if (strcmp(v, "text") && strcmp(v, "markdown") && strcmp(v, "csv")) {
            tb_die(TB_EXIT_USAGE, "%s %s: expected text, markdown or csv", opt, v);
            return -1;
        }
        return 0;
    }
    return 0;
}

/* Parse and validate; then say "not yet".  Positionals: at least min_pos,
 * at most max_pos (-1 = any number). */
static int later(const tb_cmd_spec *spec, int argc, char **argv, int min_pos, int max_pos, const char *what)
{
    tb_optparse p;
    int npos = 0;
    tb_opt_init(&p, spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR)
            return tb_opt_exit(id);
        if (id != TB_OPT_ARG) {
            if (check_value(id, p.opt, p.arg) < 0)
                return TB_EXIT_USAGE;
        } else if (max_pos >= 0 && npos >= max_pos) {
            return tb_die(TB_EXIT_USAGE, "%s: unexpected argument '%s' (try: tritbench %s --help)", spec->name,
                          p.arg, spec->name);
        } else {
            npos++;
        }
    }
    if (npos < min_pos)
        return tb_die(TB_EXIT_USAGE, "%s: expected %s (try: tritbench %s --help)", spec->name, spec->args,
                      spec->name);
    return tb_die(TB_EXIT_FAIL, "%s: not yet implemented in this version (%s)", spec->name, what);
}

int tb_cmd_report(int argc, char **argv)
{
    return later(&report_spec, argc, argv, 0, 0, "use the summary printed by `tritbench run` or query the database");
}
