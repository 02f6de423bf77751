/* machine.c - machine fingerprint from /proc and /sys (see tb-machine.h),
 * read through the platform module (tb-platform.h: roots, small files,
 * the cpuinfo parser).  The fingerprint hashes only what changes performance: CPU identity,
 * microcode, ISA flags, topology, caches, memory size, kernel major.minor,
 * governor/boost, THP and hypervisor - never the hostname. */
#define _GNU_SOURCE
#include "tb-machine.h"
#include "tb-json.h"
#include "tb-platform.h"
#include "tb-workload.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Small-file reads under DIR (a /proc or /sys root). */
static int rd_text(const char *dir, const char *rel, char *buf, size_t len)
{
    char path[512];
    int r = tb_plat_join(dir, rel, path, sizeof path);
    return r < 0 ? r : tb_plat_read_text(path, buf, len);
}

static int rd_int64(const char *dir, const char *rel, int64_t *v)
{
    char path[512];
    int r = tb_plat_join(dir, rel, path, sizeof path);
    return r < 0 ? r : tb_plat_read_int64(path, v);
}

static const char *wanted_flags[] = {
    "sse4_2", "avx", "f16c", "fma", "avx2", "bmi2", "avx512f", "avx512dq", "avx512bw", "avx512vl",
    "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx512_fp16", "avx_vnni", "amx_tile", "amx_int8",
    "amx_bf16", "hypervisor",
    /* AArch64 (cpuinfo "Features") */
    "asimd", "asimddp", "i8mm", "fphp", "asimdhp", "bf16", "sve", "sve2", NULL,
};

static int64_t parse_size(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s)
        return -1;
    if (*end == 'K')
        v <<= 10;
    else if (*end == 'M')
        v <<= 20;
    else if (*end == 'G')
        v <<= 30;
    return v;
}

static void from_cpuinfo(tb_machine *m, const char *proc)
{
    char path[512];
    tb_cpuinfo ci;
    if (tb_plat_join(proc, "cpuinfo", path, sizeof path) < 0 || tb_plat_cpuinfo_read(path, &ci) < 0)
        return;
    snprintf(m->vendor, sizeof m->vendor, "%s", ci.vendor);
    snprintf(m->brand, sizeof m->brand, "%s", ci.brand);
    snprintf(m->microcode, sizeof m->microcode, "%s", ci.microcode);
    m->family = ci.family;
    m->model = ci.model;
    m->stepping = ci.stepping;
    /* cpuinfo's order, not the table's: the fingerprint hashes this string */
    size_t off = 0;
    char *save = NULL;
    for (char *t = strtok_r(ci.flags, " ", &save); t; t = strtok_r(NULL, " ", &save))
        for (int i = 0; wanted_flags[i]; i++)
            if (!strcmp(t, wanted_flags[i]) && off < sizeof m->isa_flags - 1)
                off += (size_t)snprintf(m->isa_flags + off, sizeof m->isa_flags - off, "%s%s", off ? " " : "", t);
    if (ci.processors)
        m->threads = ci.processors;
    m->sockets = ci.packages ? ci.packages : (ci.processors ? 1 : -1);
    if (ci.cores_per_package > 0)
        m->cores = ci.cores_per_package * m->sockets;
    if (ci.cores_per_package > 0 && ci.siblings > 0)
        m->smt_on = ci.siblings > ci.cores_per_package;
}

static void parse_caches(tb_machine *m, const char *sys)
{
    char rel[128], buf[64];
    for (int i = 0; i < 8; i++) {
        int64_t level;
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu0/cache/index%d/level", i);
        if (rd_int64(sys, rel, &level) < 0)
            continue;
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu0/cache/index%d/type", i);
        char type[32] = "";
        rd_text(sys, rel, type, sizeof type);
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu0/cache/index%d/size", i);
        if (rd_text(sys, rel, buf, sizeof buf) < 0)
            continue;
        int64_t sz = parse_size(buf);
        if (level == 1 && !strcmp(type, "Data"))
            m->l1d = sz;
        else if (level == 1 && !strcmp(type, "Instruction"))
            m->l1i = sz;
        else if (level == 2)
            m->l2 = sz;
        else if (level == 3)
            m->l3 = sz;
    }
}

