/* powercap.c - owns the powercap sysfs energy sampler (intel_rapl_msr,
 * intel_rapl_tpmi and the AMD zones, which the kernel also registers as
 * "intel-rapl").  Zones are identified by their `name` file, never by the
 * index in intel-rapl:N (psys may sit at intel-rapl:1, energy-study s1).
 * intel-rapl-mmio zones duplicating an intel-rapl zone are dropped.
 * Channels are raw energy_uj in uJ, wrapping at max_energy_range_uj as
 * read (never recomputed: it differs between kernel versions).  Files are
 * read with pread on fds kept open.  No summing happens here: core is a
 * part of package and is never added to it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#define PC_ROOT "/sys/class/powercap"
#define PC_FIX_DENIED "run as root, or a udev rule making energy_uj readable (root-only since Linux 5.10, CVE-2020-8694)"
#define PC_FIX_ABSENT "bare metal with intel_rapl_msr/intel_rapl_tpmi loaded (modprobe intel_rapl_msr); containers mask /sys/devices/virtual/powercap"

int tb_powercap_parse_uj(const char *s, size_t n, uint64_t max_range, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    if (n == 0)
        return -EBADMSG;
    for (; i < n && isdigit((unsigned char)s[i]); i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return -ERANGE;
        v = v * 10 + dgt;
    }
    if (i == 0)
        return -EBADMSG;
    /* one trailing newline is the sysfs convention; nothing else */
    if (i < n && !(s[i] == '\n' && i + 1 == n))
        return -EBADMSG;
    if (max_range && v > max_range)
        return -ERANGE;
    *out = v;
    return 0;
}

static int read_u64_file(const char *path, uint64_t *v)
{
    char buf[64];
    ssize_t n = tb_sys_read_text(path, buf, sizeof buf);
    if (n < 0)
        return (int)n;
    return tb_powercap_parse_uj(buf, (size_t)n, 0, v);
}

