/* likwid.c - owns the likwid counter sampler (perfmon groups FLOPS_*,
 * MEM, ENERGY).  The probe runs the library in a forked child, because
 * likwid may print and exit() on CPUs it does not know; the child reports
 * topology_init, perfmon_init and power_init results through a pipe.
 * perfmon_init < 0 and power_init <= 0 (including the undocumented -1)
 * are failures, mapped to absent/denied/unsupported with a fix.  open()
 * runs in process only after a successful probe, on every hardware thread
 * of the topology; one group per open ("likwid:MEM", default FLOPS_SP,
 * then MEM, then ENERGY).  Results are summed over threads (energy events:
 * thread 0 only, they are per package) and kept cumulative since start. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#if TB_HAVE_LIKWID
#include <likwid.h>

#define LK_FIX_MSR "modprobe msr and run as root (direct access), or a setuid-root likwid-accessD (daemon mode)"
#define LK_FIX_NEWER "a likwid release that supports this CPU (Zen4 needs 5.3+, GNR/SRF 5.4+)"
#define LK_TIMEOUT_MS 5000

typedef struct lk_facts {
    int stage;          /* 1 topology done, 2 perfmon done, 3 power done */
    int topo_rc, perf_rc, power_rc;
    unsigned family, model;
    char short_name[32];
    int has_groups;     /* perfgroups directory for this CPU exists */
    char groups[160];   /* FLOPS_SP,MEM,ENERGY available */
} lk_facts;

static const char *const lk_pref[] = { "FLOPS_SP", "FLOPS_DP", "FLOPS_HP", "MEM", "ENERGY" };

static void lk_collect(lk_facts *f, int fd)
{
    f->topo_rc = topology_init();
    if (f->topo_rc == 0) {
        CpuInfo_t ci = get_cpuInfo();
        if (ci) {
            f->family = ci->family;
            f->model = ci->model;
            /* name and short_name can be NULL (seen for Zen4 in 5.2.2) */
            if (ci->short_name)
                tb_fmt(f->short_name, sizeof f->short_name, "%s", ci->short_name);
        }
    }
    f->stage = 1;
    if (write(fd, f, sizeof *f) < 0)
        return;
    if (f->topo_rc != 0)
        return;
    if (geteuid() == 0)
        HPMmode(ACCESSMODE_DIRECT);
    int cpu0 = 0;
    f->perf_rc = perfmon_init(1, &cpu0);
    if (f->perf_rc >= 0) {
        char **g = NULL, **si = NULL, **li = NULL;
        int ng = perfmon_getGroups(&g, &si, &li);
        size_t used = 0;
        for (int i = 0; i < ng; i++) {
            for (size_t k = 0; k < sizeof lk_pref / sizeof lk_pref[0]; k++) {
                if (g && g[i] && !strcmp(g[i], lk_pref[k])) {
                    int r = snprintf(f->groups + used, sizeof f->groups - used, "%s%s", used ? "," : "", g[i]);
                    if (r > 0 && (size_t)r < sizeof f->groups - used)
                        used += (size_t)r;
                }
            }
        }
        if (ng > 0)
            perfmon_returnGroups(ng, g, si, li);
        f->has_groups = ng > 0;
    }
    f->stage = 2;
    if (write(fd, f, sizeof *f) < 0)
        return;
    f->power_rc = power_init(0);
    f->stage = 3;
    if (write(fd, f, sizeof *f) < 0)
        return;
}

/* Run lk_collect in a child; returns 0 and fills *f (stage tells how far
 * the library got), or -errno when the child could not run. */
static int lk_probe_child(lk_facts *f, int *child_status)
{
    memset(f, 0, sizeof *f);
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return -e;
    }
    if (pid == 0) {
        close(pfd[0]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) { /* likwid prints its errors itself */
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        lk_facts mine;
        memset(&mine, 0, sizeof mine);
        lk_collect(&mine, pfd[1]);
        _exit(0);
    }
    close(pfd[1]);
    lk_facts tmp;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd pl = { .fd = pfd[0], .events = POLLIN };
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long left = LK_TIMEOUT_MS - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(&pl, 1, (int)left) <= 0)
            continue;
        ssize_t n = read(pfd[0], &tmp, sizeof tmp);
        if (n != (ssize_t)sizeof tmp)
            break;
        *f = tmp;
    }
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *child_status = st;
    return 0;
}

