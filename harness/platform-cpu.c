/* platform-cpu.c - owns the CPU facts read from /proc (see tb-platform.h):
 * the one /proc/cpuinfo parser, the /proc/stat steal-time snapshots, and
 * the run's CPU-frequency policy verdict from the machine facts. */
#define _GNU_SOURCE
#include "tb-platform.h"
#include "tb-machine.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- /proc/cpuinfo ------------------------------------------------------- */

#define TB_MAX_PACKAGES 256

static void cpuinfo_unknown(tb_cpuinfo *ci)
{
    memset(ci, 0, sizeof *ci);
    ci->family = ci->model = ci->stepping = -1;
    ci->cores_per_package = ci->siblings = -1;
}

/* One "key : value" line (NUL-terminated, newline removed) into *ci. */
static void cpuinfo_line(char *line, tb_cpuinfo *ci, int *pkg, int *npkg, int *have_flags)
{
    char *colon = strchr(line, ':');
    if (!colon)
        return;
    char *val = colon + 1;
    while (*val == ' ' || *val == '\t')
        val++;
    *colon = 0;
    line[strcspn(line, "\t")] = 0; /* "model\t\t: 183": the key ends at the first tab */
    const char *key = line;
    int first = ci->processors <= 1; /* identity: the first processor's record */
    if (!strcmp(key, "processor"))
        ci->processors++;
    else if (!strcmp(key, "vendor_id") && !ci->vendor[0] && first)
        snprintf(ci->vendor, sizeof ci->vendor, "%s", val);
    else if (!strcmp(key, "model name") && !ci->brand[0] && first)
        snprintf(ci->brand, sizeof ci->brand, "%s", val);
    else if (!strcmp(key, "microcode") && !ci->microcode[0] && first)
        snprintf(ci->microcode, sizeof ci->microcode, "%s", val);
    else if (!strcmp(key, "cpu family") && ci->family < 0 && first)
        ci->family = atoi(val);
    else if (!strcmp(key, "model") && ci->model < 0 && first)
        ci->model = atoi(val);
    else if (!strcmp(key, "stepping") && ci->stepping < 0 && first)
        ci->stepping = atoi(val);
    else if (!strcmp(key, "cpu cores") && ci->cores_per_package < 0 && first)
        ci->cores_per_package = atoi(val);
    else if (!strcmp(key, "siblings") && ci->siblings < 0 && first)
        ci->siblings = atoi(val);
    /* AArch64 spells identity and flags differently: implementer (0x41 Arm,
     * 0x61 Apple, 0xc0 Ampere), part number, revision, "Features" */
    else if (!strcmp(key, "CPU implementer") && !ci->vendor[0] && first)
        snprintf(ci->vendor, sizeof ci->vendor, "arm-implementer-%s", val);
    else if (!strcmp(key, "CPU part") && ci->model < 0 && first)
        ci->model = (int)strtol(val, NULL, 0);
    else if (!strcmp(key, "CPU revision") && ci->stepping < 0 && first)
        ci->stepping = atoi(val);
    else if ((!strcmp(key, "flags") || !strcmp(key, "Features")) && !*have_flags) {
        *have_flags = 1;
        size_t off = 0;
        char *save = NULL;
        for (char *t = strtok_r(val, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            size_t tl = strlen(t);
            if (off + tl + 2 > sizeof ci->flags)
                break; /* whole words only */
            off += (size_t)snprintf(ci->flags + off, sizeof ci->flags - off, "%s%s", off ? " " : "", t);
        }
    } else if (!strcmp(key, "physical id")) {
        int id = atoi(val), seen = 0;
        for (int i = 0; i < *npkg; i++)
            seen |= pkg[i] == id;
        if (!seen && *npkg < TB_MAX_PACKAGES)
            pkg[(*npkg)++] = id;
    }
}

void tb_plat_cpuinfo_parse(const char *s, size_t n, tb_cpuinfo *ci)
{
    cpuinfo_unknown(ci);
    char line[8192];
    int pkg[TB_MAX_PACKAGES], npkg = 0, have_flags = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        size_t l = e - i < sizeof line - 1 ? e - i : sizeof line - 1;
        memcpy(line, s + i, l);
        line[l] = 0;
        cpuinfo_line(line, ci, pkg, &npkg, &have_flags);
        i = e + 1;
    }
    ci->packages = npkg;
}

int tb_plat_cpuinfo_read(const char *path, tb_cpuinfo *ci)
{
    char *buf;
    size_t n;
    int r = tb_plat_read_all(path, 16u << 20, NULL, &buf, &n);
    if (r < 0) {
        cpuinfo_unknown(ci);
        return r;
    }
    tb_plat_cpuinfo_parse(buf, n, ci);
    free(buf);
    return 0;
}

int tb_plat_cpuinfo(tb_cpuinfo *ci)
{
    char path[512];
    int r = tb_plat_path(TB_ROOT_PROC, "cpuinfo", path, sizeof path);
    if (r < 0) {
        cpuinfo_unknown(ci);
        return r;
    }
    return tb_plat_cpuinfo_read(path, ci);
}

int tb_cpuinfo_has_flag(const tb_cpuinfo *ci, const char *flag)
{
    size_t fl = strlen(flag);
    if (!fl)
        return 0;
    for (const char *p = ci->flags; (p = strstr(p, flag)); p += fl)
        if ((p == ci->flags || p[-1] == ' ') && (p[fl] == ' ' || p[fl] == 0))
            return 1;
    return 0;
}