static int read_word(const char *path, char *out, size_t len)
{
    ssize_t n = tb_sys_read_text(path, out, len);
    if (n < 0)
        return (int)n;
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

static int zone_cmp(const void *a, const void *b)
{
    const tb_powercap_zone *x = a, *y = b;
    if (x->mmio != y->mmio)
        return x->mmio - y->mmio;
    return strcmp(x->dir, y->dir);
}

int tb_powercap_scan(tb_powercap_zone *z, int max, int *n, char *why, size_t len)
{
    *n = 0;
    char real[512];
    int rc = tb_sys_opendir_check(PC_ROOT);
    if (rc < 0) {
        tb_fmt(why, len, "%s: %s", PC_ROOT, strerror(-rc));
        return rc;
    }
    if ((rc = tb_sys_path(real, sizeof real, PC_ROOT)) < 0)
        return rc;
    DIR *d = opendir(real);
    if (!d) {
        rc = -errno;
        tb_fmt(why, len, "%s: %s", PC_ROOT, strerror(errno));
        return rc;
    }
    struct dirent *e;
    int cnt = 0;
    while ((e = readdir(d)) && cnt < max) {
        /* intel-rapl:* (MSR and TPMI drivers, also on AMD/Hygon), any other
         * *-rapl:* control type, and intel-rapl-mmio:* (deduplicated below) */
        int mmio = !strncmp(e->d_name, "intel-rapl-mmio:", 16);
        const char *r = strstr(e->d_name, "rapl:");
        if (!mmio && (!r || r == e->d_name || r[-1] != '-'))
            continue;
        tb_powercap_zone *q = &z[cnt];
        memset(q, 0, sizeof *q);
        tb_fmt(q->dir, sizeof q->dir, "%s", e->d_name);
        q->mmio = mmio;
        q->parent = -1;
        q->socket = -1;
        cnt++;
    }
    closedir(d);
    qsort(z, (size_t)cnt, sizeof *z, zone_cmp);

    for (int i = 0; i < cnt; i++) {
        tb_powercap_zone *q = &z[i];
        char p[160];
        tb_fmt(p, sizeof p, PC_ROOT "/%s/name", q->dir);
        if ((rc = read_word(p, q->name, sizeof q->name)) < 0) {
            tb_fmt(why, len, "%s: %s", p, tb_plat_strerror(rc));
            return rc;
        }
        tb_fmt(p, sizeof p, PC_ROOT "/%s/max_energy_range_uj", q->dir);
        if ((rc = read_u64_file(p, &q->max_range_uj)) < 0) {
            tb_fmt(why, len, "%s: %s", p, rc == -EBADMSG ? "not a number" : tb_plat_strerror(rc));
            return rc;
        }
        for (int c = 0; c < 3; c++) {
            char cn[16] = "";
            tb_fmt(p, sizeof p, PC_ROOT "/%s/constraint_%d_name", q->dir, c);
            if (read_word(p, cn, sizeof cn) < 0)
                break;
            tb_fmt(q->constraint[c].name, sizeof q->constraint[c].name, "%s", cn);
            tb_fmt(p, sizeof p, PC_ROOT "/%s/constraint_%d_power_limit_uw", q->dir, c);
            read_u64_file(p, &q->constraint[c].limit_uw);
            tb_fmt(p, sizeof p, PC_ROOT "/%s/constraint_%d_time_window_us", q->dir, c);
            read_u64_file(p, &q->constraint[c].window_us);
            tb_fmt(p, sizeof p, PC_ROOT "/%s/constraint_%d_max_power_uw", q->dir, c);
            read_u64_file(p, &q->constraint[c].max_uw);
            q->nconstraints = c + 1;
        }
    }
    /* Classify by name; children ("intel-rapl:0:1") by their parent dir. */
    for (int i = 0; i < cnt; i++) {
        tb_powercap_zone *q = &z[i];
        const char *colon = strchr(q->dir, ':');
        const char *second = colon ? strchr(colon + 1, ':') : NULL;
        if (second) {
            size_t pl = (size_t)(second - q->dir);
            for (int j = 0; j < cnt; j++)
                if (strlen(z[j].dir) == pl && !strncmp(z[j].dir, q->dir, pl))
                    q->parent = j;
        }
        int num = -1;
        if (!strncmp(q->name, "package-", 8)) {
            num = atoi(q->name + 8);
            tb_fmt(q->domain, sizeof q->domain, "package");
            q->socket = num;
            tb_fmt(q->chan, sizeof q->chan, "%s", q->name);
        } else if (!strncmp(q->name, "psys", 4)) {
            /* platform domain: not a socket, whatever its index */
            tb_fmt(q->domain, sizeof q->domain, "psys");
            tb_fmt(q->chan, sizeof q->chan, "%s", q->name);
        } else if (!strcmp(q->name, "core") || !strcmp(q->name, "uncore") || !strcmp(q->name, "dram")) {
            tb_fmt(q->domain, sizeof q->domain, "%s", q->name);
        } else {
            tb_fmt(q->domain, sizeof q->domain, "other");
            tb_fmt(q->chan, sizeof q->chan, "%s", q->name);
        }
    }
    for (int i = 0; i < cnt; i++) {
        tb_powercap_zone *q = &z[i];
        if (!q->chan[0]) {
            int sock = q->parent >= 0 ? z[q->parent].socket : -1;
            if (sock >= 0)
                tb_fmt(q->chan, sizeof q->chan, "%s-%d", q->name, sock);
            else
                tb_fmt(q->chan, sizeof q->chan, "%s", q->name);
            q->socket = sock;
        }
    }
    /* mmio duplicates: same channel already provided by intel-rapl */
    for (int i = 0; i < cnt; i++) {
        if (!z[i].mmio)
            continue;
        for (int j = 0; j < cnt; j++)
            if (!z[j].mmio && !strcmp(z[j].chan, z[i].chan))
                z[i].duplicate = 1;
    }
    *n = cnt;
    return 0;
}

typedef struct pc_ctx {
    int nch;
    int fd[TB_MAX_CHANNELS];
    uint64_t max[TB_MAX_CHANNELS];
} pc_ctx;

static int pc_read_fd(int fd, uint64_t max, uint64_t *v)
{
    char buf[32];
    ssize_t n = tb_sys_pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0)
        return (int)n;
    return tb_powercap_parse_uj(buf, (size_t)n, max, v);
}

static void pc_close(void *vctx)
{
    pc_ctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nch; i++)
        tb_sys_close(c->fd[i]);
    free(c);
}

