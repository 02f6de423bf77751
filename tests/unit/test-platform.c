/* test-platform.c - the platform module (tb-platform.h) on fixture trees
 * under tests/fixtures/platform and tests/fixtures/machine: clocks, root
 * redirection and small-file reads, the cpuinfo parser, steal snapshots
 * from /proc/stat, the frequency policy with and without cpufreq, the
 * environment registry (deprecated aliases warn once, env_json), and a
 * scan of harness/ and bench/ that every tb_env("...") is registered. */
#define _GNU_SOURCE
#include "tb-machine.h"
#include "tb-platform.h"
#include "tb-test.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLAT TB_FIXTURES "/platform"

static void test_clocks(void)
{
    uint64_t a = tb_plat_now_ns(), b = tb_plat_now_ns();
    CHECK(a > 0 && b >= a);
    double res = tb_plat_clock_res_ns();
    CHECK(res > 0 && res < 1e6);
    uint64_t c0 = tb_plat_cpu_ns(), t0 = tb_plat_thread_cpu_ns();
    volatile double x = 0;
    for (int i = 0; i < 2000000; i++)
        x += i * 0.5;
    CHECK(tb_plat_cpu_ns() > c0 && tb_plat_thread_cpu_ns() > t0);
    char utc[32];
    tb_plat_utc_now(utc, sizeof utc);
    CHECK(strlen(utc) == 20 && utc[4] == '-' && utc[10] == 'T' && utc[19] == 'Z');
    char tiny[8] = "x";
    tb_plat_utc_now(tiny, sizeof tiny); /* too small: empty, not truncated garbage */
    CHECK(tiny[0] == 0);
}

static void test_paths(void)
{
    char p[512];
    unsetenv("TRITBENCH_SYSFS_ROOT");
    unsetenv("TRITBENCH_PROC_ROOT");
    unsetenv("TRITBENCH_DEV_ROOT");
    CHECK(!tb_plat_root_redirected(TB_ROOT_SYS));
    CHECK(tb_plat_path(TB_ROOT_SYS, "devices/system/cpu/online", p, sizeof p) == 0 &&
          !strcmp(p, "/sys/devices/system/cpu/online"));
    CHECK(tb_plat_path(TB_ROOT_PROC, "/stat", p, sizeof p) == 0 && !strcmp(p, "/proc/stat"));
    CHECK(tb_plat_map("/dev/cpu/0/msr", p, sizeof p) == 0 && !strcmp(p, "/dev/cpu/0/msr"));

    setenv("TRITBENCH_SYSFS_ROOT", "/fx/sys/", 1);
    setenv("TRITBENCH_PROC_ROOT", "/fx/proc", 1);
    setenv("TRITBENCH_DEV_ROOT", "/fx/dev", 1);
    CHECK(tb_plat_root_redirected(TB_ROOT_SYS) && !strcmp(tb_plat_root_dir(TB_ROOT_DEV), "/fx/dev"));
    CHECK(tb_plat_path(TB_ROOT_SYS, "class/powercap", p, sizeof p) == 0 && !strcmp(p, "/fx/sys/class/powercap"));
    CHECK(tb_plat_map("/sys/class/powercap", p, sizeof p) == 0 && !strcmp(p, "/fx/sys/class/powercap"));
    CHECK(tb_plat_map("/sys", p, sizeof p) == 0 && !strcmp(p, "/fx/sys"));
    CHECK(tb_plat_map("/proc/cpuinfo", p, sizeof p) == 0 && !strcmp(p, "/fx/proc/cpuinfo"));
    CHECK(tb_plat_map("/dev/cpu/3/msr", p, sizeof p) == 0 && !strcmp(p, "/fx/dev/cpu/3/msr"));
    CHECK(tb_plat_map("/system/x", p, sizeof p) == 0 && !strcmp(p, "/system/x")); /* not a /sys path */
    CHECK(tb_plat_map("/etc/os-release", p, sizeof p) == 0 && !strcmp(p, "/etc/os-release"));
    char small[12];
    CHECK(tb_plat_map("/sys/class/powercap", small, sizeof small) == -ENAMETOOLONG);
    setenv("TRITBENCH_SYSFS_ROOT", "", 1); /* empty = not redirected */
    CHECK(!tb_plat_root_redirected(TB_ROOT_SYS) && !strcmp(tb_plat_root_dir(TB_ROOT_SYS), "/sys"));
    unsetenv("TRITBENCH_SYSFS_ROOT");
    unsetenv("TRITBENCH_PROC_ROOT");
    unsetenv("TRITBENCH_DEV_ROOT");
}

