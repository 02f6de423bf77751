/* cli-list.c - `tritbench list [suites|backends|samplers|models]`. */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "tb-sampler.h"

#include <stdio.h>
#include <string.h>

static const char list_help[] =
    "usage: tritbench list [suites|backends|samplers|models]\n"
    "\n"
    "  suites     the suites `tritbench run` accepts\n"
    "  backends   every matmul kernel variant compiled in, and whether this CPU can run it\n"
    "  samplers   every measurement source compiled in, and whether it is live here\n"
    "  models     the model configurations of the paper (results/reference/model_configs.csv)\n"
    "Without an argument, lists all four.\n";

static void list_suites(void)
{
    puts("suites:");
    for (int i = 0; tb_suites[i].name; i++)
        printf("  %-10s %s\n", tb_suites[i].name, tb_suites[i].desc);
}

static void list_backends(void)
{
    uint32_t isa = tb_isa_detect();
    puts("backends:");
    if (tb_kernel_count() == 0)
        puts("  (none registered)");
    for (int i = 0, n = tb_kernel_count(); i < n; i++) {
        const tb_kernel *k = tb_kernel_at(i);
        printf("  %-22s format %-5s isa %-11s %.2f bits/weight  %s\n", k->name, k->format, k->isa,
               k->bits_per_weight, tb_kernel_usable(k, isa) ? "usable" : "not usable on this CPU");
    }
}

static void list_samplers(void)
{
    puts("samplers:");
    printf("  %-13s %s\n", "clock", "live");
    for (int i = 0; tb_samplers[i]; i++) {
        tb_probe p;
        memset(&p, 0, sizeof p);
        tb_samplers[i]->probe(&p);
        printf("  %-13s %-12s %s\n", tb_samplers[i]->name, tb_avail_names[p.state], p.reason);
    }
    printf("  %-13s %s\n", "energy-model", "live");
}

static void list_models(void)
{
    puts("models:");
    FILE *f = fopen(TB_SOURCE_DIR "/results/reference/model_configs.csv", "r");
    if (!f) {
        puts("  (results/reference/model_configs.csv not found next to the source tree)");
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || !strncmp(line, "name,", 5))
            continue;
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ',');
        if (c1)
            *c1 = 0;
        printf("  %s\n", line);
    }
    fclose(f);
}

int tb_cmd_list(int argc, char **argv)
{
    if (argc > 2)
        return tb_die(TB_EXIT_USAGE, "list: too many arguments (try: tritbench list --help)");
    const char *what = argc == 2 ? argv[1] : "all";
    if (tb_is_help(what)) {
        fputs(list_help, stdout);
        return TB_EXIT_OK;
    }
    int all = !strcmp(what, "all");
    if (!all && strcmp(what, "suites") && strcmp(what, "backends") && strcmp(what, "samplers") &&
        strcmp(what, "models"))
        return tb_die(TB_EXIT_USAGE, "list %s: expected suites, backends, samplers or models", what);
    if (all || !strcmp(what, "suites"))
        list_suites();
    if (all || !strcmp(what, "backends"))
        list_backends();
    if (all || !strcmp(what, "samplers"))
        list_samplers();
    if (all || !strcmp(what, "models"))
        list_models();
    return TB_EXIT_OK;
}