static void hypervisor_of(tb_machine *m, const char *sys, int real)
{
    char buf[64];
    snprintf(m->hypervisor, sizeof m->hypervisor, "%s", strstr(m->isa_flags, "hypervisor") ? "unknown" : "none");
    if (rd_text(sys, "hypervisor/type", buf, sizeof buf) > 0) {
        snprintf(m->hypervisor, sizeof m->hypervisor, "%s", buf);
        return;
    }
    if (!real)
        return;
    if (!strcmp(m->hypervisor, "none")) {
        if (!tb_plat_cpuinfo_tells_guest()) /* AArch64: no flag, so not "none" */
            snprintf(m->hypervisor, sizeof m->hypervisor, "undetectable");
        return;
    }
    {
        char v[16];
        if (tb_plat_cpu_hypervisor(v, sizeof v) < 0)
            return;
        if (!strcmp(v, "KVMKVMKVM"))
            snprintf(m->hypervisor, sizeof m->hypervisor, "kvm");
        else if (!strcmp(v, "Microsoft Hv"))
            snprintf(m->hypervisor, sizeof m->hypervisor, "hyperv");
        else if (!strcmp(v, "VMwareVMware"))
            snprintf(m->hypervisor, sizeof m->hypervisor, "vmware");
        else if (!strncmp(v, "XenVMM", 6))
            snprintf(m->hypervisor, sizeof m->hypervisor, "xen");
        else if (v[0] > ' ')
            snprintf(m->hypervisor, sizeof m->hypervisor, "%s", v);
    }
}

static void os_release(tb_machine *m)
{
    char *buf;
    size_t n;
    if (tb_plat_read_all("/etc/os-release", 1 << 16, NULL, &buf, &n) < 0)
        return;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (!strncmp(l, "PRETTY_NAME=", 12)) {
            char *v = l + 12;
            if (*v == '"') {
                v++;
                v[strcspn(v, "\"")] = 0;
            }
            snprintf(m->os, sizeof m->os, "%s", v);
        }
    free(buf);
}

