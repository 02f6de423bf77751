/* perf.c - owns the perf_event_open counter sampler (raw syscall, no
 * library).  Default: one group led by cycles with instructions,
 * cache-references, cache-misses, LLC loads and load misses, branches and
 * branch-misses; split into two groups of four when the big group can
 * never be scheduled (fewer general counters, e.g. with SMT).  Counting is
 * per thread (pid 0, cpu -1) with inherit, so worker threads created after
 * open are counted.  exclude_kernel is tried off first and set on EACCES
 * (perf_event_paranoid >= 2).  Without a hardware PMU (guests: ENOENT) the
 * software group task-clock, page-faults, context-switches, cpu-migrations
 * is used instead, and the hardware group's failure is kept as the reason.
 * read_format = GROUP|ID|TOTAL_TIME_ENABLED|TOTAL_TIME_RUNNING; the raw
 * values and times go to the set, which scales by enabled/running. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#define PF_FIX_DENIED "sysctl kernel.perf_event_paranoid=2 (or lower), or CAP_PERFMON / root"
#define PF_FIX_NOPMU "bare metal, or a KVM guest with the vPMU enabled (-cpu host,pmu=on)"
#define PF_MAX_GROUPS 4
#define PF_READ_FMT (PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED | \
                     PERF_FORMAT_TOTAL_TIME_RUNNING)

#define HWC(id, op, res) ((uint64_t)(id) | ((uint64_t)(op) << 8) | ((uint64_t)(res) << 16))

static const struct pf_event {
    const char *name;
    uint32_t type;
    uint64_t config;
} pf_events[] = {
    { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
    { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
    { "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
    { "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
    { "llc-loads", PERF_TYPE_HW_CACHE,
      HWC(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_ACCESS) },
    { "llc-load-misses", PERF_TYPE_HW_CACHE,
      HWC(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS) },
    { "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
    { "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
    { "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
    { "stalled-cycles-frontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND },
    { "stalled-cycles-backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND },
    { "l1d-loads", PERF_TYPE_HW_CACHE,
      HWC(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_ACCESS) },
    { "l1d-load-misses", PERF_TYPE_HW_CACHE,
      HWC(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS) },
    { "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
    { "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
    { "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
    { "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
    { "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
    { "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
    { "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
};
#define PF_NEVENTS ((int)(sizeof pf_events / sizeof pf_events[0]))

static const char pf_default_hw[] =
    "cycles,instructions,cache-references,cache-misses,llc-loads,llc-load-misses,branches,branch-misses";
/* ratio metrics stay inside a group: IPC and branch rate | miss rates */
static const char pf_split_a[] = "cycles,instructions,branches,branch-misses";
static const char pf_split_b[] = "cache-references,cache-misses,llc-loads,llc-load-misses";
static const char pf_default_sw[] = "task-clock,page-faults,context-switches,cpu-migrations";

static tb_perf_open_info last_info;

void tb_perf_last_open(tb_perf_open_info *out)
{
    *out = last_info;
}

int tb_perf_decode_group(const void *buf, size_t len, tb_perf_group_read *g)
{
    const unsigned char *b = buf;
    uint64_t hdr[3];
    if (len < sizeof hdr)
        return -EBADMSG;
    memcpy(hdr, b, sizeof hdr);
    /* struct read_format { u64 nr; u64 time_enabled; u64 time_running;
     *                      { u64 value; u64 id; } values[nr]; } */
    g->nr = hdr[0];
    g->enabled_ns = hdr[1];
    g->running_ns = hdr[2];
    if (g->nr > TB_MAX_CHANNELS || len < sizeof hdr + g->nr * 16)
        return -EBADMSG;
    for (uint64_t i = 0; i < g->nr; i++) {
        memcpy(&g->value[i], b + sizeof hdr + i * 16, 8);
        memcpy(&g->id[i], b + sizeof hdr + i * 16 + 8, 8);
    }
    return 0;
}

