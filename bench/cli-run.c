/* cli-run.c - `tritbench run SUITE`: builds the case list, opens the store
 * and the samplers, measures every case through the runner, stores each in
 * its own transaction, prints progress (on a terminal) and a summary. */
#define _GNU_SOURCE
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-isa.h"
#include "tb-json.h"
#include "tb-machine.h"
#include "tb-platform.h"
#include "tb-runner.h"
#include "tb-sampler.h"
#include "tb-store.h"
#include "samplers/tb-sampler-extra.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char run_help[] =
    "usage: tritbench run SUITE [options]\n"
    "\n"
    "Measure every case of SUITE (see `tritbench list suites`) and store the results.\n"
    "Each case: setup -> verify against the scalar reference (a wrong kernel is stored as\n"
    "'wrong' and never timed) -> calibrate -> warm-up -> repetitions under the samplers.\n"
    "\n"
    "  --db PATH        SQLite database (default results/tritbench.db; created if absent)\n"
    "  --threads N      run cases at 1..N threads (default: all online CPUs)\n"
    "  --reps N         repetitions per case (default 10)\n"
    "  --min-time T     minimum time of one repetition (default 20ms; s, ms, us)\n"
    "  --warmup T       warm-up time before the repetitions (default 200ms)\n"
    "  --filter PAT     only cases whose key matches PAT (comma list of substrings or globs)\n"
    "  --sampler LIST   samplers to run: all (default), none, or a comma list\n"
    "                   (clock and the energy model always run)\n"
    "  --events LIST    events for the counter samplers (comma list)\n"
    "  --idle T         idle-baseline window before the cases when an energy sampler is\n"
    "                   live (default 2s; 0 = none); stored so reports show net joules\n"
    "  --isa LEVEL      cap kernel dispatch: scalar, avx2, avx512, avx512vnni, native\n"
    "  --cache MODE     where GEMV weights live while timed: cold (streamed from memory,\n"
    "                   as decode reads them), hot (one matrix, cache-resident when it\n"
    "                   fits) or both; default: the suite's (quick: cold; matmul: both).\n"
    "                   GEMMs (n > 1) are always hot\n"
    "  --no-pin         do not pin the measuring threads to CPUs\n"
    "  --quiet          no summary table\n"
    "\n"
    "Exit status: 0 all cases ok (or does_not_fit), 1 a case was wrong or failed, 2 usage error.\n";

static volatile sig_atomic_t g_interrupted;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int), "the runner polls the interrupt flag as an int");
static void on_sigint(int sig) { g_interrupted = sig; }

static int match_filter(const char *filter, const char *key)
{
    if (!filter || !*filter)
        return 1;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", filter);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strpbrk(tok, "*?[")) {
            if (fnmatch(tok, key, 0) == 0)
                return 1;
        } else if (strstr(key, tok)) {
            return 1;
        }
    }
    return 0;
}

static void host_state(char *buf, int len)
{
    double la[3] = {NAN, NAN, NAN};
    if (getloadavg(la, 3) < 0)
        la[0] = NAN;
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_num(&j, "loadavg1", la[0]);
    tb_json_kv_num(&j, "loadavg5", la[1]);
    tb_json_obj_end(&j);
}

static int mkdir_parent(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = 0;
    if (!*dir)
        return 0;
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0777);
            *p = '/';
        }
    return mkdir(dir, 0777) == 0 || errno == EEXIST ? 0 : -errno;
}

static void progress(int i, int n, const char *key, uint64_t t0, int tty)
{
    if (!tty)
        return;
    double el = (tb_plat_now_ns() - t0) / 1e9;
    double eta = i > 0 ? el / i * (n - i) : NAN;
    char etab[32];
    if (isnan(eta))
        snprintf(etab, sizeof etab, "?");
    else
        snprintf(etab, sizeof etab, "%.0fs", eta);
    fprintf(stderr, "\r\033[K[%d/%d] %.0fs elapsed, ETA %s  %s", i + 1, n, el, etab, key);
    fflush(stderr);
}