static void test_reads(void)
{
    char buf[64];
    int64_t v = 0;
    const char *cf = PLAT "/server-pinned/sys/devices/system/cpu/cpu0/cpufreq";
    char p[512];
    CHECK(tb_plat_join(cf, "scaling_governor", p, sizeof p) == 0);
    CHECK(tb_plat_read_text(p, buf, sizeof buf) == 11 && !strcmp(buf, "performance")); /* newline stripped */
    CHECK(tb_plat_join(cf, "cpuinfo_max_freq", p, sizeof p) == 0);
    CHECK(tb_plat_read_int64(p, &v) == 0 && v == 3200000);
    CHECK(tb_plat_join(cf, "scaling_governor", p, sizeof p) == 0);
    CHECK(tb_plat_read_int64(p, &v) == -EINVAL);
    CHECK(tb_plat_read_text(PLAT "/nonexistent", buf, sizeof buf) == -ENOENT);
    CHECK(tb_plat_read_int64(PLAT "/nonexistent", &v) == -ENOENT);
}

static void test_cpuinfo(void)
{
    tb_cpuinfo ci;
    CHECK(tb_plat_cpuinfo_read(PLAT "/server-pinned/proc/cpuinfo", &ci) == 0);
    CHECK(!strcmp(ci.vendor, "GenuineIntel"));
    CHECK(!strcmp(ci.brand, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"));
    CHECK(!strcmp(ci.microcode, "0xd0003a5"));
    CHECK(ci.family == 6 && ci.model == 106 && ci.stepping == 6);
    CHECK(ci.processors == 8 && ci.packages == 2 && ci.cores_per_package == 2 && ci.siblings == 4);
    CHECK(tb_cpuinfo_has_flag(&ci, "avx512_vnni") && tb_cpuinfo_has_flag(&ci, "fpu"));
    CHECK(tb_cpuinfo_has_flag(&ci, "arch_capabilities")); /* last word */
    CHECK(!tb_cpuinfo_has_flag(&ci, "avx512") && !tb_cpuinfo_has_flag(&ci, "hypervisor"));
    CHECK(!tb_cpuinfo_has_flag(&ci, ""));

    /* Through the proc root, as the samplers' tb_sys_cpu_id reads it. */
    setenv("TRITBENCH_PROC_ROOT", PLAT "/kvm-guest/proc", 1);
    CHECK(tb_plat_cpuinfo(&ci) == 0);
    CHECK(!strcmp(ci.vendor, "AuthenticAMD") && ci.family == 25 && ci.model == 1);
    CHECK(ci.processors == 2 && ci.packages == 1);
    CHECK(tb_cpuinfo_has_flag(&ci, "hypervisor") && !tb_cpuinfo_has_flag(&ci, "rapl"));
    setenv("TRITBENCH_PROC_ROOT", PLAT "/nonexistent", 1);
    CHECK(tb_plat_cpuinfo(&ci) == -ENOENT && ci.family == -1 && ci.processors == 0);
    unsetenv("TRITBENCH_PROC_ROOT");
}

static void test_steal(void)
{
    tb_plat_steal a, b;
    setenv("TRITBENCH_PROC_ROOT", PLAT "/kvm-guest/proc", 1);
    CHECK(tb_plat_steal_read(&a) == 0 && a.ticks == 1000 && a.ncpu == 2 && a.at_ns > 0);
    setenv("TRITBENCH_PROC_ROOT", PLAT "/kvm-guest-later/proc", 1);
    CHECK(tb_plat_steal_read(&b) == 0 && b.ticks == 1100 && b.ncpu == 2 && b.at_ns >= a.at_ns);
    CHECK(tb_plat_steal_ticks(&a, &b) == 100);
    /* 100 ticks summed over 2 CPUs in 2 s of wall time: 1 s / (2 s x 2 CPUs) at USER_HZ 100 */
    a.at_ns = 1000000000ull;
    b.at_ns = 3000000000ull;
    long hz = sysconf(_SC_CLK_TCK);
    CHECK_NEAR(tb_plat_steal_frac(&a, &b), 100.0 / (double)hz / (2.0 * 2.0), 1e-12);
    CHECK(isnan(tb_plat_steal_frac(&b, &a))); /* backwards */
    b.at_ns = a.at_ns;
    CHECK(isnan(tb_plat_steal_frac(&a, &b))); /* empty interval */

    setenv("TRITBENCH_PROC_ROOT", PLAT "/nonexistent", 1);
    CHECK(tb_plat_steal_read(&b) == -ENOENT && b.ticks == -1);
    CHECK(tb_plat_steal_ticks(&a, &b) == -1 && isnan(tb_plat_steal_frac(&a, &b)));
    setenv("TRITBENCH_PROC_ROOT", PLAT "/kvm-guest/sys", 1); /* a directory without stat */
    CHECK(tb_plat_steal_read(&b) < 0 && b.ticks == -1);
    unsetenv("TRITBENCH_PROC_ROOT");

    /* The real /proc/stat, where there is one. */
    if (tb_plat_steal_read(&a) == 0) {
        CHECK(a.ticks >= 0 && a.ncpu >= 1);
        CHECK(tb_plat_steal_read(&b) == 0 && tb_plat_steal_ticks(&a, &b) >= 0);
    }
}

/* The parsers split from their reads (the fuzz targets call them too). */
static void test_parsers(void)
{
    int64_t v = 0;
    CHECK(tb_plat_parse_int64("123\n", 4, &v) == 0 && v == 123);
    CHECK(tb_plat_parse_int64(" -5 ", 4, &v) == 0 && v == -5);
    CHECK(tb_plat_parse_int64("9223372036854775807", 19, &v) == 0 && v == INT64_MAX);
    CHECK(tb_plat_parse_int64("-9223372036854775808", 20, &v) == 0 && v == INT64_MIN);
    CHECK(tb_plat_parse_int64("9223372036854775808", 19, &v) == -ERANGE);
    CHECK(tb_plat_parse_int64("12abc", 5, &v) == -EINVAL);
    CHECK(tb_plat_parse_int64("", 0, &v) == -EINVAL);
    CHECK(tb_plat_parse_int64("-", 1, &v) == -EINVAL);
    CHECK(tb_plat_parse_int64("7\0junk", 7, &v) == 0 && v == 7); /* a NUL ends the text */

    static const char mi[] = "MemTotal:       24637472 kB\nMemAvailable:   22864736 kB\nHuge: 1\n";
    CHECK(tb_plat_meminfo_parse(mi, sizeof mi - 1, "MemTotal", &v) == 0 && v == 24637472LL * 1024);
    CHECK(tb_plat_meminfo_parse(mi, sizeof mi - 1, "MemAvailable", &v) == 0 && v == 22864736LL * 1024);
    CHECK(tb_plat_meminfo_parse(mi, sizeof mi - 1, "Huge", &v) == 0 && v == 1);
    CHECK(tb_plat_meminfo_parse(mi, sizeof mi - 1, "Mem", &v) == -ENOENT);
    CHECK(tb_plat_meminfo_parse("MemTotal: 12 MB\n", 16, "MemTotal", &v) == -EINVAL);
    CHECK(tb_plat_meminfo_parse("MemTotal: 99999999999999999999 kB", 33, "MemTotal", &v) == -ERANGE);

    int64_t ticks;
    int ncpu;
    static const char st[] = "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8\ncpu1 1\nintr 5\ncpu9 1\n";
    CHECK(tb_plat_steal_parse(st, sizeof st - 1, &ticks, &ncpu) == 0 && ticks == 8 && ncpu == 2);
    CHECK(tb_plat_steal_parse("cpu  1 2 3\n", 11, &ticks, &ncpu) == -EINVAL && ticks == -1);
    CHECK(tb_plat_steal_parse("cpu  1 2 3 4 5 6 7 -8\n", 22, &ticks, &ncpu) == -EINVAL && ticks == -1);

    tb_cpuinfo ci;
    static const char cpu[] = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 143\nflags\t\t: fpu avx2\n"
                              "physical id\t: 0\n\nprocessor\t: 1\nphysical id\t: 3\nmodel\t\t: 1";
    tb_plat_cpuinfo_parse(cpu, sizeof cpu - 1, &ci);
    CHECK(ci.processors == 2 && ci.packages == 2 && ci.model == 143 && !strcmp(ci.vendor, "GenuineIntel"));
    CHECK(tb_cpuinfo_has_flag(&ci, "avx2") && !tb_cpuinfo_has_flag(&ci, "avx"));
}

static void test_freq(void)
{
    tb_machine m;
    tb_freq_policy f;
    /* No cpu0/cpufreq: a KVM guest (hypervisor flag, no /sys/hypervisor). */
    tb_machine_probe_at(&m, PLAT "/kvm-guest/proc", PLAT "/kvm-guest/sys");
    CHECK(m.governor[0] == 0 && !strcmp(m.hypervisor, "unknown"));
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNKNOWN && strstr(f.reason, "no cpufreq") && strstr(f.reason, "VM guest"));
    CHECK(!strcmp(tb_freq_state_name(f.state), "unknown"));
    strcpy(m.hypervisor, "kvm");
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNKNOWN && strstr(f.reason, "kvm guest"));
    strcpy(m.hypervisor, "none");
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNKNOWN && !strstr(f.reason, "guest"));

    /* Governor performance, cpufreq/boost 0. */
    tb_machine_probe_at(&m, PLAT "/server-pinned/proc", PLAT "/server-pinned/sys");
    CHECK(!strcmp(m.governor, "performance") && !strcmp(m.boost, "off"));
    CHECK(m.sockets == 2 && m.cores == 4 && m.threads == 8 && m.smt_on == 1);
    /* cpuinfo's order (fma before sse4_2), not the wanted-flags table's */
    CHECK(!strcmp(m.isa_flags, "fma sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512bw avx512vl avx512vbmi "
                               "avx512_vnni"));
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_PINNED && !strcmp(f.reason, "governor performance, boost off"));
    CHECK(!strcmp(tb_freq_state_name(f.state), "pinned"));
    strcpy(m.boost, "on");
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNPINNED && strstr(f.reason, "boost on"));
    m.boost[0] = 0;
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNPINNED && strstr(f.reason, "boost state unknown"));
    strcpy(m.governor, "userspace");
    strcpy(m.boost, "off");
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_PINNED);

    /* The laptop fixture: powersave, intel_pstate turbo on. */
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    tb_plat_freq_policy(&m, &f);
    CHECK(f.state == TB_FREQ_UNPINNED && !strcmp(f.reason, "governor powersave (not performance)"));
    CHECK(!strcmp(tb_freq_state_name(f.state), "unpinned"));
}

