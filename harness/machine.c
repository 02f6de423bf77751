/* machine.c - machine fingerprint from /proc and /sys (see tb-machine.h).
 * The fingerprint hashes only what changes performance: CPU identity,
 * microcode, ISA flags, topology, caches, memory size, kernel major.minor,
 * governor/boost, THP and hypervisor - never the hostname. */
#define _GNU_SOURCE
#include "tb-machine.h"
#include "tb-json.h"
#include "tb-workload.h"

#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int tb_read_text(const char *path, char *buf, int len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, (size_t)len - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    return (int)n;
}

int tb_read_int64(const char *path, int64_t *v)
{
    char b[64], *end;
    int r = tb_read_text(path, b, sizeof b);
    if (r < 0)
        return r;
    errno = 0;
    long long x = strtoll(b, &end, 10);
    if (end == b || errno)
        return -EINVAL;
    *v = x;
    return 0;
}

static const char *wanted_flags[] = {
    "sse4_2", "avx", "f16c", "fma", "avx2", "bmi2", "avx512f", "avx512dq", "avx512bw", "avx512vl",
    "avx512_vnni", "avx512_bf16", "avx512vbmi", "avx512_fp16", "avx_vnni", "amx_tile", "amx_int8",
    "amx_bf16", "hypervisor", NULL,
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

static void parse_cpuinfo(tb_machine *m, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[8192];
    int phys[256], nphys = 0, procs = 0, cores_per = -1, siblings = -1;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *val = colon + 1;
        while (*val == ' ')
            val++;
        val[strcspn(val, "\n")] = 0;
        *colon = 0;
        char *key = line;
        key[strcspn(key, "\t")] = 0;
        if (!strcmp(key, "processor"))
            procs++;
        else if (procs == 1 && !strcmp(key, "vendor_id"))
            snprintf(m->vendor, sizeof m->vendor, "%s", val);
        else if (procs == 1 && !strcmp(key, "model name"))
            snprintf(m->brand, sizeof m->brand, "%s", val);
        else if (procs == 1 && !strcmp(key, "cpu family"))
            m->family = atoi(val);
        else if (procs == 1 && !strcmp(key, "model"))
            m->model = atoi(val);
        else if (procs == 1 && !strcmp(key, "stepping"))
            m->stepping = atoi(val);
        else if (procs == 1 && !strcmp(key, "microcode"))
            snprintf(m->microcode, sizeof m->microcode, "%s", val);
        else if (procs == 1 && !strcmp(key, "cpu cores"))
            cores_per = atoi(val);
        else if (procs == 1 && !strcmp(key, "siblings"))
            siblings = atoi(val);
        else if (!strcmp(key, "physical id")) {
            int id = atoi(val), seen = 0;
            for (int i = 0; i < nphys; i++)
                seen |= phys[i] == id;
            if (!seen && nphys < 256)
                phys[nphys++] = id;
        } else if (procs == 1 && !strcmp(key, "flags")) {
            char *save = NULL, *tok;
            int off = 0;
            for (tok = strtok_r(val, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
                for (int i = 0; wanted_flags[i]; i++)
                    if (!strcmp(tok, wanted_flags[i]) && off < (int)sizeof m->isa_flags - 1)
                        off += snprintf(m->isa_flags + off, sizeof m->isa_flags - (size_t)off, "%s%s",
                                        off ? " " : "", tok);
        }
    }
    fclose(f);
    if (procs)
        m->threads = procs;
    m->sockets = nphys ? nphys : (procs ? 1 : -1);
    if (cores_per > 0)
        m->cores = cores_per * m->sockets;
    if (cores_per > 0 && siblings > 0)
        m->smt_on = siblings > cores_per;
}

static void parse_caches(tb_machine *m, const char *sys)
{
    char path[512], buf[64];
    for (int i = 0; i < 8; i++) {
        int64_t level;
        snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cache/index%d/level", sys, i);
        if (tb_read_int64(path, &level) < 0)
            continue;
        snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cache/index%d/type", sys, i);
        char type[32] = "";
        tb_read_text(path, type, sizeof type);
        snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cache/index%d/size", sys, i);
        if (tb_read_text(path, buf, sizeof buf) < 0)
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
    char path[512], buf[64];
    snprintf(m->hypervisor, sizeof m->hypervisor, "%s", strstr(m->isa_flags, "hypervisor") ? "unknown" : "none");
    snprintf(path, sizeof path, "%s/hypervisor/type", sys);
    if (tb_read_text(path, buf, sizeof buf) > 0) {
        snprintf(m->hypervisor, sizeof m->hypervisor, "%s", buf);
        return;
    }
    if (real && strcmp(m->hypervisor, "none")) {
        unsigned a, b, c, d;
        __cpuid(0x40000000, a, b, c, d); /* hypervisor vendor leaf: EBX ECX EDX */
        char v[13];
        memcpy(v, &b, 4);
        memcpy(v + 4, &c, 4);
        memcpy(v + 8, &d, 4);
        v[12] = 0;
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

void tb_machine_probe_at(tb_machine *m, const char *proc, const char *sys)
{
    char path[512], buf[256];
    int real = !*proc && !*sys;
    const char *P = *proc ? proc : "/proc", *S = *sys ? sys : "/sys";
    memset(m, 0, sizeof *m);
    m->family = m->model = m->stepping = -1;
    m->sockets = m->cores = m->threads = m->smt_on = -1;
    m->l1d = m->l1i = m->l2 = m->l3 = -1;
    m->numa_nodes = -1;
    m->mem_bytes = -1;
    m->freq_min_khz = m->freq_max_khz = -1;
    m->aslr = -1;
    m->perf_event_paranoid = -99;
    snprintf(path, sizeof path, "%s/sys/kernel/hostname", P);
    if (tb_read_text(path, m->hostname, sizeof m->hostname) < 0)
        gethostname(m->hostname, sizeof m->hostname - 1);
    snprintf(path, sizeof path, "%s/cpuinfo", P);
    parse_cpuinfo(m, path);
    parse_caches(m, S);
    snprintf(path, sizeof path, "%s/devices/system/node", S);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        m->numa_nodes = 0;
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
                m->numa_nodes++;
        closedir(d);
    }
    snprintf(path, sizeof path, "%s/meminfo", P);
    FILE *f = fopen(path, "re");
    if (f) {
        long long kb;
        while (fgets(buf, sizeof buf, f))
            if (sscanf(buf, "MemTotal: %lld kB", &kb) == 1)
                m->mem_bytes = kb * 1024;
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/sys/kernel/osrelease", P);
    tb_read_text(path, m->kernel, sizeof m->kernel);
    if (real) {
        f = fopen("/etc/os-release", "re");
        if (f) {
            while (fgets(buf, sizeof buf, f))
                if (!strncmp(buf, "PRETTY_NAME=", 12)) {
                    char *v = buf + 12;
                    v[strcspn(v, "\n")] = 0;
                    if (*v == '"') {
                        v++;
                        v[strcspn(v, "\"")] = 0;
                    }
                    snprintf(m->os, sizeof m->os, "%s", v);
                }
            fclose(f);
        }
    }
    hypervisor_of(m, S, real);
    snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cpufreq/scaling_governor", S);
    tb_read_text(path, m->governor, sizeof m->governor);
    snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq", S);
    tb_read_int64(path, &m->freq_min_khz);
    snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", S);
    tb_read_int64(path, &m->freq_max_khz);
    int64_t v;
    snprintf(path, sizeof path, "%s/devices/system/cpu/cpufreq/boost", S);
    if (tb_read_int64(path, &v) == 0)
        snprintf(m->boost, sizeof m->boost, "%s", v ? "on" : "off");
    snprintf(path, sizeof path, "%s/devices/system/cpu/intel_pstate/no_turbo", S);
    if (tb_read_int64(path, &v) == 0)
        snprintf(m->boost, sizeof m->boost, "%s", v ? "off" : "on");
    snprintf(path, sizeof path, "%s/kernel/mm/transparent_hugepage/enabled", S);
    if (tb_read_text(path, buf, sizeof buf) > 0) {
        char *l = strchr(buf, '['), *r = l ? strchr(l, ']') : NULL;
        if (l && r) {
            *r = 0;
            snprintf(m->thp, sizeof m->thp, "%s", l + 1);
        }
    }
    snprintf(path, sizeof path, "%s/sys/kernel/randomize_va_space", P);
    if (tb_read_int64(path, &v) == 0)
        m->aslr = (int)v;
    snprintf(path, sizeof path, "%s/sys/kernel/perf_event_paranoid", P);
    if (tb_read_int64(path, &v) == 0)
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
    const char *p = getenv("TRITBENCH_PROC_ROOT"), *s = getenv("TRITBENCH_SYSFS_ROOT");
    tb_machine_probe_at(m, p ? p : "", s ? s : "");
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