static int pc_open_common(pc_ctx **out, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    tb_powercap_zone z[TB_POWERCAP_MAX_ZONES];
    int n = 0, rc;
    *out = NULL;
    *nch = 0;
    pc_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    if ((rc = tb_powercap_scan(z, TB_POWERCAP_MAX_ZONES, &n, why, len)) < 0)
        goto fail;
    tb_cpu_id id;
    int amd = tb_sys_cpu_id(&id) == 0 &&
              (!strcmp(id.vendor, "AuthenticAMD") || !strcmp(id.vendor, "HygonGenuine"));
    for (int i = 0; i < n && c->nch < max && c->nch < TB_MAX_CHANNELS; i++) {
        if (z[i].duplicate)
            continue;
        char p[160];
        tb_fmt(p, sizeof p, PC_ROOT "/%s/energy_uj", z[i].dir);
        int fd = tb_sys_open(p, O_RDONLY);
        if (fd == -ENOENT)
            continue; /* a zone without an energy counter (limits only) */
        if (fd < 0) {
            rc = fd;
            tb_fmt(why, len, "%s: %s", p, tb_plat_strerror(fd));
            goto fail;
        }
        c->fd[c->nch] = fd;
        c->max[c->nch] = z[i].max_range_uj;
        uint64_t v;
        if ((rc = pc_read_fd(fd, z[i].max_range_uj, &v)) < 0) {
            c->nch++;
            tb_fmt(why, len, "%s: %s", p,
                   rc == -EBADMSG ? "not a number" : rc == -ERANGE ? "value above max_energy_range_uj" : tb_plat_strerror(rc));
            goto fail;
        }
        tb_chan *k = &ch[c->nch];
        memset(k, 0, sizeof *k);
        tb_fmt(k->name, sizeof k->name, "%s", z[i].chan);
        tb_fmt(k->unit, sizeof k->unit, "J");
        k->kind = TB_CHAN_ENERGY;
        tb_fmt(k->domain, sizeof k->domain, "%s", z[i].domain);
        k->wrap = z[i].max_range_uj; /* as read, never recomputed (s1) */
        k->scale = 1e-6;             /* energy_uj is in uJ */
        k->update_s = 1e-3;          /* RAPL updates about every 1 ms */
        /* wrap period: constraint_0_max_power_uw, else 2x the long-term
         * limit (TDP), capped at 1000 W by the harness (energy-study s12 item 9) */
        if (z[i].nconstraints > 0 && z[i].constraint[0].max_uw > 0)
            k->pmax_w = z[i].constraint[0].max_uw * 1e-6;
        else if (z[i].nconstraints > 0 && z[i].constraint[0].limit_uw > 0)
            k->pmax_w = 2 * z[i].constraint[0].limit_uw * 1e-6;
        if (amd && !strcmp(z[i].domain, "core"))
            /* AMD core MSR is per core; powercap reads the lead CPU only */
            tb_fmt(k->note, sizeof k->note, "one_core_only");
        c->nch++;
    }
    if (c->nch == 0) {
        rc = -ENOENT;
        tb_fmt(why, len, "no intel-rapl zones under " PC_ROOT);
        goto fail;
    }
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    pc_close(c);
    *nch = 0;
    return rc;
}

static int pc_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    char why[256] = "";
    pc_ctx *c = NULL;
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    tb_fmt(p->version, sizeof p->version, "sysfs powercap");
    int rc = tb_sys_opendir_check(PC_ROOT);
    if (rc < 0) {
        tb_cpu_id id;
        int st = (rc == -ENOENT && tb_sys_cpu_id(&id) == 0 && id.hypervisor) ? TB_AVAIL_VIRTUALIZED : -1;
        if (st == TB_AVAIL_VIRTUALIZED || rc == -ENOENT)
            return tb_probe_set(p, st, -rc, PC_FIX_ABSENT, "no %s (%s)%s", PC_ROOT, strerror(-rc),
                                st == TB_AVAIL_VIRTUALIZED ? ": guest (hypervisor flag), RAPL not virtualised" : "");
        return tb_probe_set(p, -1, -rc, -rc == EACCES || -rc == EPERM ? PC_FIX_DENIED : "", "%s: %s",
                            PC_ROOT, strerror(-rc));
    }
    rc = pc_open_common(&c, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    if (rc < 0) {
        int st = (rc == -EBADMSG || rc == -ERANGE) ? TB_AVAIL_IO_ERROR : -1;
        int err = (rc == -EBADMSG || rc == -ERANGE) ? EIO : -rc;
        const char *fix = tb_avail_from_errno(err) == TB_AVAIL_DENIED ? PC_FIX_DENIED :
                          tb_avail_from_errno(err) == TB_AVAIL_ABSENT ? PC_FIX_ABSENT : "";
        return tb_probe_set(p, st, err, fix, "%s", why);
    }
    pc_close(c);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", "");
}

static int pc_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    pc_ctx *c = NULL;
    int rc = pc_open_common(&c, ch, max, nch, why, len);
    *ctx = c;
    return rc;
}

static int pc_read(void *vctx, tb_raw *vals)
{
    pc_ctx *c = vctx;
    int err = 0;
    for (int i = 0; i < c->nch; i++) {
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
        int rc = pc_read_fd(c->fd[i], c->max[i], &vals[i].value);
        if (rc < 0)
            err = rc == -EBADMSG || rc == -ERANGE ? -EIO : rc;
    }
    return err;
}

const tb_sampler tb_sampler_powercap = {
    .name = "powercap",
    .layer = TB_LAYER_ENERGY,
    .probe = pc_probe,
    .open = pc_open,
    .read = pc_read,
    .close = pc_close,
};
