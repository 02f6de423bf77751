/* cli-later.c - commands whose implementations come with later issues:
 * each parses and validates its options like a real command (usage errors
 * exit 2), has its --help, and then fails clearly (exit 1) instead of
 * succeeding silently. */
#include "tb-cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { O_DB = 1, O_THRESHOLD };

static const tb_opt compare_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "SQLite database to read", "results/tritbench.db"},
    {O_THRESHOLD, "threshold", 0, NULL, "PCT", "slowdown in percent that counts as a regression (0..1000)",
     NULL},
    {0},
};

static const tb_cmd_spec compare_spec = {
    .name = "compare",
    .args = "BASE CANDIDATE",
    .about = "Compare two runs case by case with paired statistics; exit 1 on a regression.\n"
             "Not yet implemented.\n",
    .opts = compare_opts,
};

static const tb_opt merge_opts[] = {{0}}; /* only -h/--help */

static const tb_cmd_spec merge_spec = {
    .name = "merge",
    .args = "OUT.db IN.db...",
    .about = "Merge databases from several machines, keyed by machine fingerprint and binary hash.\n"
             "Not yet implemented.\n",
    .opts = merge_opts,
};

static int parse_pct(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < 0 || v > 1000) {
        tb_die(TB_EXIT_USAGE, "%s %s: expected a percentage between 0 and 1000", opt, s);
        return -1;
    }
    return 0;
}

static int check_value(int id, const char *opt, const char *v)
{
    switch (id) {
    case O_DB: return tb_check_db_path(opt, v);
    case O_THRESHOLD: return parse_pct(opt, v);
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

int tb_cmd_compare(int argc, char **argv)
{
    return later(&compare_spec, argc, argv, 2, 2, "regression comparison arrives with the regression issue");
}

int tb_cmd_merge(int argc, char **argv)
{
    return later(&merge_spec, argc, argv, 2, -1, "multi-machine merge arrives with the compare issue");
}