static int lk_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    /* the header's LIKWID_VERSION is an unexpanded template in some builds */
    tb_fmt(p->version, sizeof p->version, "likwid %s", strchr(LIKWID_VERSION, '.') && LIKWID_VERSION[0] != 'V' ?
           LIKWID_VERSION : "5.x (liblikwid.so)");
    lk_facts f;
    int st = 0;
    int rc = lk_probe_child(&f, &st);
    if (rc < 0)
        return tb_probe_set(p, TB_AVAIL_IO_ERROR, -rc, "", "cannot fork the likwid probe: %s", strerror(-rc));
    char died[80] = "";
    if (WIFSIGNALED(st))
        tb_fmt(died, sizeof died, " (library killed by signal %d)", WTERMSIG(st));
    else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        tb_fmt(died, sizeof died, " (library called exit(%d))", WEXITSTATUS(st));
    if (f.stage < 1 || f.topo_rc != 0)
        return tb_probe_set(p, TB_AVAIL_UNSUPPORTED, EOPNOTSUPP, LK_FIX_NEWER, "topology_init failed (%d)%s",
                            f.topo_rc, died);
    tb_cpu_id id;
    int guest = tb_sys_cpu_id(&id) == 0 && id.hypervisor;
    char cpu[64];
    tb_fmt(cpu, sizeof cpu, "family 0x%x model 0x%x (%s)", f.family, f.model,
           f.short_name[0] ? f.short_name : "unknown to this likwid");
    char pw[64];
    if (f.stage >= 3)
        tb_fmt(pw, sizeof pw, "power_init=%d%s", f.power_rc,
               f.power_rc == 1 ? "" : f.power_rc == 0 ? " (no RAPL)" : " (undocumented: failure)");
    else
        tb_fmt(pw, sizeof pw, "power_init not reached");
    if (f.stage < 2 || f.perf_rc < 0) {
        int cpu_known = f.short_name[0] && strcmp(f.short_name, "unknown");
        int msr = tb_sys_opendir_check("/dev/cpu/0") == 0 &&
                  (access("/dev/cpu/0/msr", F_OK) == 0);
        char facts[200];
        tb_fmt(facts, sizeof facts, "%s; perfmon_init=%d%s; %s%s", cpu, f.perf_rc,
               f.stage < 2 ? " (did not return)" : "", pw, died);
        if (!cpu_known)
            return tb_probe_set(p, TB_AVAIL_UNSUPPORTED, EOPNOTSUPP, LK_FIX_NEWER,
                                "CPU not supported by this likwid: %s", facts);
        if (!msr)
            return tb_probe_set(p, guest ? TB_AVAIL_VIRTUALIZED : TB_AVAIL_ABSENT, ENOENT, LK_FIX_MSR,
                                "no /dev/cpu/0/msr: %s", facts);
        if (geteuid() != 0)
            return tb_probe_set(p, TB_AVAIL_DENIED, EACCES, LK_FIX_MSR, "MSR access refused: %s", facts);
        return tb_probe_set(p, TB_AVAIL_UNSUPPORTED, EOPNOTSUPP, LK_FIX_NEWER, "%s", facts);
    }
    if (!f.groups[0])
        return tb_probe_set(p, TB_AVAIL_UNSUPPORTED, EOPNOTSUPP, LK_FIX_NEWER,
                            "%s: none of FLOPS_*, MEM, ENERGY groups exist; %s", cpu, pw);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "groups %s; %s", f.groups, pw);
}

typedef struct lk_ctx {
    int gid, nthreads, nch;
    int ev[TB_MAX_CHANNELS];
    int energy[TB_MAX_CHANNELS];
} lk_ctx;

static int lk_inited;

static void lk_close(void *vctx)
{
    lk_ctx *c = vctx;
    if (!c)
        return;
    perfmon_stopCounters();
    perfmon_finalize();
    free(c);
}

