/* perf-power.c - owns the perf `power` PMU energy sampler (RAPL through
 * perf, arch/x86/events/rapl.c) and the per-core `power_core` PMU (AMD).
 * The PMU type, events, .scale and .unit come from sysfs at run time
 * (/sys/bus/event_source/devices/power/...); nothing is hard-coded.  One
 * fd per CPU of the PMU cpumask, opened with pid = -1, no exclude bits and
 * no sampling (the PMU rejects both with EINVAL).  The kernel accumulates
 * into 64 bits, so channels never wrap (wrap = 0); they still declare
 * poll_s = 60 s because the kernel's folding timer can lag the 32-bit
 * register at high power. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#define PP_DEV "/sys/bus/event_source/devices"
#define PP_FIX_DENIED "system-wide perf needs CAP_PERFMON or root, or sysctl kernel.perf_event_paranoid=0"
#define PP_FIX_ABSENT "bare metal with RAPL (kernel CONFIG_PERF_EVENTS_INTEL_RAPL); guests rarely expose it"

static const struct { const char *event, *domain; } pp_events[] = {
    { "energy-pkg", "package" },   /* event=0x02 */
    { "energy-cores", "core" },    /* event=0x01, PP0 */
    { "energy-gpu", "uncore" },    /* event=0x04, PP1 (client iGPU) */
    { "energy-ram", "dram" },      /* event=0x03 */
    { "energy-psys", "psys" },     /* event=0x05 */
};

int tb_perf_power_parse_event(const char *s, uint64_t *config)
{
    const char *e = strstr(s, "event=");
    if (!e)
        return -EINVAL;
    char *end;
    unsigned long long v = strtoull(e + 6, &end, 0);
    if (end == e + 6 || v > 0xff) /* format: event = config:0-7 */
        return -EINVAL;
    *config = v;
    return 0;
}

#define PP_MAX_CPU (1L << 20) /* far above any NR_CPUS; bounds the range loop */

int tb_perf_power_parse_cpumask(const char *s, int *cpus, int max, int *n)
{
    *n = 0;
    const char *p = s;
    while (*p && *p != '\n') {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10);
        if (end == p || a < 0 || errno || a > PP_MAX_CPU)
            return -EINVAL; /* "6,99999999999999999999" once overflowed the loop below */
        long b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a || errno || b > PP_MAX_CPU)
                return -EINVAL;
            p = end;
        }
        for (long c = a; c <= b; c++) {
            if (*n >= max)
                return -E2BIG;
            cpus[(*n)++] = (int)c;
        }
        if (*p == ',')
            p++;
        else if (*p && *p != '\n')
            return -EINVAL;
    }
    return *n ? 0 : -EINVAL;
}

typedef struct pp_ctx {
    int nch;
    int fd[TB_MAX_CHANNELS];
} pp_ctx;

static void pp_close(void *vctx)
{
    pp_ctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nch; i++)
        tb_sys_close(c->fd[i]);
    free(c);
}

static int cpu_package(int cpu)
{
    char p[128], buf[32];
    snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
    if (tb_sys_read_text(p, buf, sizeof buf) <= 0)
        return -1;
    return atoi(buf);
}

/* Open every event of PMU `pmu` on every CPU of its cpumask. */
static int pp_open_pmu(pp_ctx *c, const char *pmu, tb_chan *ch, int max, char *why, size_t len)
{
    char p[192], buf[256];
    int rc;
    snprintf(p, sizeof p, PP_DEV "/%s/type", pmu);
    if ((rc = (int)tb_sys_read_text(p, buf, sizeof buf)) < 0) {
        tb_fmt(why, len, "%s: %s", p, tb_plat_strerror(rc));
        return rc;
    }
    unsigned type = (unsigned)strtoul(buf, NULL, 10);
    snprintf(p, sizeof p, PP_DEV "/%s/cpumask", pmu);
    int cpus[256], ncpu = 0;
    if ((rc = (int)tb_sys_read_text(p, buf, sizeof buf)) < 0 ||
        (rc = tb_perf_power_parse_cpumask(buf, cpus, 256, &ncpu)) < 0) {
        tb_fmt(why, len, "%s: %s", p, tb_plat_strerror(rc));
        return rc;
    }
    int core_pmu = !strcmp(pmu, "power_core");
    int opened = 0;
    for (size_t e = 0; e < (core_pmu ? 1 : sizeof pp_events / sizeof pp_events[0]); e++) {
        const char *ev = core_pmu ? "energy-core" : pp_events[e].event;
        const char *dom = core_pmu ? "core" : pp_events[e].domain;
        uint64_t config;
        snprintf(p, sizeof p, PP_DEV "/%s/events/%s", pmu, ev);
        if (tb_sys_read_text(p, buf, sizeof buf) < 0)
            continue; /* this CPU lacks the domain */
        if (tb_perf_power_parse_event(buf, &config) < 0) {
            tb_fmt(why, len, "%s: cannot parse '%.40s'", p, buf);
            return -EINVAL;
        }
        snprintf(p, sizeof p, PP_DEV "/%s/events/%s.scale", pmu, ev);
        double scale = 0;
        if (tb_sys_read_text(p, buf, sizeof buf) > 0)
            scale = strtod(buf, NULL);
        if (!(scale > 0) || !isfinite(scale)) {
            tb_fmt(why, len, "%s: missing or bad scale", p);
            return -EINVAL;
        }
        snprintf(p, sizeof p, PP_DEV "/%s/events/%s.unit", pmu, ev);
        char unit[16] = "J";
        if (tb_sys_read_text(p, buf, sizeof buf) > 0) {
            buf[strcspn(buf, "\n")] = '\0';
            snprintf(unit, sizeof unit, "%s", !strcmp(buf, "Joules") ? "J" : buf);
        }
        for (int k = 0; k < ncpu; k++) {
            if (c->nch >= max || c->nch >= TB_MAX_CHANNELS)
                break;
            struct perf_event_attr a;
            memset(&a, 0, sizeof a);
            a.size = sizeof a;
            a.type = type;
            a.config = config;
            /* no exclude_* and sample_period 0: the power PMU rejects both */
            int fd = tb_sys_perf_event_open(&a, -1, cpus[k], -1, 0);
            if (fd < 0) {
                tb_fmt(why, len, "perf_event_open(%s/%s/, cpu %d): %s", pmu, ev, cpus[k], strerror(-fd));
                return fd;
            }
            tb_chan *q = &ch[c->nch];
            memset(q, 0, sizeof *q);
            int pkg = cpu_package(cpus[k]);
            if (core_pmu)
                snprintf(q->name, sizeof q->name, "core-cpu%d", cpus[k]);
            else if (!strcmp(dom, "psys"))
                snprintf(q->name, sizeof q->name, "psys");
            else
                snprintf(q->name, sizeof q->name, "%s-%d", dom, pkg >= 0 ? pkg : k);
            snprintf(q->unit, sizeof q->unit, "%s", unit);
            q->kind = TB_CHAN_ENERGY;
            snprintf(q->domain, sizeof q->domain, "%s", dom);
            q->wrap = 0;     /* kernel folds the 32-bit MSR into a u64 */
            /* ...on an hrtimer sized for <= 200 W (rapl_timer_ms, 163.84 s
             * at ESU 16); above ~400 W the register can wrap first, so read
             * at least every ~60 s (energy-study s2, s12 item 9) */
            q->poll_s = 60.0;
            q->scale = scale;
            q->update_s = 1e-3;
            c->fd[c->nch++] = fd;
            opened++;
        }
    }
    if (!opened) {
        tb_fmt(why, len, "%s PMU has no energy-* events", pmu);
        return -ENOENT;
    }
    return 0;
}