double tb_perf_scale(uint64_t value, uint64_t enabled_ns, uint64_t running_ns)
{
    if (running_ns == 0)
        return NAN;
    if (running_ns >= enabled_ns)
        return (double)value;
    return (double)value * (double)enabled_ns / (double)running_ns;
}

typedef struct pf_group {
    int leader;
    int n;
    int fd[TB_MAX_CHANNELS];
    uint64_t id[TB_MAX_CHANNELS];
    int chan[TB_MAX_CHANNELS];   /* channel index of member i */
} pf_group;

typedef struct pf_ctx {
    int ngroups;
    pf_group g[PF_MAX_GROUPS];
    int nch;
} pf_ctx;

static void pf_close(void *vctx)
{
    pf_ctx *c = vctx;
    if (!c)
        return;
    for (int k = 0; k < c->ngroups; k++)
        for (int i = c->g[k].n - 1; i >= 0; i--)
            tb_sys_close(c->g[k].fd[i]);
    free(c);
}

static const struct pf_event *pf_lookup(const char *name, struct pf_event *tmp)
{
    for (int i = 0; i < PF_NEVENTS; i++)
        if (!strcasecmp(pf_events[i].name, name))
            return &pf_events[i];
    if (name[0] == 'r' && name[1]) { /* raw encoding "r01c4" */
        char *end;
        unsigned long long v = strtoull(name + 1, &end, 16);
        if (*end == '\0') {
            tmp->name = name;
            tmp->type = PERF_TYPE_RAW;
            tmp->config = v;
            return tmp;
        }
    }
    return NULL;
}

static int pf_event_known(const char *ev)
{
    struct pf_event tmp;
    return strlen(ev) < 64 && pf_lookup(ev, &tmp) != NULL;
}

static int pf_open_one(const struct pf_event *e, int group_fd, int *excl_kernel, int *retries)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = e->type;
    a.config = e->config;
    a.read_format = PF_READ_FMT;
    a.disabled = group_fd < 0;   /* the leader gates the group */
    a.inherit = 1;               /* count threads created after open */
    a.exclude_hv = 1;            /* not permission-checked */
    a.exclude_kernel = (unsigned)*excl_kernel;
    int fd = tb_sys_perf_event_open(&a, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
    if ((fd == -EACCES || fd == -EPERM) && !*excl_kernel) {
        /* perf_event_paranoid >= 2 forbids kernel counting: retry user only */
        *excl_kernel = 1;
        (*retries)++;
        a.exclude_kernel = 1;
        fd = tb_sys_perf_event_open(&a, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
    }
    return fd;
}

/* Open the comma list `list` as one group appended to c. */
static int pf_open_group(pf_ctx *c, const char *list, tb_chan *ch, int max, int *excl, int *retries,
                         char *why, size_t len)
{
    if (c->ngroups >= PF_MAX_GROUPS) {
        tb_fmt(why, len, "too many perf groups");
        return -E2BIG;
    }
    pf_group *g = &c->g[c->ngroups];
    memset(g, 0, sizeof *g);
    g->leader = -1;
    int rc = 0;
    char name[64];
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == 0 || l >= sizeof name) {
            rc = -EINVAL;
            tb_fmt(why, len, "bad perf event list '%s'", list);
            goto fail;
        }
        memcpy(name, p, l);
        name[l] = '\0';
        p += l + (p[l] == ',');
        struct pf_event tmp;
        const struct pf_event *e = pf_lookup(name, &tmp);
        if (!e) {
            rc = -EINVAL;
            tb_fmt(why, len, "unknown perf event '%s' (known: cycles, instructions, cache-misses, "
                   "llc-loads, branches, task-clock, page-faults, ..., rHEX)", name);
            goto fail;
        }
        if (c->nch >= max || g->n >= TB_MAX_CHANNELS) {
            rc = -E2BIG;
            tb_fmt(why, len, "too many perf events");
            goto fail;
        }
        int fd = pf_open_one(e, g->leader, excl, retries);
        if (fd < 0) {
            rc = fd;
            tb_fmt(why, len, "perf_event_open(%s): %s", name, strerror(-fd));
            goto fail;
        }
        uint64_t id = 0;
        if ((rc = tb_sys_ioctl(fd, PERF_EVENT_IOC_ID, (unsigned long)&id)) < 0) {
            tb_sys_close(fd);
            tb_fmt(why, len, "PERF_EVENT_IOC_ID(%s): %s", name, strerror(-rc));
            goto fail;
        }
        if (g->leader < 0)
            g->leader = fd;
        g->fd[g->n] = fd;
        g->id[g->n] = id;
        g->chan[g->n] = c->nch;
        g->n++;
        tb_chan *q = &ch[c->nch++];
        memset(q, 0, sizeof *q);
        snprintf(q->name, sizeof q->name, "%s", name);
        int is_time = e->type == PERF_TYPE_SOFTWARE &&
                      (e->config == PERF_COUNT_SW_TASK_CLOCK || e->config == PERF_COUNT_SW_CPU_CLOCK);
        snprintf(q->unit, sizeof q->unit, "%s", is_time ? "ns" : "count");
        q->kind = is_time ? TB_CHAN_TIME : TB_CHAN_COUNT;
        q->wrap = 0;  /* 64-bit, kernel-extended */
        q->scale = 1;
    }
    c->ngroups++;
    return 0;