/* ---- /proc/stat steal ---------------------------------------------------- */

int tb_plat_steal_parse(const char *s, size_t n, int64_t *ticks, int *ncpu)
{
    *ticks = -1;
    *ncpu = 0;
    int ok = 0;
    char line[1024];
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        size_t l = e - i < sizeof line - 1 ? e - i : sizeof line - 1;
        memcpy(line, s + i, l);
        line[l] = 0;
        i = e + 1;
        if (strncmp(line, "cpu", 3))
            break; /* the cpu lines come first */
        if (line[3] >= '0' && line[3] <= '9') {
            (*ncpu)++;
            continue;
        }
        /* cpu  user nice system idle iowait irq softirq steal ... (USER_HZ) */
        long long v[8];
        ok = sscanf(line, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &v[6], &v[7]) == 8 && v[7] >= 0;
        *ticks = ok ? v[7] : -1;
    }
    return ok ? 0 : -EINVAL;
}

/* /proc/stat is read until its cpu lines are complete (the interrupt
 * lines after them can be long on big machines). */
static int stat_cpu_lines_done(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        if (!nl)
            return 0;
        if (n - i < 3 || strncmp(s + i, "cpu", 3))
            return 1;
        i = (size_t)(nl - s) + 1;
    }
    return 0;
}

int tb_plat_steal_read(tb_plat_steal *s)
{
    s->ticks = -1;
    s->ncpu = 0;
    s->at_ns = tb_plat_now_ns();
    char path[512], *buf;
    size_t n;
    int r = tb_plat_path(TB_ROOT_PROC, "stat", path, sizeof path);
    if (r < 0 || (r = tb_plat_read_all(path, 16u << 20, stat_cpu_lines_done, &buf, &n)) < 0)
        return r;
    int64_t ticks;
    int ncpu;
    r = tb_plat_steal_parse(buf, n, &ticks, &ncpu);
    free(buf);
    s->ticks = ticks;
    s->ncpu = ncpu;
    return r;
}

int64_t tb_plat_steal_ticks(const tb_plat_steal *a, const tb_plat_steal *b)
{
    if (a->ticks < 0 || b->ticks < 0 || b->ticks < a->ticks)
        return -1;
    return b->ticks - a->ticks;
}

double tb_plat_steal_frac(const tb_plat_steal *a, const tb_plat_steal *b)
{
    int64_t t = tb_plat_steal_ticks(a, b);
    if (t < 0 || b->at_ns <= a->at_ns)
        return NAN;
    long hz = sysconf(_SC_CLK_TCK);
    int ncpu = b->ncpu > 0 ? b->ncpu : (int)sysconf(_SC_NPROCESSORS_ONLN);
    double tick_ns = 1e9 / (double)(hz > 0 ? hz : 100);
    /* the "cpu" line sums every online CPU: average over them */
    return (double)t * tick_ns / ((double)(b->at_ns - a->at_ns) * (ncpu > 0 ? ncpu : 1));
}

/* ---- frequency policy ---------------------------------------------------- */

const char *tb_freq_state_name(enum tb_freq_state s)
{
    switch (s) {
    case TB_FREQ_PINNED:
        return "pinned";
    case TB_FREQ_UNPINNED:
        return "unpinned";
    default:
        return "unknown";
    }
}

/* Rules, first match wins:
 *   no governor (no cpu0/cpufreq)             -> unknown
 *   governor other than performance/userspace -> unpinned
 *   boost on                                  -> unpinned
 *   boost state not exposed                   -> unpinned (turbo may be active)
 *   otherwise                                 -> pinned */
void tb_plat_freq_policy(const struct tb_machine *m, tb_freq_policy *out)
{
    const char *gov = m->governor, *boost = m->boost, *hv = m->hypervisor;
    if (!gov[0]) {
        out->state = TB_FREQ_UNKNOWN;
        if (!strcmp(hv, "unknown"))
            snprintf(out->reason, sizeof out->reason,
                     "no cpufreq in sysfs (VM guest): the host controls the frequency");
        else if (hv[0] && strcmp(hv, "none") && strcmp(hv, "undetectable"))
            snprintf(out->reason, sizeof out->reason,
                     "no cpufreq in sysfs (%s guest): the host controls the frequency", hv);
        else
            snprintf(out->reason, sizeof out->reason, "no cpufreq in sysfs: the frequency is not observable");
    } else if (strcmp(gov, "performance") && strcmp(gov, "userspace")) {
        out->state = TB_FREQ_UNPINNED;
        snprintf(out->reason, sizeof out->reason, "governor %s (not performance)", gov);
    } else if (!strcmp(boost, "on")) {
        out->state = TB_FREQ_UNPINNED;
        snprintf(out->reason, sizeof out->reason, "governor %s, boost on", gov);
    } else if (strcmp(boost, "off")) {
        out->state = TB_FREQ_UNPINNED;
        snprintf(out->reason, sizeof out->reason,
                 "governor %s, boost state unknown (no cpufreq/boost or intel_pstate/no_turbo)", gov);
    } else {
        out->state = TB_FREQ_PINNED;
        snprintf(out->reason, sizeof out->reason, "governor %s, boost off", gov);
    }
}