int tb_cmd_run(int argc, char **argv)
{
    const char *suite_name = NULL, *db = "results/tritbench.db", *filter = NULL, *samplers = "all",
               *events = NULL, *isa_name = "native", *cache = NULL;
    long reps = 10, threads = sysconf(_SC_NPROCESSORS_ONLN);
    double min_time = 0.02, warmup = 0.2, idle_s = 2.0;
    int quiet = 0, pin = 1;
    if (threads < 1)
        threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (tb_is_help(a)) {
            fputs(run_help, stdout);
            return TB_EXIT_OK;
        } else if (!strcmp(a, "--db")) {
            if (!v)
                return tb_die(TB_EXIT_USAGE, "--db: missing path");
            db = v, i++;
        } else if (!strcmp(a, "--threads")) {
            if (tb_parse_int(a, v, 1, 256, &threads) < 0)
                return TB_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--reps")) {
            if (tb_parse_int(a, v, 1, 1000, &reps) < 0)
                return TB_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--min-time")) {
            if (tb_parse_seconds(a, v, 1e-6, 60, &min_time) < 0)
                return TB_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--warmup")) {
            if (tb_parse_seconds(a, v, 0, 60, &warmup) < 0)
                return TB_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--idle")) {
            if (tb_parse_seconds(a, v, 0, 600, &idle_s) < 0)
                return TB_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--filter")) {
            if (!v)
                return tb_die(TB_EXIT_USAGE, "--filter: missing pattern");
            filter = v, i++;
        } else if (!strcmp(a, "--sampler") || !strcmp(a, "--samplers")) {
            if (!v)
                return tb_die(TB_EXIT_USAGE, "%s: missing list", a);
            samplers = v, i++;
        } else if (!strcmp(a, "--events")) {
            if (!v)
                return tb_die(TB_EXIT_USAGE, "--events: missing list");
            events = v, i++;
        } else if (!strcmp(a, "--isa")) {
            uint32_t m;
            if (!v || tb_isa_parse(v, &m) < 0)
                return tb_die(TB_EXIT_USAGE, "--isa %s: expected scalar, avx2, avx512, avx512vnni or native",
                              v ? v : "");
            isa_name = v, i++;
        } else if (!strcmp(a, "--cache")) {
            if (!v || (strcmp(v, "hot") && strcmp(v, "cold") && strcmp(v, "both")))
                return tb_die(TB_EXIT_USAGE, "--cache %s: expected hot, cold or both", v ? v : "");
            cache = v, i++;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-pin")) {
            pin = 0;
        } else if (a[0] == '-') {
            return tb_die(TB_EXIT_USAGE, "run: unknown option '%s' (try: tritbench run --help)", a);
        } else if (!suite_name) {
            suite_name = a;
        } else {
            return tb_die(TB_EXIT_USAGE, "run: unexpected argument '%s' (one suite at a time)", a);
        }
    }
    if (!suite_name)
        return tb_die(TB_EXIT_USAGE, "run: missing SUITE (try: tritbench list suites)");
    const tb_suite *suite = tb_suite_find(suite_name);
    if (!suite)
        return tb_die(TB_EXIT_USAGE, "run %s: unknown suite (try: tritbench list suites)", suite_name);

    tb_suite_opts so = {.max_threads = (int)threads, .isa_name = isa_name};
    so.cache_modes = !cache ? 0u : !strcmp(cache, "hot") ? (unsigned)TB_CACHE_HOT
                                 : !strcmp(cache, "cold") ? (unsigned)TB_CACHE_COLD : (unsigned)TB_CACHE_BOTH;
    uint32_t cap;
    tb_isa_parse(isa_name, &cap);
    so.isa_allowed = tb_isa_detect() & cap;
    so.threads[so.nthreads++] = 1;
    if (threads > 1)
        so.threads[so.nthreads++] = (int)threads;
    tb_caselist all = {0}, cases = {0};
    int rc = suite->build(&all, &so);
    if (rc < 0) {
        tb_caselist_free(&all);
        return tb_die(TB_EXIT_FAIL, "run %s: cannot build the case list: %s", suite_name, strerror(-rc));
    }
    for (int i = 0; i < all.n; i++)
        if (match_filter(filter, all.v[i].key))
            tb_caselist_push(&cases, &all.v[i]);
    tb_caselist_free(&all);
    if (cases.n == 0) {
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_USAGE, "--filter %s: matches no case of suite %s", filter ? filter : "", suite_name);
    }

    tb_sampler_set *ss = NULL;
    rc = tb_sampler_set_open(samplers, events, &ss);
    if (rc < 0) {
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_USAGE, "--sampler %s: %s (try: tritbench list samplers)", samplers,
                      rc == -EINVAL ? "unknown sampler name" : strerror(-rc));
    }

    if (mkdir_parent(db) < 0) {
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_FAIL, "--db %s: cannot create its directory", db);
    }
    char err[1024], backup[1200];
    tb_store *st = NULL;
    rc = tb_store_open_upgrade(db, &st, err, sizeof err, backup, sizeof backup);
    if (rc < 0) {
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_FAIL, "%s", err);
    }

    if (backup[0])
        fprintf(stderr, "tritbench: %s: upgraded from schema 1 to %d; the old file is kept as %s\n", db,
                TB_SCHEMA_VERSION, backup);
    if (tb_bench_pool_init((int)threads) < 0) {
        tb_store_close(st);
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_FAIL, "cannot create %ld worker threads", threads);
    }
    if (pin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof set, &set); /* the caller is worker 0 */
    }

    tb_machine m;
    tb_machine_probe(&m);
    tb_build_info b;
    char hash[80], isav[2048];
    if (tb_build_fill(&b, hash, sizeof hash, isav, sizeof isav) < 0) {
        tb_store_close(st);
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_FAIL, "cannot hash /proc/self/exe: the build cannot be identified");
    }
    int64_t mid, bid, run_id;
    char argvs[2048] = "tritbench", opts[1024], env[512], hs[256];
    for (int i = 0; i < argc; i++) {
        size_t o = strlen(argvs);
        snprintf(argvs + o, sizeof argvs - o, " %s", argv[i]);
    }
    tb_json j;
    tb_json_init(&j, opts, sizeof opts);
    tb_json_obj_begin(&j);
    tb_json_kv_int(&j, "reps", reps);
    tb_json_kv_num(&j, "min_time_s", min_time);
    tb_json_kv_num(&j, "warmup_s", warmup);
    tb_json_kv_int(&j, "threads", threads);
    tb_json_kv_str(&j, "isa", isa_name);
    tb_json_kv_num(&j, "idle_s", idle_s);
    tb_json_kv_str(&j, "filter", filter);
    tb_json_kv_str(&j, "samplers", samplers);
    tb_json_kv_str(&j, "events", events);
    tb_json_kv_bool(&j, "pin", pin);
    tb_json_kv_str(&j, "cache", cache);
    tb_json_obj_end(&j);
    tb_json_init(&j, env, sizeof env);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "TB_ISA", getenv("TB_ISA"));
    tb_json_kv_str(&j, "OMP_NUM_THREADS", getenv("OMP_NUM_THREADS"));
    tb_json_kv_str(&j, "TRITBENCH_SYSFS_ROOT", getenv("TRITBENCH_SYSFS_ROOT"));
    tb_json_kv_str(&j, "TRITBENCH_DEV_ROOT", getenv("TRITBENCH_DEV_ROOT"));
    tb_json_obj_end(&j);
    host_state(hs, sizeof hs);
    if (tb_store_machine(st, &m, &mid) < 0 || tb_store_build(st, &b, &bid) < 0 ||
        tb_store_run_begin(st, mid, bid, suite_name, argvs, opts, env, hs, &run_id) < 0) {
        tb_die(TB_EXIT_FAIL, "cannot record the run: %s", tb_store_errmsg(st));
        tb_store_close(st);
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return TB_EXIT_FAIL;
    }
    int store_bad = 0;
    for (int i = 0, n = tb_sampler_set_status_count(ss); i < n; i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(ss, i, &name, &p);
        store_bad |= tb_store_sampler_status(st, run_id, name, &p) < 0;
    }
    /* facts of the whole run, stored once */
    {
        char why[256];
        if (!m.governor[0])
            store_bad |= tb_store_run_fact(st, run_id, "freq_unknown",
                                           "no cpufreq interface: the CPU frequency can be neither read nor pinned") < 0;
        else if (strcmp(m.governor, "performance") || strcmp(m.boost, "off")) {
            snprintf(why, sizeof why, "governor '%s', boost '%s' (pinned would be 'performance' and 'off')",
                     m.governor, m.boost[0] ? m.boost : "unknown");
            store_bad |= tb_store_run_fact(st, run_id, "freq_unpinned", why) < 0;
        }
        if (m.hypervisor[0] && strcmp(m.hypervisor, "none")) {
            snprintf(why, sizeof why, "virtual machine (%s): steal time and shared caches can perturb figures",
                     m.hypervisor);
            store_bad |= tb_store_run_fact(st, run_id, "hypervisor", why) < 0;
        }
        if (!pin)
            store_bad |= tb_store_run_fact(st, run_id, "unpinned", "--no-pin: threads not pinned to CPUs") < 0;
        if (tb_sampler_set_guard_error(ss))
            store_bad |= tb_store_run_fact(st, run_id, "wrap_guard_missing", tb_sampler_set_guard_error(ss)) < 0;
    }
    const tb_workload *declared[16];
    int ndeclared = 0;
    for (int i = 0; i < cases.n && !store_bad; i++) {
        int seen = 0;
        for (int k = 0; k < ndeclared; k++)
            seen |= declared[k] == cases.v[i].wl;
        if (!seen && ndeclared < 16) {
            declared[ndeclared++] = cases.v[i].wl;
            store_bad |= tb_store_declare_workload(st, cases.v[i].wl) < 0;
        }
    }
    if (store_bad) {
        tb_die(TB_EXIT_FAIL, "%s", tb_store_errmsg(st));
        tb_store_run_end(st, run_id, "failed", NULL);
        tb_store_close(st);
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return TB_EXIT_FAIL;
    }

    /* Idle baseline, only when a source that can measure energy is live. */
    static tb_reading idle[TB_MAX_CHANNELS * 8];
    int nidle = 0;
    if (tb_sampler_set_has_energy(ss) && idle_s > 0) {
        if (!quiet)
            fprintf(stderr, "tritbench: measuring idle power for %.1f s\n", idle_s);
        if (tb_sampler_set_idle_baseline(ss, idle_s, idle, (int)(sizeof idle / sizeof idle[0]), &nidle) < 0)
            nidle = 0;
        for (int i = 0; i < nidle; i++)
            if (tb_store_idle_baseline(st, run_id, &idle[i]) < 0)
                fprintf(stderr, "tritbench: %s\n", tb_store_errmsg(st));
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    tb_run_opts ro = {
        .reps = (int)reps, .min_time_s = min_time, .warmup_s = warmup,
        .idle = idle, .nidle = nidle, .stop = &g_interrupted,
    };
    const int show_progress = isatty(2);
    int failures = 0, stored = 0;
    tb_ceilings *ceil = malloc(sizeof *ceil);
    const tb_case **group = malloc((size_t)cases.n * sizeof *group);
    tb_case_result *res = malloc((size_t)cases.n * sizeof *res);
    if (!ceil || !group || !res) {
        free(ceil);
        free(group);
        free(res);
        tb_store_run_end(st, run_id, "failed", NULL);
        tb_store_close(st);
        tb_sampler_set_close(ss);
        tb_caselist_free(&cases);
        return tb_die(TB_EXIT_FAIL, "out of memory for %d cases", cases.n);
    }
    tb_ceilings_init(ceil, tb_bench_llc_bytes());
    uint64_t t0 = tb_plat_now_ns();
    for (int i = 0; i < cases.n && !g_interrupted;) {
        /* a group: consecutive cases with the same non-empty group key */
        int n = 1;
        while (cases.v[i].group[0] && i + n < cases.n && !strcmp(cases.v[i + n].group, cases.v[i].group))
            n++;
        for (int k = 0; k < n; k++)
            group[k] = &cases.v[i + k];
        progress(i, cases.n, n > 1 ? cases.v[i].group : cases.v[i].key, t0, show_progress);
        tb_runner_group(group, n, &ro, ss, res);
        for (int k = 0; k < n; k++) {
            tb_derive(&res[k], ceil);
            tb_derive_ceiling(ceil, &res[k]);
        }
        /* the baseline first, so the others' ratios can name it */
        int64_t base_id = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int k = 0; k < n; k++) {
                if ((pass == 0) != (group[k]->baseline != 0))
                    continue;
                tb_case_result *r = &res[k];
                if (r->status == TB_STATUS_WRONG || r->status == TB_STATUS_ERROR) {
                    failures++;
                    if (show_progress)
                        fputs("\r\033[K", stderr);
                    fprintf(stderr, "tritbench: %s: %s: %s\n", group[k]->key, tb_status_name(r->status),
                            r->status_reason);
                }
                int64_t cid = 0;
                if (tb_store_case(st, run_id, r, pass == 0 ? 0 : base_id, &cid) < 0) {
                    tb_die(TB_EXIT_FAIL, "cannot store case %s: %s", group[k]->key, tb_store_errmsg(st));
                    failures++;
                } else {
                    stored++;
                    if (pass == 0)
                        base_id = cid;
                }
                tb_case_result_free(r);
            }
        i += n;
    }
    free(ceil);
    free(group);
    free(res);
    if (show_progress)
        fputs("\r\033[K", stderr);
    host_state(hs, sizeof hs);
    if (tb_store_run_end(st, run_id, g_interrupted ? "interrupted" : failures ? "failed" : "ok", hs) < 0) {
        tb_die(TB_EXIT_FAIL, "cannot record the end of run %lld: %s", (long long)run_id, tb_store_errmsg(st));
        failures++;
    }
    if (!quiet)
        tb_summary_print(st, run_id, isatty(1));
    if (g_interrupted)
        fprintf(stderr, "tritbench: interrupted after %d of %d cases; stored cases are kept (run %lld)\n", stored,
                cases.n, (long long)run_id);
    if (!quiet)
        printf("run %lld: %d case(s) stored in %s\n", (long long)run_id, stored, db);
    tb_store_close(st);
    tb_sampler_set_close(ss);
    tb_bench_pool_free();
    tb_caselist_free(&cases);
    return failures || g_interrupted ? TB_EXIT_FAIL : TB_EXIT_OK;
}