fail:
    for (int i = g->n - 1; i >= 0; i--)
        tb_sys_close(g->fd[i]);
    c->nch -= g->n;
    memset(g, 0, sizeof *g);
    return rc;
}

static int pf_group_read(const pf_group *g, tb_raw *vals)
{
    uint64_t buf[3 + 2 * TB_MAX_CHANNELS];
    ssize_t n = tb_sys_read(g->leader, buf, sizeof buf);
    if (n < 0)
        return (int)n;
    tb_perf_group_read r;
    int rc = tb_perf_decode_group(buf, (size_t)n, &r);
    if (rc < 0)
        return rc;
    for (int i = 0; i < g->n; i++) {
        tb_raw *v = &vals[g->chan[i]];
        v->value = 0;
        for (uint64_t j = 0; j < r.nr; j++)
            if (r.id[j] == g->id[i])
                v->value = r.value[j];
        v->has_times = 1; /* read_format has TOTAL_TIME_ENABLED|RUNNING */
        v->enabled_ns = r.enabled_ns;
        v->running_ns = r.running_ns;
    }
    return 0;
}

static int pf_read(void *vctx, tb_raw *vals)
{
    pf_ctx *c = vctx;
    int err = 0;
    for (int k = 0; k < c->ngroups; k++) {
        int rc = pf_group_read(&c->g[k], vals);
        if (rc < 0)
            err = rc;
    }
    return err;
}

static int pf_ioctl_all(pf_ctx *c, unsigned long req)
{
    int err = 0;
    for (int k = 0; k < c->ngroups; k++) {
        int rc = tb_sys_ioctl(c->g[k].leader, req, PERF_IOC_FLAG_GROUP);
        if (rc < 0)
            err = rc;
    }
    return err;
}

static int pf_start(void *vctx)
{
    pf_ctx *c = vctx;
    int rc = pf_ioctl_all(c, PERF_EVENT_IOC_RESET);
    int rc2 = pf_ioctl_all(c, PERF_EVENT_IOC_ENABLE);
    return rc ? rc : rc2;
}

static int pf_stop(void *vctx)
{
    return pf_ioctl_all(vctx, PERF_EVENT_IOC_DISABLE);
}

