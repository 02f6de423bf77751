/* cli-later.c - commands whose implementations come with later issues:
 * each has its --help and fails clearly instead of succeeding silently. */
#include "tb-cli.h"

#include <stdio.h>
#include <string.h>

static int later(int argc, char **argv, const char *help, const char *what)
{
    for (int i = 1; i < argc; i++)
        if (tb_is_help(argv[i])) {
            fputs(help, stdout);
            return TB_EXIT_OK;
        }
    return tb_die(TB_EXIT_FAIL, "%s: not yet implemented in this version (%s)", argv[0], what);
}

int tb_cmd_report(int argc, char **argv)
{
    return later(argc, argv,
                 "usage: tritbench report [--db PATH] [--run ID] [--format text|markdown|csv] [--plots DIR]\n"
                 "\nRender stored results as tables and gnuplot figures (latency, memory, energy, roofline).\n"
                 "Not yet implemented: `tritbench run` prints a summary table, and the data is in SQLite\n"
                 "(see README: Outputs).\n",
                 "use the summary printed by `tritbench run` or query the database");
}

int tb_cmd_compare(int argc, char **argv)
{
    return later(argc, argv,
                 "usage: tritbench compare BASE CANDIDATE [--db PATH] [--threshold PCT]\n"
                 "\nCompare two runs case by case with paired statistics; exit 1 on a regression.\n"
                 "Not yet implemented.\n",
                 "regression comparison arrives with the regression issue");
}

int tb_cmd_merge(int argc, char **argv)
{
    return later(argc, argv,
                 "usage: tritbench merge OUT.db IN.db...\n"
                 "\nMerge databases from several machines, keyed by machine fingerprint and binary hash.\n"
                 "Not yet implemented.\n",
                 "multi-machine merge arrives with the compare issue");
}
