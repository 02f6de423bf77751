/* cli-list.c - `tritbench list [suites|backends|samplers|models]`. */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "matmul-shapes.h"
#include "tb-sampler.h"

#include <stdio.h>
#include <string.h>

static const tb_opt list_opts[] = {{0}}; /* only -h/--help */

static const tb_cmd_spec list_spec = {
    .name = "list",
    .args = "[suites|backends|samplers|models]",
    .about = "  suites     the suites `tritbench run` accepts\n"
             "  backends   every matmul kernel variant compiled in, and whether this CPU can run it\n"
             "  samplers   every measurement source compiled in, and whether it is live here\n"
             "  models     the paper's model configurations and their projection shapes\n"
             "Without an argument, lists all four.  TRITBENCH_ISA caps the backends shown usable, as for run.\n",
    .opts = list_opts,
};

static void list_suites(void)
{
    puts("suites:");
    for (int i = 0; tb_suites[i].name; i++)
        printf("  %-10s %s\n", tb_suites[i].name, tb_suites[i].desc);
}

static void list_backends(void)
{
    uint32_t isa = tb_isa_allowed();
    puts(tb_isa_cap() != 0xffffffffu ? "backends (dispatch capped by TRITBENCH_ISA):" : "backends:");
    if (tb_kernel_count() == 0)
        puts("  (none registered)");
    for (int i = 0, n = tb_kernel_count(); i < n; i++) {
        const tb_kernel *k = tb_kernel_at(i);
        char lacks[128];
        tb_isa_names(k->isa_mask & ~tb_isa_detect(), lacks, sizeof lacks);
        printf("  %-22s format %-5s isa %-11s %.2f bits/weight  %s%s\n", k->name, k->format, k->isa,
               k->bits_per_weight, tb_kernel_usable(k, isa) ? "usable" :
               tb_kernel_usable(k, tb_isa_detect()) ? "not usable: above the TRITBENCH_ISA cap" : "not usable on this CPU: lacks ",
               tb_kernel_usable(k, tb_isa_detect()) ? "" : lacks);
    }
}

static void list_samplers(void)
{
    puts("samplers:");
    for (int i = 0; tb_samplers[i]; i++) {
        tb_probe p;
        memset(&p, 0, sizeof p);
        tb_samplers[i]->probe(&p);
        printf("  %-13s %-12s %s\n", tb_samplers[i]->name, tb_avail_names[p.state], p.reason);
    }
    for (const tb_pseudo_sampler *ps = tb_pseudo_samplers; ps->name; ps++) {
        tb_probe p;
        ps->probe(&p);
        printf("  %-13s %-12s %s\n", ps->name, tb_avail_names[p.state], ps->desc);
    }
}

/* The model shapes compiled into the binary (bench/matmul-shapes.c, from
 * results/reference/model_configs.csv), so the list is the same wherever
 * the binary is copied. */
static void list_models(void)
{
    puts("models (projection shapes rows x cols, as measured by the matmul suite):");
    for (int i = 0; i < tb_mm_nshapes;) {
        const char *model = tb_mm_shapes[i].model;
        printf("  %-14s", model);
        for (; i < tb_mm_nshapes && !strcmp(tb_mm_shapes[i].model, model); i++)
            printf(" %s %lldx%lld", tb_mm_shapes[i].proj, (long long)tb_mm_shapes[i].rows,
                   (long long)tb_mm_shapes[i].cols);
        putchar('\n');
    }
}

int tb_cmd_list(int argc, char **argv)
{
    const char *what = NULL;
    tb_optparse p;
    tb_opt_init(&p, &list_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR)
            return tb_opt_exit(id);
        if (what)
            return tb_die(TB_EXIT_USAGE, "list %s %s: too many arguments (try: tritbench list --help)", tb_clip(what),
                          tb_clip(p.arg));
        what = p.arg;
    }
    if (!what)
        what = "all";
    int all = !strcmp(what, "all");
    if (!all && strcmp(what, "suites") && strcmp(what, "backends") && strcmp(what, "samplers") &&
        strcmp(what, "models"))
        return tb_die(TB_EXIT_USAGE, "list %s: expected suites, backends, samplers or models", tb_clip(what));
    const char *env_isa;
    uint32_t cap;
    if (tb_env_isa(&cap, &env_isa) < 0) /* the same cap as info and run */
        return TB_EXIT_USAGE;
    tb_isa_set_cap(cap);
    if (all || !strcmp(what, "suites"))
        list_suites();
    if (all || !strcmp(what, "backends"))
        list_backends();
    if (all || !strcmp(what, "samplers"))
        list_samplers();
    if (all || !strcmp(what, "models"))
        list_models();
    return tb_stdout_done("list", TB_EXIT_OK);
}