/* Does group 0 ever get scheduled?  Spin ~2 ms and look at time_running. */
static int pf_group_schedules(pf_ctx *c)
{
    tb_raw v[TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    if (pf_start(c) < 0)
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile uint64_t x = 0;
    do {
        for (int i = 0; i < 10000; i++)
            x += (uint64_t)i;
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 2000000L);
    (void)x;
    pf_stop(c);
    if (pf_group_read(&c->g[0], v) < 0)
        return 1;
    return v[0].running_ns > 0;
}

static void pf_reset_ctx(pf_ctx *c)
{
    for (int k = 0; k < c->ngroups; k++)
        for (int i = c->g[k].n - 1; i >= 0; i--)
            tb_sys_close(c->g[k].fd[i]);
    memset(c, 0, sizeof *c);
}

static int pf_open_impl(pf_ctx **out, const char *events, tb_chan *ch, int max, int *nch, char *why,
                        size_t len)
{
    *out = NULL;
    *nch = 0;
    memset(&last_info, 0, sizeof last_info);
    pf_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int excl = 0, retries = 0, rc;
    if (events && *events) {
        rc = pf_open_group(c, events, ch, max, &excl, &retries, why, len);
        if (rc < 0)
            goto fail;
    } else {
        char hw_why[160] = "", b_why[160] = "";
        rc = pf_open_group(c, pf_default_hw, ch, max, &excl, &retries, hw_why, sizeof hw_why);
        if (rc == 0 && !pf_group_schedules(c)) {
            pf_reset_ctx(c);
            rc = -EBUSY;
            tb_fmt(hw_why, sizeof hw_why, "8-event group never scheduled");
        }
        /* The big group does not fit (x86 validate_group: EINVAL), never
         * runs, or an LLC event is missing (some AMD parts): two groups of
         * four keep IPC and miss ratios consistent.  Only a missing PMU
         * (ENOENT on cycles) or a refusal goes straight to software. */
        if (rc < 0 && !(rc == -ENOENT && strstr(hw_why, "(cycles)")) && rc != -EACCES && rc != -EPERM) {
            pf_reset_ctx(c);
            char a_why[160] = "";
            int rca = pf_open_group(c, pf_split_a, ch, max, &excl, &retries, a_why, sizeof a_why);
            if (rca == 0) {
                if (pf_open_group(c, pf_split_b, ch, max, &excl, &retries, b_why, sizeof b_why) < 0)
                    tb_fmt(why, len, "cache group unavailable: %s", b_why);
                rc = 0;
            }
        }
        if (rc < 0) {
            int hw_rc = rc;
            tb_fmt(last_info.hw_reason, sizeof last_info.hw_reason, "hardware group: %s", hw_why);
            last_info.software = 1;
            excl = 0;
            rc = pf_open_group(c, pf_default_sw, ch, max, &excl, &retries, why, len);
            if (rc < 0)
                goto fail;
            tb_fmt(why, len, "%s%s; software events only", last_info.hw_reason,
                   tb_avail_from_errno(hw_rc) == TB_AVAIL_ABSENT ? " (no hardware PMU)" : "");
        }
    }
    last_info.exclude_kernel = excl;
    last_info.retries = retries;
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    last_info.exclude_kernel = excl;
    last_info.retries = retries;
    pf_close(c);
    return rc;
}

static int pf_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->version, sizeof p->version, "perf_event_open");
    char why[256] = "";
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    pf_ctx *c = NULL;
    int rc = pf_open_impl(&c, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    if (rc < 0) {
        int err = -rc;
        const char *fix = (err == EACCES || err == EPERM) ? PF_FIX_DENIED : "";
        return tb_probe_set(p, -1, err, fix, "%s", why);
    }
    pf_close(c);
    if (last_info.software) {
        tb_cpu_id id;
        int guest = tb_sys_cpu_id(&id) == 0 && id.hypervisor;
        tb_probe_set(p, TB_AVAIL_LIVE, 0, PF_FIX_NOPMU, "%s%s", why,
                     guest ? " (guest without vPMU)" : "");
        return 0;
    }
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", last_info.exclude_kernel ?
                        "user-space only (exclude_kernel=1: perf_event_paranoid >= 2)" : "");
}

static int pf_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    pf_ctx *c = NULL;
    int rc = pf_open_impl(&c, events, ch, max, nch, why, len);
    *ctx = c;
    return rc;
}

const tb_sampler tb_sampler_perf = {
    .name = "perf",
    .layer = TB_LAYER_COUNTER,
    .probe = pf_probe,
    .open = pf_open,
    .start = pf_start,
    .read = pf_read,
    .stop = pf_stop,
    .close = pf_close,
    .event_known = pf_event_known,
};
