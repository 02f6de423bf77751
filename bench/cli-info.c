/* cli-info.c - `tritbench info`: the machine fingerprint and, for every
 * measurement source, whether it is live here and why not. */
#include "tb-cli.h"
#include "tb-gpu.h"
#include "tb-isa.h"
#include "tb-json.h"
#include "tb-machine.h"
#include "tb-platform.h"
#include "tb-runner.h"
#include "tb-sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_JSON = 1 };

static const tb_opt info_opts[] = {
    {O_JSON, "json", 0, NULL, NULL, "machine-readable output (one JSON object)", NULL},
    {0},
};

static const tb_cmd_spec info_spec = {
    .name = "info",
    .about = "Print this machine's fingerprint (CPU identity, microcode, ISA flags, topology, caches,\n"
             "memory, kernel, hypervisor, governor/boost, THP, perf_event_paranoid) and, for every\n"
             "measurement source (clock, perf_event, PAPI, likwid, RAPL via powercap, perf power PMU,\n"
             "MSR, NVML, energy model), whether it is live here and, if not, why and what would fix it.\n",
    .opts = info_opts,
    .footer = "TRITBENCH_SYSFS_ROOT, TRITBENCH_DEV_ROOT and TRITBENCH_PROC_ROOT redirect /sys, /dev and\n"
              "/proc (used by the tests to read fixture trees); TRITBENCH_ISA caps the dispatch shown, as for run.\n"
              "Exit status: 0 ok, 1 the output could not be written, 2 usage error.\n",
};

typedef struct src_row {
    const char *name;
    tb_probe p;
} src_row;

static int collect(src_row *rows, int max)
{
    int n = 0;
    for (int i = 0; tb_samplers[i] && n < max; i++) {
        rows[n].name = tb_samplers[i]->name;
        memset(&rows[n].p, 0, sizeof rows[n].p);
        tb_samplers[i]->probe(&rows[n].p);
        n++;
    }
    for (const tb_pseudo_sampler *ps = tb_pseudo_samplers; ps->name && n < max; ps++) {
        rows[n].name = ps->name;
        ps->probe(&rows[n].p);
        n++;
    }
    return n;
}

static void size_str(int64_t b, char *buf, int len)
{
    if (b < 0)
        snprintf(buf, (size_t)len, "unknown");
    else if (b >= (1 << 30))
        snprintf(buf, (size_t)len, "%.1f GiB", b / 1073741824.0);
    else if (b >= (1 << 20))
        snprintf(buf, (size_t)len, "%lld MiB", (long long)(b >> 20));
    else
        snprintf(buf, (size_t)len, "%lld KiB", (long long)(b >> 10));
}

static const char *or_unknown(const char *s) { return s && *s ? s : "unknown"; }