/* Run fn with stderr captured into out. */
static void capture_stderr(void (*fn)(void), char *out, size_t len)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *t = tmpfile();
    out[0] = 0;
    if (saved < 0 || !t)
        return;
    dup2(fileno(t), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(t);
    size_t n = fread(out, 1, len - 1, t);
    out[n] = 0;
    fclose(t);
}

static const char *got[4];
static void read_isa_twice(void)
{
    got[0] = tb_env("TRITBENCH_ISA");
    got[1] = tb_env("TRITBENCH_ISA");
}
static void read_variants_both_set(void) { got[2] = tb_env("TRITBENCH_MATMUL_VARIANTS"); }
static void read_bw(void) { got[3] = tb_env("TRITBENCH_BW_MIB"); }

static void test_env(void)
{
    char err[512];
    for (int i = 0; i < tb_env_count(); i++) {
        const tb_env_var *e = tb_env_at(i);
        CHECK(e && e->name && e->meaning && e->meaning[0]);
        CHECK(!strncmp(e->name, "TRITBENCH_", 10) || !strcmp(e->name, "OMP_NUM_THREADS") /* recorded only */);
        CHECK(!e->alias || !strncmp(e->alias, "TB_", 3));
        for (int k = 0; k < i; k++)
            CHECK(strcmp(tb_env_at(k)->name, e->name) != 0);
    }
    CHECK(tb_env_at(-1) == NULL && tb_env_at(tb_env_count()) == NULL);

    /* Old alias only: its value, one warning however often it is read. */
    unsetenv("TRITBENCH_ISA");
    setenv("TB_ISA", "avx2", 1);
    capture_stderr(read_isa_twice, err, sizeof err);
    CHECK(got[0] && !strcmp(got[0], "avx2") && got[1] && !strcmp(got[1], "avx2"));
    CHECK(!strcmp(err, "tritbench: TB_ISA is deprecated, use TRITBENCH_ISA\n"));
    capture_stderr(read_isa_twice, err, sizeof err);
    CHECK(err[0] == 0);
    setenv("TRITBENCH_ISA", "scalar", 1); /* the new name wins */
    CHECK(!strcmp(tb_env("TRITBENCH_ISA"), "scalar"));

    /* Both names set: the new one, and the old one is said to be ignored. */
    setenv("TRITBENCH_MATMUL_VARIANTS", "all", 1);
    setenv("TB_MATMUL_VARIANTS", "best", 1);
    capture_stderr(read_variants_both_set, err, sizeof err);
    CHECK(got[2] && !strcmp(got[2], "all"));
    CHECK(!strcmp(err, "tritbench: TB_MATMUL_VARIANTS is deprecated and ignored (TRITBENCH_MATMUL_VARIANTS is set)\n"));

    /* No alias, unset: NULL and quiet. */
    unsetenv("TRITBENCH_BW_MIB");
    capture_stderr(read_bw, err, sizeof err);
    CHECK(got[3] == NULL && err[0] == 0);

    /* env_json: set variables only, under their TRITBENCH_ names. */
    for (int i = 0; i < tb_env_count(); i++) {
        unsetenv(tb_env_at(i)->name);
        if (tb_env_at(i)->alias)
            unsetenv(tb_env_at(i)->alias);
    }
    char j[1024];
    CHECK(tb_env_json(j, sizeof j) == 2 && !strcmp(j, "{}"));
    setenv("TB_MATMUL_VARIANTS", "best", 1); /* alias, warned above already */
    setenv("TRITBENCH_BW_MIB", "16", 1);
    setenv("TRITBENCH_PROC_ROOT", "/tmp/a \"quoted\" dir", 1);
    int n = tb_env_json(j, sizeof j);
    CHECK(n == (int)strlen(j));
    CHECK(!strcmp(j, "{\"TRITBENCH_MATMUL_VARIANTS\":\"best\",\"TRITBENCH_BW_MIB\":\"16\","
                     "\"TRITBENCH_PROC_ROOT\":\"/tmp/a \\\"quoted\\\" dir\"}"));
    char small[20];
    CHECK(tb_env_json(small, sizeof small) == -ENOSPC);
    CHECK(tb_env_json(small, 0) == -ENOSPC);
    unsetenv("TB_MATMUL_VARIANTS");
    unsetenv("TRITBENCH_BW_MIB");
    unsetenv("TRITBENCH_PROC_ROOT");
}

