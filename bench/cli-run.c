/* cli-run.c - `tritbench run SUITE`: its option table, the parse stage
 * (argv -> tb_run_args, every value checked before anything is opened) and
 * the command itself, which chains parse -> plan -> measure -> report
 * (tb-run.h). */
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-filter.h"
#include "tb-isa.h"
#include "tb-platform.h"
#include "tb-json.h"
#include "tb-sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    O_DB = 1, O_THREADS, O_REPS, O_MIN_TIME, O_WARMUP, O_FILTER, O_SAMPLER, O_EVENTS,
    O_IDLE, O_ISA, O_CACHE, O_NO_PIN, O_OVERSUB, O_QUIET,
    O_MODEL, O_FORMAT, O_TEST, O_HEAD, O_LAYERS, O_BATCH, O_MAX_BATCH, O_CTX, O_SEED, O_MEM_BUDGET, O_MATMULS,
};

static const tb_opt run_opts[] = {
    {O_DB, "db", 0, NULL, "PATH", "SQLite database, created if absent; a file path, not '' or :memory:",
     "results/tritbench.db"},
    {O_THREADS, "threads", 0, NULL, "N",
     "run cases at 1 and N threads; N at most the CPUs this process may use (see --oversubscribe)",
     "those CPUs"},
    {O_REPS, "reps", 0, NULL, "N", "repetitions per case, 1 to 1000", "10"},
    {O_MIN_TIME, "min-time", 0, NULL, "T", "minimum time of one repetition (s, ms, us)", "20ms"},
    {O_WARMUP, "warmup", 0, NULL, "T", "warm-up time before the repetitions", "200ms"},
    {O_FILTER, "filter", 0, NULL, "PAT",
     "only cases whose key matches PAT: a comma list of substrings or globs (* ? [...]), none of them empty",
     NULL},
    {O_SAMPLER, "sampler", 0, "samplers", "LIST",
     "samplers to run: all, none, or a comma list of names from `tritbench list samplers` (clock and the "
     "energy model always run)",
     "all"},
    {O_EVENTS, "events", 0, NULL, "LIST",
     "events for the counter samplers, a comma list; NAME goes to every selected counter sampler, SAMPLER:NAME "
     "to that one. perf takes cycles, instructions, cache-references, cache-misses, llc-loads, llc-load-misses, "
     "branches, branch-misses, ref-cycles, l1d-loads, l1d-load-misses, stalled-cycles-frontend, "
     "stalled-cycles-backend, task-clock, cpu-clock, page-faults, minor-faults, major-faults, context-switches, "
     "cpu-migrations or rHEX (raw); papi takes PAPI preset and native names. As perf stat does, a list no "
     "selected sampler can count is refused (exit 2); an item no sampler knows is left out with a warning and "
     "each sampler's status names what it skipped",
     "each sampler's defaults"},
    {O_IDLE, "idle", 0, NULL, "T",
     "idle-baseline window before the cases when an energy sampler is live (0 = none); stored so reports "
     "show net joules",
     "2s"},
    {O_ISA, "isa", 0, NULL, "LEVEL",
     "cap kernel dispatch: scalar, avx2, avxvnni, avx512, avx512vnni, avx512bf16; neon, neondot, neoni8mm (AArch64); native (also TRITBENCH_ISA)", "native"},
    {O_CACHE, "cache", 0, NULL, "MODE",
     "where GEMV weights live while timed: cold (identical copies spanning 4x the LLC, one per iteration: "
     "streamed from memory, as decode reads them), hot (one copy, reused: cache-resident when it fits) or "
     "both; GEMMs (n > 1) are always hot",
     "quick: cold; matmul: both"},
    {O_NO_PIN, "no-pin", 0, NULL, NULL,
     "do not pin the measuring threads: each keeps the process's whole affinity mask (stored as the run fact "
     "'unpinned')",
     NULL},
    {O_OVERSUB, "oversubscribe", 0, NULL, NULL,
     "allow --threads above the CPUs this process may use; threads then share CPUs and every case is flagged "
     "'oversubscribed'",
     NULL},
    {O_QUIET, "quiet", 'q', NULL, NULL, "no summary table", NULL},
    {O_MODEL, "model", 'm', NULL, "LIST",
     "decoder suites (e2e, paper): comma list of models: built-in names (`tritbench list models`) or "
     "checkpoint directories (config.json + safetensors); or one config spec "
     "hidden=H,ffn=F,layers=L,heads=N,vocab=V[,kv_heads=K,act=silu|relu2,subln=1,base=MODEL]",
     "the suite's"},
    {O_FORMAT, "format", 'f', NULL, "LIST", "decoder suites: projection weight formats, a comma list (fp16, bf16, "
     "int8, tq2, tq1, tl)", "fp16,int8,tq2"},
    {O_TEST, "test", 't', NULL, "LIST",
     "decoder suites: tests as llama-bench names them: ppN (prefill an N-token prompt), tgN (generate N tokens, "
     "one decode step each), ppN+tgM",
     "the suite's"},
    {O_HEAD, "head", 0, NULL, "FORMAT", "decoder suites: format of the embedding and output head", "fp16"},
    {O_LAYERS, "layers", 0, NULL, "K",
     "decoder suites: build and measure K layers and extrapolate to the model's depth (rows marked "
     "extrapolated)",
     "all"},
    {O_BATCH, "batch", 'b', NULL, "LIST", "decoder suites: decode batch sizes (sequences per step, the GEMM path)",
     "1"},
    {O_MAX_BATCH, "max-batch", 0, NULL, NULL,
     "decoder suites: also raise the batch until the memory budget is reached; report max batch and tokens/s",
     NULL},
    {O_CTX, "ctx", 0, NULL, "N", "decoder suites: KV cache capacity per sequence", "the test's length"},
    {O_MATMULS, "matmuls", 0, NULL, NULL,
     "decoder suites: also time each decode test's matmuls alone (test tgN-matmuls: every projection and the "
     "head, same weights and copies), so the summary shows what the decoder adds around them",
     NULL},
    {O_SEED, "seed", 0, NULL, "N", "decoder suites: seed of the generated weights and prompt", "1"},
    {O_MEM_BUDGET, "mem-budget", 0, NULL, "BYTES",
     "decoder suites: memory a case may use (e.g. 8GiB); a model above it is stored as does_not_fit",
     "available memory"},
    {0},
};