int tb_cmd_info(int argc, char **argv)
{
    int json = 0;
    tb_optparse op;
    tb_opt_init(&op, &info_spec, argc, argv);
    for (int id; (id = tb_opt_next(&op)) != TB_OPT_END;) {
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR)
            return tb_opt_exit(id);
        if (id == TB_OPT_ARG)
            return tb_die(TB_EXIT_USAGE, "info: unexpected argument '%s' (try: tritbench info --help)", tb_clip(op.arg));
        if (id == O_JSON)
            json = 1;
    }
    const char *env_isa;
    uint32_t cap;
    if (tb_env_isa(&cap, &env_isa) < 0)
        return TB_EXIT_USAGE;
    tb_isa_set_cap(cap);
    tb_machine m;
    tb_machine_probe(&m);
    src_row rows[32];
    int nrows = collect(rows, 32);
    uint32_t isa = tb_isa_allowed();
    tb_freq_policy fp;
    tb_plat_freq_policy(&m, &fp);
    char isabuf[256];
    tb_isa_names(isa, isabuf, sizeof isabuf);
    if (json) {
        static char buf[1 << 16], mj[1 << 14];
        if (tb_machine_json(&m, mj, sizeof mj) < 0)
            return tb_die(TB_EXIT_FAIL, "info --json: machine fingerprint longer than %zu bytes", sizeof mj);
        tb_json j;
        tb_json_init(&j, buf, sizeof buf);
        tb_json_obj_begin(&j);
        tb_json_kv_raw(&j, "machine", mj);
        tb_json_kv_str(&j, "dispatch_isa", isabuf);
        tb_json_kv_str(&j, "frequency_policy", tb_freq_state_name(fp.state));
        tb_json_kv_str(&j, "frequency_policy_reason", fp.reason);
        tb_json_kv_bool(&j, "cuda_live", tb_gpu_status_get()->state == TB_GPU_LIVE);
        tb_json_kv_str(&j, "cuda", tb_gpu_status_get()->line);
        tb_json_arr_begin(&j, "sources");
        for (int i = 0; i < nrows; i++) {
            tb_json_obj_begin(&j);
            tb_json_kv_str(&j, "name", rows[i].name);
            tb_json_kv_str(&j, "state", tb_avail_names[rows[i].p.state]);
            tb_json_kv_bool(&j, "live", rows[i].p.state == TB_AVAIL_LIVE);
            tb_json_kv_str(&j, "reason", rows[i].p.reason[0] ? rows[i].p.reason : NULL);
            tb_json_kv_str(&j, "fix", rows[i].p.fix[0] ? rows[i].p.fix : NULL);
            tb_json_kv_str(&j, "version", rows[i].p.version[0] ? rows[i].p.version : NULL);
            tb_json_obj_end(&j);
        }
        tb_json_arr_end(&j);
        tb_json_obj_end(&j);
        if (!tb_json_ok(&j))
            return tb_die(TB_EXIT_FAIL, "info --json: output longer than %zu bytes", sizeof buf);
        puts(buf);
        return tb_stdout_done("info", TB_EXIT_OK);
    }
    char l1[32], l2[32], l3[32], mem[32];
    size_str(m.l1d, l1, sizeof l1);
    size_str(m.l2, l2, sizeof l2);
    size_str(m.l3, l3, sizeof l3);
    size_str(m.mem_bytes, mem, sizeof mem);
    printf("machine %s (%s)\n", m.fingerprint, m.hostname);
    printf("  cpu          %s %s\n", or_unknown(m.vendor), or_unknown(m.brand));
    printf("  family/model/stepping  %d/%d (0x%x)/%d   microcode %s\n", m.family, m.model, m.model > 0 ? m.model : 0,
           m.stepping, or_unknown(m.microcode));
    printf("  topology     %d socket(s), %d core(s), %d thread(s), SMT %s, %d NUMA node(s)\n", m.sockets, m.cores,
           m.threads, m.smt_on < 0 ? "unknown" : m.smt_on ? "on" : "off", m.numa_nodes);
    printf("  caches       L1d %s, L2 %s, L3 %s (per instance)\n", l1, l2, l3);
    printf("  memory       %s\n", mem);
    printf("  isa flags    %s\n", or_unknown(m.isa_flags));
    printf("  dispatch     %s%s\n", isabuf, tb_isa_cap() != 0xffffffffu ? " (capped by TRITBENCH_ISA)" : "");
    printf("  cuda         %s\n", tb_gpu_status_get()->line);
    printf("  kernel       %s   os %s\n", or_unknown(m.kernel), or_unknown(m.os));
    printf("  hypervisor   %s\n", or_unknown(m.hypervisor));
    char freq[64] = "unknown";
    if (m.freq_min_khz > 0 && m.freq_max_khz > 0)
        snprintf(freq, sizeof freq, "%lld-%lld MHz", (long long)m.freq_min_khz / 1000,
                 (long long)m.freq_max_khz / 1000);
    printf("  governor     %s   boost %s   frequency %s\n", m.governor[0] ? m.governor : "unknown (no cpufreq)",
           or_unknown(m.boost), freq);
    printf("  frequency    %s: %s\n", tb_freq_state_name(fp.state), fp.reason);
    printf("  THP          %s   ASLR %d   perf_event_paranoid %d\n", or_unknown(m.thp), m.aslr,
           m.perf_event_paranoid);
    printf("\nmeasurement sources\n");
    for (int i = 0; i < nrows; i++) {
        const tb_probe *p = &rows[i].p;
        printf("  %-13s %-12s %s%s%s\n", rows[i].name, tb_avail_names[p->state],
               p->state == TB_AVAIL_LIVE ? p->version : p->reason,
               p->state == TB_AVAIL_LIVE && p->reason[0] && p->version[0] ? "; " : "",
               p->state == TB_AVAIL_LIVE ? p->reason : "");
        if (p->state != TB_AVAIL_LIVE && p->fix[0])
            printf("  %-13s %-12s fix: %s\n", "", "", p->fix);
    }
    if (fp.state == TB_FREQ_UNPINNED)
        printf("\nfor lower variance: set the governor to performance and turn boost off, e.g.\n"
               "  cpupower frequency-set -g performance; echo 0 > /sys/devices/system/cpu/cpufreq/boost\n");
    return tb_stdout_done("info", TB_EXIT_OK);
}