static int pp_open_all(pp_ctx **out, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    *out = NULL;
    *nch = 0;
    pp_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int rc = tb_sys_opendir_check(PP_DEV "/power");
    if (rc < 0) {
        tb_fmt(why, len, "no perf power PMU (" PP_DEV "/power: %s)", strerror(-rc));
        goto fail;
    }
    if ((rc = pp_open_pmu(c, "power", ch, max, why, len)) < 0)
        goto fail;
    if (tb_sys_opendir_check(PP_DEV "/power_core") == 0) {
        char w2[160] = "";
        pp_open_pmu(c, "power_core", ch, max, w2, sizeof w2); /* optional */
    }
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    pp_close(c);
    return rc;
}

static int pp_read(void *vctx, tb_raw *vals)
{
    pp_ctx *c = vctx;
    int err = 0;
    for (int i = 0; i < c->nch; i++) {
        uint64_t v = 0;
        ssize_t n = tb_sys_read(c->fd[i], &v, sizeof v);
        if (n != (ssize_t)sizeof v)
            err = n < 0 ? (int)n : -EIO;
        vals[i].value = v;
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
    }
    return err;
}

static int pp_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->version, sizeof p->version, "perf power PMU");
    char why[256] = "";
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    pp_ctx *c = NULL;
    int pmu_dir = tb_sys_opendir_check(PP_DEV "/power") == 0;
    int rc = pp_open_all(&c, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    tb_cpu_id id;
    int guest = tb_sys_cpu_id(&id) == 0 && id.hypervisor;
    if (rc < 0) {
        int err = -rc;
        const char *fix = "";
        int st = -1;
        if (err == EACCES || err == EPERM) {
            /* EACCES can hide a missing PMU: only "denied" when it exists */
            st = pmu_dir ? TB_AVAIL_DENIED : TB_AVAIL_ABSENT;
            fix = pmu_dir ? PP_FIX_DENIED : PP_FIX_ABSENT;
        } else if (err == ENOENT || err == ENODEV) {
            st = (guest && !pmu_dir) ? TB_AVAIL_VIRTUALIZED : TB_AVAIL_ABSENT;
            fix = PP_FIX_ABSENT;
        }
        return tb_probe_set(p, st, err, fix, "%s%s", why,
                            st == TB_AVAIL_VIRTUALIZED ? " (guest: hypervisor flag)" : "");
    }
    /* A guest may expose the PMU with a counter that never moves. */
    tb_raw v[TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    rc = pp_read(c, v);
    int all_zero = 1;
    for (int i = 0; i < nch; i++)
        if (v[i].value)
            all_zero = 0;
    pp_close(c);
    if (rc < 0)
        return tb_probe_set(p, -1, -rc, "", "read of power PMU counter failed: %s", strerror(-rc));
    if (all_zero && guest)
        return tb_probe_set(p, TB_AVAIL_VIRTUALIZED, ENODEV, PP_FIX_ABSENT,
                            "power PMU opens (%d event%s, first %s) but every counter reads 0: "
                            "guest (hypervisor flag), RAPL not virtualised", nch, nch == 1 ? "" : "s", ch[0].name);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", "");
}

static int pp_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    pp_ctx *c = NULL;
    int rc = pp_open_all(&c, ch, max, nch, why, len);
    *ctx = c;
    return rc;
}

const tb_sampler tb_sampler_perf_power = {
    .name = "perf-power",
    .layer = TB_LAYER_ENERGY,
    .probe = pp_probe,
    .open = pp_open,
    .read = pp_read,
    .close = pp_close,
};
