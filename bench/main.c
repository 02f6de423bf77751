/* main.c - the tritbench command line: dispatch to subcommands.  The only
 * main() of the project, and the only place that exits. */
#include "tb-ab.h"
#include "tb-build-info.h"
#include "tb-cli.h"
#include "tb-gpu.h"
#include "tb-platform.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: tritbench COMMAND [options]\n"
          "\n"
          "Measure what ternary (1.58-bit) LLM weights save over fp16 and int8 on this CPU.\n"
          "\n"
          "commands:\n"
          "  info      machine fingerprint and every measurement source (live or why not)\n"
          "  list      suites, backends, samplers or models\n"
          "  run       run a suite and store the results in SQLite\n"
          "  ppl       perplexity of a decoder (checkpoint or generated) over a token file\n"
          "  report    render stored results: md, csv, json, html and gnuplot figures\n"
          "  paper     measure and report the paper's tables (Table 1, Figures 2-3, Table 3); --quick, --dry-run\n"
          "  compare   compare two runs case by case; exit 1 on a regression\n"
          "  merge     merge databases from several machines\n"
          "  history   one case's medians over runs and commits, change points marked\n"
          "  ab        paired A/B of two builds on a suite (a CI gate); exit 1 on a confirmed regression\n"
          "\n"
          "`tritbench COMMAND --help` describes each command; `tritbench --version` prints the version.\n"
          "exit status: 0 ok, 1 failure, 2 usage error\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    tb_gpu_set_plugin_path(tb_env("TRITBENCH_CUDA_PLUGIN")); /* probed on first use */
    if (tb_is_help(cmd) || !strcmp(cmd, "help")) {
        usage(stdout);
        return TB_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        puts("tritbench " TB_VERSION); /* the project version in CMakeLists.txt */
        return TB_EXIT_OK;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"info", tb_cmd_info},       {"list", tb_cmd_list},       {"run", tb_cmd_run},
        {"report", tb_cmd_report},   {"compare", tb_cmd_compare}, {"merge", tb_cmd_merge},
        {"ppl", tb_cmd_ppl},         {"history", tb_cmd_history}, {"paper", tb_cmd_paper},
        {"ab", tb_cmd_ab},           {"ab-child", tb_cmd_ab_child}, /* ab-child: started by ab, not listed */
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    return tb_die(TB_EXIT_USAGE, "unknown command '%s' (try: tritbench --help)", cmd);
}