static int lk_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    *ctx = NULL;
    *nch = 0;
    if (!lk_inited) {
        if (topology_init() != 0) {
            tb_fmt(why, len, "topology_init failed");
            return -EOPNOTSUPP;
        }
        lk_inited = 1;
    }
    CpuTopology_t topo = get_cpuTopology();
    int ncpu = topo ? (int)topo->numHWThreads : 0;
    if (ncpu <= 0 || ncpu > 4096) {
        tb_fmt(why, len, "likwid topology has %d hardware threads", ncpu);
        return -EOPNOTSUPP;
    }
    int *cpus = calloc((size_t)ncpu, sizeof *cpus);
    lk_ctx *c = calloc(1, sizeof *c);
    int rc = 0;
    if (!cpus || !c) {
        rc = -ENOMEM;
        goto fail;
    }
    for (int i = 0; i < ncpu; i++)
        cpus[i] = (int)topo->threadPool[i].apicId;
    if (geteuid() == 0)
        HPMmode(ACCESSMODE_DIRECT);
    if ((rc = perfmon_init(ncpu, cpus)) < 0) {
        tb_fmt(why, len, "perfmon_init: %d", rc);
        rc = -EOPNOTSUPP;
        goto fail;
    }
    c->nthreads = ncpu;
    const char *grp = events && *events ? events : NULL;
    c->gid = -1;
    if (grp) {
        c->gid = perfmon_addEventSet(grp);
    } else {
        for (size_t k = 0; k < sizeof lk_pref / sizeof lk_pref[0] && c->gid < 0; k++)
            c->gid = perfmon_addEventSet(lk_pref[k]);
    }
    if (c->gid < 0 || perfmon_setupCounters(c->gid) < 0) {
        tb_fmt(why, len, "likwid group %s not usable (%d)", grp ? grp : "FLOPS_SP/MEM/ENERGY", c->gid);
        perfmon_finalize();
        rc = -EINVAL;
        goto fail;
    }
    int ne = perfmon_getNumberOfEvents(c->gid);
    for (int e = 0; e < ne && c->nch < max && c->nch < TB_MAX_CHANNELS; e++) {
        const char *nm = perfmon_getEventName(c->gid, e);
        tb_chan *q = &ch[c->nch];
        memset(q, 0, sizeof *q);
        tb_fmt(q->name, sizeof q->name, "%s", nm ? nm : "?");
        int energy = nm && (strstr(nm, "ENERGY") != NULL);
        tb_fmt(q->unit, sizeof q->unit, "%s", energy ? "J" : "count");
        q->kind = energy ? TB_CHAN_ENERGY : TB_CHAN_COUNT;
        if (energy)
            tb_fmt(q->domain, sizeof q->domain, "%s", strstr(nm, "DRAM") ? "dram" : strstr(nm, "PP0") || strstr(nm, "CORE") ? "core" : "package");
        q->scale = energy ? 1e-9 : 1;   /* energy results are J (double): kept as nJ */
        q->update_s = energy ? 1e-3 : 0;
        c->ev[c->nch] = e;
        c->energy[c->nch] = energy;
        c->nch++;
    }
    if ((rc = perfmon_startCounters()) < 0) {
        tb_fmt(why, len, "perfmon_startCounters: %d", rc);
        perfmon_finalize();
        rc = -EIO;
        goto fail;
    }
    free(cpus);
    *nch = c->nch;
    *ctx = c;
    return 0;
fail:
    free(cpus);
    free(c);
    return rc;
}

static int lk_read(void *vctx, tb_raw *vals)
{
    lk_ctx *c = vctx;
    int rc = perfmon_readCounters();
    for (int i = 0; i < c->nch; i++) {
        double s = 0;
        int nt = c->energy[i] ? 1 : c->nthreads;
        for (int t = 0; t < nt; t++)
            s += perfmon_getResult(c->gid, c->ev[i], t);
        if (c->energy[i])
            s *= 1e9;
        vals[i].value = s > 0 ? (uint64_t)(s + 0.5) : 0;
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
    }
    return rc < 0 ? -EIO : 0;
}

const tb_sampler tb_sampler_likwid = {
    .name = "likwid",
    .layer = TB_LAYER_COUNTER,
    .probe = lk_probe,
    .open = lk_open,
    .read = lk_read,
    .close = lk_close,
};

#else /* !TB_HAVE_LIKWID */

static int lk_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    return tb_probe_set(p, TB_AVAIL_ABSENT, ENOENT, "apt-get install likwid and rebuild",
                        "built without likwid (apt-get install likwid and rebuild)");
}

static int lk_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    *ctx = NULL;
    *nch = 0;
    tb_fmt(why, len, "built without likwid");
    return -ENOENT;
}

static int lk_read(void *ctx, tb_raw *vals) { return -ENOENT; }
static void lk_close(void *ctx) { }
static int lk_event_known(const char *ev) { return 0; } /* not built: knows no event */

const tb_sampler tb_sampler_likwid = {
    .name = "likwid",
    .layer = TB_LAYER_COUNTER,
    .probe = lk_probe,
    .open = lk_open,
    .read = lk_read,
    .close = lk_close,
    .event_known = lk_event_known,
};
#endif
