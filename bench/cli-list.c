/* cli-list.c - `tritbench list [suites|backends|samplers|models]`. */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-gpu.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "matmul-shapes.h"
#include "tb-model.h"
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
             "  models     the decoder configurations (paper, LLaMA-2, 2B4T, bitnet.cpp) and matmul shapes\n"
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
        char lacks[128], why[200];
        tb_isa_names(k->isa_mask & ~tb_isa_detect(), lacks, sizeof lacks);
        if (tb_kernel_usable(k, isa))
            snprintf(why, sizeof why, "usable");
        else if (k->gpu)
            snprintf(why, sizeof why, "not usable: no CUDA device (see tritbench info)");
        else if (tb_kernel_usable(k, tb_isa_detect()))
            snprintf(why, sizeof why, "not usable: above the TRITBENCH_ISA cap");
        else
            snprintf(why, sizeof why, "not usable on this CPU: lacks %s", lacks);
        printf("  %-22s format %-5s isa %-11s %.2f bits/weight  %s%s\n", k->name, k->format, k->isa,
               k->bits_per_weight, why,
               k->own_layout ? "  (own layout of the format's bits: the reference checks its own packing)" : "");
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

/* The decoder configs compiled into the binary (bench/model/model-configs.c,
 * from results/reference/model_configs.csv), with the weights each holds,
 * then the projection shapes the matmul suite measures. */
static void list_models(void)
{
    puts("models (decoder configs for `run e2e --model NAME`; also key=value specs and checkpoint directories):");
    printf("  %-16s %6s %6s %6s %5s %4s %5s %7s %6s %7s  %s\n", "name", "hidden", "ffn", "layers", "heads", "kv",
           "hdim", "vocab", "act", "params", "source");
    for (int i = 0; i < tb_model_config_count(); i++) {
        const tb_model_config *c = tb_model_config_at(i);
        double attn = (double)c->hidden * (double)c->head_dim * (double)(2 * c->heads + 2 * c->kv_heads);
        double ffn = 3.0 * (double)c->hidden * (double)c->ffn;
        double emb = (double)c->vocab * (double)c->hidden * (c->tied ? 1 : 2);
        double params = (double)c->layers * (attn + ffn) + emb;
        printf("  %-16s %6lld %6lld %6lld %5lld %4lld %5lld %7lld %6s %6.2fB  %s\n", c->name, (long long)c->hidden,
               (long long)c->ffn, (long long)c->layers, (long long)c->heads, (long long)c->kv_heads,
               (long long)c->head_dim, (long long)c->vocab, c->act == TB_FFN_RELU2 ? "relu2" : "swiglu",
               params / 1e9, c->source);
    }
    puts("matmul shapes (rows x cols per projection, as the matmul suite measures them):");
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