static void freq_of(tb_machine *m, const char *sys)
{
    int64_t v;
    rd_text(sys, "devices/system/cpu/cpu0/cpufreq/scaling_governor", m->governor, sizeof m->governor);
    rd_int64(sys, "devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq", &m->freq_min_khz);
    rd_int64(sys, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", &m->freq_max_khz);
    if (rd_int64(sys, "devices/system/cpu/cpufreq/boost", &v) == 0)
        snprintf(m->boost, sizeof m->boost, "%s", v ? "on" : "off");
    if (rd_int64(sys, "devices/system/cpu/intel_pstate/no_turbo", &v) == 0)
        snprintf(m->boost, sizeof m->boost, "%s", v ? "off" : "on");
}

void tb_machine_probe_at(tb_machine *m, const char *proc, const char *sys)
{
    char path[512], buf[256];
    const char *P = *proc ? proc : tb_plat_root_dir(TB_ROOT_PROC);
    const char *S = *sys ? sys : tb_plat_root_dir(TB_ROOT_SYS);
    int real = !strcmp(P, "/proc") && !strcmp(S, "/sys"); /* not a fixture tree */
    memset(m, 0, sizeof *m);
    m->family = m->model = m->stepping = -1;
    m->sockets = m->cores = m->threads = m->smt_on = -1;
    m->l1d = m->l1i = m->l2 = m->l3 = -1;
    m->numa_nodes = -1;
    m->mem_bytes = -1;
    m->freq_min_khz = m->freq_max_khz = -1;
    m->aslr = -1;
    m->perf_event_paranoid = -99;
    if (rd_text(P, "sys/kernel/hostname", m->hostname, sizeof m->hostname) < 0)
        gethostname(m->hostname, sizeof m->hostname - 1);
    from_cpuinfo(m, P);
    parse_caches(m, S);
    DIR *d = tb_plat_join(S, "devices/system/node", path, sizeof path) == 0 ? opendir(path) : NULL;
    if (d) {
        struct dirent *e;
        m->numa_nodes = 0;
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
                m->numa_nodes++;
        closedir(d);
    }
    char *mi;
    size_t mn;
    if (tb_plat_join(P, "meminfo", path, sizeof path) == 0 && tb_plat_read_all(path, 1 << 20, NULL, &mi, &mn) == 0) {
        int64_t b;
        if (tb_plat_meminfo_parse(mi, mn, "MemTotal", &b) == 0)
            m->mem_bytes = b;
        free(mi);
    }
    rd_text(P, "sys/kernel/osrelease", m->kernel, sizeof m->kernel);
    if (real)
        os_release(m);
    hypervisor_of(m, S, real);
    freq_of(m, S);
    if (rd_text(S, "kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) > 0) {
        char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;
        if (l && r) {
            *r = 0;
            snprintf(m->thp, sizeof m->thp, "%s", l + 1);
        }
    }
    int64_t v;
    if (rd_int64(P, "sys/kernel/randomize_va_space", &v) == 0)
        m->aslr = (int)v;
    if (rd_int64(P, "sys/kernel/perf_event_paranoid", &v) == 0)
        m->perf_event_paranoid = (int)v;
    if (!m->kernel[0] && real) {
        struct utsname u;
        if (uname(&u) == 0)
            snprintf(m->kernel, sizeof m->kernel, "%s", u.release);
    }
    tb_machine_fingerprint(m);
}

void tb_machine_probe(tb_machine *m)
{
    tb_machine_probe_at(m, "", "");
}

void tb_machine_fingerprint(tb_machine *m)
{
    char canon[2048], kmaj[32] = "";
    int dots = 0, i = 0;
    for (; m->kernel[i] && i < 31; i++) { /* kernel major.minor only */
        if (m->kernel[i] == '.' && ++dots == 2)
            break;
        if (m->kernel[i] == '-')
            break;
        kmaj[i] = m->kernel[i];
    }
    kmaj[i] = 0;
    snprintf(canon, sizeof canon, "%s|%s|%d|%d|%d|%s|%s|%d|%d|%d|%d|%lld|%lld|%lld|%lld|%lld|%s|%s|%s|%s|%s",
             m->vendor, m->brand, m->family, m->model, m->stepping, m->microcode, m->isa_flags,
             m->sockets, m->cores, m->threads, m->smt_on, (long long)m->l1d, (long long)m->l2,
             (long long)m->l3, (long long)(m->mem_bytes >> 30), (long long)m->freq_max_khz, kmaj,
             m->governor, m->boost, m->thp, m->hypervisor);
    uint64_t h = tb_fnv1a(canon, strlen(canon), TB_FNV_INIT);
    snprintf(m->fingerprint, sizeof m->fingerprint, "%016llx", (unsigned long long)h);
}

int tb_machine_json(const tb_machine *m, char *buf, int len)
{
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "fingerprint", m->fingerprint);
    tb_json_kv_str(&j, "hostname", m->hostname);
    tb_json_kv_str(&j, "vendor", m->vendor);
    tb_json_kv_str(&j, "brand", m->brand);
    tb_json_kv_opt(&j, "family", m->family);
    tb_json_kv_opt(&j, "model", m->model);
    tb_json_kv_opt(&j, "stepping", m->stepping);
    tb_json_kv_str(&j, "microcode", m->microcode);
    tb_json_kv_str(&j, "isa_flags", m->isa_flags);
    tb_json_kv_opt(&j, "sockets", m->sockets);
    tb_json_kv_opt(&j, "cores", m->cores);
    tb_json_kv_opt(&j, "threads", m->threads);
    tb_json_kv_opt(&j, "smt_on", m->smt_on);
    tb_json_kv_opt(&j, "l1d_bytes", m->l1d);
    tb_json_kv_opt(&j, "l1i_bytes", m->l1i);
    tb_json_kv_opt(&j, "l2_bytes", m->l2);
    tb_json_kv_opt(&j, "l3_bytes", m->l3);
    tb_json_kv_opt(&j, "numa_nodes", m->numa_nodes);
    tb_json_kv_opt(&j, "mem_bytes", m->mem_bytes);
    tb_json_kv_str(&j, "kernel", m->kernel);
    tb_json_kv_str(&j, "os", m->os);
    tb_json_kv_str(&j, "hypervisor", m->hypervisor);
    tb_json_kv_str(&j, "governor", m->governor);
    tb_json_kv_str(&j, "boost", m->boost);
    tb_json_kv_opt(&j, "freq_min_khz", m->freq_min_khz);
    tb_json_kv_opt(&j, "freq_max_khz", m->freq_max_khz);
    tb_json_kv_str(&j, "thp", m->thp);
    tb_json_kv_opt(&j, "aslr", m->aslr);
    if (m->perf_event_paranoid == -99)
        tb_json_kv_str(&j, "perf_event_paranoid", NULL);
    else
        tb_json_kv_int(&j, "perf_event_paranoid", m->perf_event_paranoid);
    tb_json_obj_end(&j);
    return tb_json_len(&j);
}