/* Every tb_env("NAME") in the sources names a registered variable. */
static int registered(const char *name)
{
    for (int i = 0; i < tb_env_count(); i++)
        if (!strcmp(tb_env_at(i)->name, name))
            return 1;
    return 0;
}

static int scan_dir(const char *dir)
{
    int files = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t nl = strlen(e->d_name);
        struct stat st;
        if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
            files += scan_dir(p);
            continue;
        }
        if (nl < 3 || strcmp(e->d_name + nl - 2, ".c"))
            continue;
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        files++;
        char line[1024];
        while (fgets(line, sizeof line, f))
            for (char *q = line; (q = strstr(q, "tb_env(\"")); q++) {
                char name[128];
                if (sscanf(q + 8, "%127[A-Z0-9_]", name) == 1 && !registered(name)) {
                    fprintf(stderr, "%s: tb_env(\"%s\") is not in the registry\n", p, name);
                    CHECK(registered(name));
                }
            }
        fclose(f);
    }
    closedir(d);
    return files;
}

static void test_registry_covers_sources(void)
{
    CHECK(scan_dir(TB_SOURCE_DIR "/harness") > 10 && scan_dir(TB_SOURCE_DIR "/bench") > 5);
}

int main(void)
{
    test_clocks();
    test_paths();
    test_reads();
    test_cpuinfo();
    test_steal();
    test_parsers();
    test_freq();
    test_env();
    test_registry_covers_sources();
    TEST_DONE();
}