static const tb_cmd_spec run_spec = {
    .name = "run",
    .args = "SUITE",
    .about = "Measure every case of SUITE (see `tritbench list suites`) and store the results.\n"
             "Each case: setup -> verify against the scalar reference (a wrong kernel is stored as\n"
             "'wrong' and never timed) -> calibrate -> warm-up -> repetitions under the samplers.\n",
    .opts = run_opts,
    .footer = "Times take a unit: s (default), ms or us, e.g. 0.5, 20ms, 2s.\n"
              "Exit status: 0 all cases ok (or does_not_fit), 1 a case was wrong or failed, or the output could\n"
              "not be written, 2 usage error (nothing measured, no database created or changed), 128+N\n"
              "signal N stopped the run (130 SIGINT, 143 SIGTERM, 129 SIGHUP; completed cases are kept).\n",
};

/* "tritbench run ..." from argv before getopt_long permutes it. */
static char *join_cmdline(int argc, char **argv)
{
    size_t n = sizeof "tritbench";
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    strcpy(s, "tritbench");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int parse_cache(const char *v, unsigned *out)
{
    if (!strcmp(v, "hot"))
        *out = TB_CACHE_HOT;
    else if (!strcmp(v, "cold"))
        *out = TB_CACHE_COLD;
    else if (!strcmp(v, "both"))
        *out = TB_CACHE_BOTH;
    else {
        tb_die(TB_EXIT_USAGE, "--cache %s: expected hot, cold or both", tb_clip(v));
        return -1;
    }
    return 0;
}

/* --sampler LIST: all, none, or known names; -1 with the error printed. */
static int check_samplers(const char *opt, const char *v)
{
    if (!strcmp(v, "all") || !strcmp(v, "none"))
        return 0;
    for (const char *p = v;;) {
        size_t l = strcspn(p, ",");
        char nm[32];
        if (l == 0) {
            tb_die(TB_EXIT_USAGE, "%s '%s': empty name in the list (give all, none, or names from `tritbench list "
                   "samplers`)", opt, tb_clip(v));
            return -1;
        }
        snprintf(nm, sizeof nm, "%.*s", (int)(l < sizeof nm ? l : sizeof nm - 1), p);
        if (l >= sizeof nm || !tb_sampler_find(nm)) {
            tb_die(TB_EXIT_USAGE, "%s %s: unknown sampler name '%s' (try: tritbench list samplers)", opt, tb_clip(v),
                   nm);
            return -1;
        }
        p += l;
        if (!*p++)
            return 0;
    }
}

/* --filter PAT and --events LIST: no empty item; -1 with the error printed. */
static int check_list(const char *opt, const char *v, const char *what)
{
    if (!*v || v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,")) {
        tb_die(TB_EXIT_USAGE, "%s '%s': empty %s%s", opt, tb_clip(v), what, *v ? " in the comma list" : "");
        return -1;
    }
    return 0;
}

/* One option's value into *a; -1 with the error printed. */
static int apply(tb_run_args *a, int id, const char *opt, const char *v)
{
    switch (id) {
    case O_DB:
        a->db = v;
        return tb_check_db_path(opt, v);
    case O_THREADS: return tb_parse_int(opt, v, 1, 256, &a->threads);
    case O_REPS: return tb_parse_int(opt, v, 1, 1000, &a->reps);
    case O_MIN_TIME: return tb_parse_seconds(opt, v, 1e-6, 60, &a->min_time_s);
    case O_WARMUP: return tb_parse_seconds(opt, v, 0, 60, &a->warmup_s);
    case O_IDLE: return tb_parse_seconds(opt, v, 0, 600, &a->idle_s);
    case O_FILTER: a->filter = v; return check_list(opt, v, "pattern");
    case O_SAMPLER: a->samplers = v; return check_samplers(opt, v);
    case O_EVENTS: a->events = v; return check_list(opt, v, "event name");
    case O_ISA:
        if (tb_isa_parse(v, &a->isa_cap) < 0) {
            tb_die(TB_EXIT_USAGE, "--isa %s: expected scalar, avx2, avxvnni, avx512, avx512vnni, avx512bf16, neon, neondot, neoni8mm or native",
                   tb_clip(v));
            return -1;
        }
        a->isa_name = v;
        return 0;
    case O_CACHE:
        a->cache_name = v;
        return parse_cache(v, &a->cache_modes);
    case O_NO_PIN: a->pin = 0; return 0;
    case O_QUIET: a->quiet = 1; return 0;
    case O_MODEL: a->e2e.models = v; return check_list(opt, v, "model");
    case O_FORMAT: a->e2e.formats = v; return check_list(opt, v, "format") < 0 ? -1 : tb_check_formats(opt, v);
    case O_TEST: return tb_e2e_parse_tests(opt, v, &a->e2e);
    case O_HEAD: a->e2e.head = v; return strchr(v, ',') ? (tb_die(TB_EXIT_USAGE, "%s %s: one format", opt, tb_clip(v)), -1)
                                                         : tb_check_formats(opt, v);
    case O_LAYERS: {
        long k;
        if (tb_parse_int(opt, v, 1, 1000, &k) < 0)
            return -1;
        a->e2e.layers = k;
        return 0;
    }
    case O_BATCH: return tb_e2e_parse_batch(opt, v, &a->e2e);
    case O_MAX_BATCH: a->e2e.max_batch = 1; return 0;
    case O_MATMULS: a->e2e.matmuls = 1; return 0;
    case O_CTX: {
        long n;
        if (tb_parse_int(opt, v, 1, 1 << 20, &n) < 0)
            return -1;
        a->e2e.ctx = n;
        return 0;
    }
    case O_SEED: {
        long n;
        if (tb_parse_int(opt, v, 0, 2147483647L, &n) < 0)
            return -1;
        a->e2e.seed = (uint64_t)n;
        return 0;
    }
    case O_MEM_BUDGET: return tb_parse_bytes(opt, v, &a->e2e.mem_budget);
    }
    return 0;
}

/* The options as stored in runs.options_json; -1 when they do not fit. */
static int options_json(tb_run_args *a, int oversubscribe)
{
    tb_json j;
    tb_json_init(&j, a->options_json, sizeof a->options_json);
    tb_json_obj_begin(&j);
    tb_json_kv_int(&j, "reps", a->reps);
    tb_json_kv_num(&j, "min_time_s", a->min_time_s);
    tb_json_kv_num(&j, "warmup_s", a->warmup_s);
    tb_json_kv_int(&j, "threads", a->threads);
    tb_json_kv_str(&j, "isa", a->isa_name);
    tb_json_kv_str(&j, "cache", a->cache_name);
    tb_json_kv_num(&j, "idle_s", a->idle_s);
    tb_json_kv_str(&j, "filter", a->filter);
    tb_json_kv_str(&j, "samplers", a->samplers);
    tb_json_kv_str(&j, "events", a->events);
    tb_json_kv_bool(&j, "pin", a->pin);
    tb_json_kv_bool(&j, "oversubscribe", oversubscribe);
    tb_json_kv_str(&j, "model", a->e2e.models);
    tb_json_kv_str(&j, "format", a->e2e.formats);
    tb_json_kv_str(&j, "head", a->e2e.head);
    if (a->e2e.ntests) {
        char t[256] = "";
        for (int i = 0; i < a->e2e.ntests; i++)
            snprintf(t + strlen(t), sizeof t - strlen(t), "%s%s", i ? "," : "", a->e2e.tests[i].name);
        tb_json_kv_str(&j, "test", t);
    }
    if (a->e2e.nbatch) {
        char t[128] = "";
        for (int i = 0; i < a->e2e.nbatch; i++)
            snprintf(t + strlen(t), sizeof t - strlen(t), "%s%lld", i ? "," : "", (long long)a->e2e.batch[i]);
        tb_json_kv_str(&j, "batch", t);
    }
    tb_json_kv_bool(&j, "max_batch", a->e2e.max_batch);
    tb_json_kv_bool(&j, "matmuls", a->e2e.matmuls);
    tb_json_kv_int(&j, "layers", a->e2e.layers);
    tb_json_kv_int(&j, "ctx", a->e2e.ctx);
    tb_json_kv_int(&j, "seed", (long long)a->e2e.seed);
    tb_json_kv_num(&j, "mem_budget", a->e2e.mem_budget);
    tb_json_obj_end(&j);
    return tb_json_ok(&j) ? 0 : -1;
}

int tb_run_parse(int argc, char **argv, tb_run_args *a)
{
    memset(a, 0, sizeof *a);
    a->db = "results/tritbench.db";
    a->samplers = "all";
    a->isa_name = "native";
    tb_isa_parse(a->isa_name, &a->isa_cap);
    a->reps = 10;
    a->threads = tb_bench_cpus_available();
    a->min_time_s = 0.02;
    a->warmup_s = 0.2;
    a->idle_s = 2.0;
    a->pin = 1;
    a->e2e.seed = 1;
    const char *env_isa;
    uint32_t env_cap;
    if (tb_env_isa(&env_cap, &env_isa) < 0)
        return TB_OPT_ERROR;
    if (env_isa) {
        a->isa_cap = env_cap;
        a->isa_name = env_isa;
    }
    a->cmdline = join_cmdline(argc, argv);
    if (!a->cmdline) {
        tb_die(TB_EXIT_FAIL, "run: out of memory");
        return TB_OPT_ERROR;
    }

    int oversubscribe = 0;
    tb_optparse p;
    tb_opt_init(&p, &run_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR)
            return id;
        if (id == TB_OPT_ARG) {
            if (a->suite) {
                tb_die(TB_EXIT_USAGE, "run: unexpected argument '%s' (one suite at a time)", tb_clip(p.arg));
                return TB_OPT_ERROR;
            }
            a->suite = p.arg;
        } else if (id == O_OVERSUB) {
            oversubscribe = 1;
        } else if (apply(a, id, p.opt, p.arg) < 0) {
            return TB_OPT_ERROR;
        }
    }
    if (!a->suite) {
        tb_die(TB_EXIT_USAGE, "run: missing SUITE (try: tritbench list suites)");
        return TB_OPT_ERROR;
    }
    int cpus = tb_bench_cpus_available();
    if (a->threads > cpus && !oversubscribe) {
        /* threads sharing CPUs time the scheduler, not the kernel */
        tb_die(TB_EXIT_USAGE, "--threads %ld: more than the %d CPU(s) this process may use; threads would share "
               "CPUs (add --oversubscribe to measure anyway, every case flagged)", a->threads, cpus);
        return TB_OPT_ERROR;
    }
    if (options_json(a, oversubscribe) < 0) {
        tb_die(TB_EXIT_USAGE, "run: options longer than %zu bytes; shorten --filter or --events",
               sizeof a->options_json);
        return TB_OPT_ERROR;
    }
    return 0;
}

void tb_run_args_free(tb_run_args *a)
{
    free(a->cmdline);
    a->cmdline = NULL;
}

int tb_cmd_run(int argc, char **argv)
{
    tb_run_args a;
    tb_caselist cases = {0};
    tb_run_session s = {0};
    int rc = tb_run_parse(argc, argv, &a);
    if (rc)
        rc = tb_opt_exit(rc);
    else if (!(rc = tb_run_plan(&a, &cases)) && !(rc = tb_run_measure(&a, &cases, &s)))
        rc = tb_stdout_done("run", tb_run_report(&a, &s));
    tb_run_close(&s);
    tb_caselist_free(&cases);
    tb_run_args_free(&a);
    return rc;
}
