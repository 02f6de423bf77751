/* test-open-contract.c - the ownership rule of tb_sampler.open()
 * (tb-sampler.h): a failed open releases what it acquired and leaves
 * *ctx NULL.  Every real back end is made to fail, first with nothing
 * present, then part-way (after it has opened some files): *ctx must be
 * NULL and this process must hold no more descriptors than before.  The
 * sanitizer build's leak checker covers the memory. */
#include "sampler-test.h"

#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

/* Descriptors this process holds now (real /proc, not the fixture root). */
static int fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Open `smp` expecting failure; check the contract.  Returns its rc. */
static int expect_failed_open(const tb_sampler *smp, const char *events, const char *what)
{
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = -1;
    void *ctx = (void *)&nch; /* anything but NULL: open must reset it */
    char why[256] = "";
    int before = fd_count();
    int rc = smp->open(&ctx, events, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    int after = fd_count();
    if (rc == 0) {
        fprintf(stderr, "%s (%s): open succeeded, expected a failure\n", smp->name, what);
        smp->close(ctx);
        CHECK(rc < 0);
        return rc;
    }
    if (ctx != NULL || after != before)
        fprintf(stderr, "%s (%s): rc %d ctx %p fds %d -> %d (%s)\n", smp->name, what, rc, ctx, before,
                after, why);
    CHECK(ctx == NULL);
    CHECK(after == before);
    CHECK(why[0] != '\0');
    return rc;
}

static void *no_dlopen(const char *name) { return NULL; }
static void *no_dlsym(void *h, const char *sym) { return NULL; }

/* Nothing present: every back end in the registry fails cleanly. */
static void test_all_absent(void)
{
    char root[64];
    st_tmpdir(root, sizeof root);
    st_write(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n");
    st_use_roots(root);
    tb_shim_fail(TB_SHIM_PERF_OPEN, NULL, ENOENT);
    tb_shim_set_dl(no_dlopen, no_dlsym);
    for (int i = 0; tb_samplers[i]; i++)
        expect_failed_open(tb_samplers[i], NULL, "nothing present");
    tb_shim_set_dl(NULL, NULL);
    st_reset_roots();
    st_rmtree(root);
}

/* powercap: the first zone's energy_uj is opened, the second is garbage. */
static void test_powercap_partial(void)
{
    char root[64];
    st_tmpdir(root, sizeof root);
    st_write(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/name", "package-0\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/energy_uj", "1000\n");
    st_write(root, "sys/class/powercap/intel-rapl:1/name", "package-1\n");
    st_write(root, "sys/class/powercap/intel-rapl:1/max_energy_range_uj", "262143328850\n");
    st_write(root, "sys/class/powercap/intel-rapl:1/energy_uj", "12ab\n");
    st_use_roots(root);
    CHECK(expect_failed_open(&tb_sampler_powercap, NULL, "second zone garbage") == -EBADMSG);
    st_reset_roots();
    st_rmtree(root);
}

/* perf-power: the first CPU's event opens, the second is refused. */
static int pp_calls;
static int pp_mock(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
    if (pp_calls++ > 0)
        return -EACCES;
    FILE *f = tmpfile();
    if (!f)
        return -EMFILE;
    int fd = dup(fileno(f));
    fclose(f);
    return fd;
}

static void test_perf_power_partial(void)
{
    st_use_fixture("perf-power/two-socket");
    tb_shim_set_perf_open(pp_mock);
    pp_calls = 0;
    CHECK(expect_failed_open(&tb_sampler_perf_power, NULL, "second CPU refused") == -EACCES);
    CHECK(pp_calls == 2);
    tb_shim_set_perf_open(NULL);
    st_reset_roots();
}

/* msr: package 0's device opens, package 1's is missing. */
static void test_msr_partial(void)
{
    char root[64];
    st_tmpdir(root, sizeof root);
    st_write(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n");
    st_write(root, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
    st_write(root, "sys/devices/system/cpu/cpu1/topology/physical_package_id", "1\n");
    st_write_word(root, "dev/cpu/0/msr", 0x606, 0x000A0E03ull);
    st_write_word(root, "dev/cpu/0/msr", 0x611, 1000);
    st_use_roots(root);
    CHECK(expect_failed_open(&tb_sampler_msr, NULL, "second package missing") == -ENOENT);
    st_reset_roots();
    st_rmtree(root);
}

/* nvml: the library loads and initialises, but no device reports energy
 * or power: the failed open must shut NVML down again. */
static int nv_inited;
static int f_init(void) { nv_inited = 1; return 0; }
static int f_shutdown(void) { nv_inited = 0; return 0; }
static int f_count(unsigned *n) { *n = 1; return 0; }
static int f_handle(unsigned i, void **d) { *d = (void *)(uintptr_t)(i + 1); return 0; }
static int f_unsupported(void *d, void *out) { return 3; /* NVML_ERROR_NOT_SUPPORTED */ }
static const char *f_err(int r) { return "Not Supported"; }
static int nv_lib;
static void *nv_dlopen(const char *name) { return &nv_lib; }
static void *nv_dlsym(void *h, const char *sym)
{
    static const struct { const char *n; void *f; } t[] = {
        { "nvmlInit_v2", (void *)f_init }, { "nvmlShutdown", (void *)f_shutdown },
        { "nvmlDeviceGetCount_v2", (void *)f_count }, { "nvmlDeviceGetHandleByIndex_v2", (void *)f_handle },
        { "nvmlDeviceGetTotalEnergyConsumption", (void *)f_unsupported },
        { "nvmlDeviceGetPowerUsage", (void *)f_unsupported }, { "nvmlErrorString", (void *)f_err },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(t[i].n, sym))
            return t[i].f;
    return NULL;
}

static void test_nvml_partial(void)
{
    tb_shim_set_dl(nv_dlopen, nv_dlsym);
    CHECK(expect_failed_open(&tb_sampler_nvml, NULL, "no device reports energy") == -EOPNOTSUPP);
    CHECK(nv_inited == 0);
    tb_shim_set_dl(NULL, NULL);
}

/* perf: the group leader opens (a real software event), the member is
 * refused the way x86 validate_group refuses it. */
static int pf_calls;
static int pf_mock(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
    if (pf_calls++ > 0)
        return -EINVAL;
    struct perf_event_attr a = *attr;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.exclude_kernel = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : fd;
}

static void test_perf_partial(void)
{
    tb_shim_set_perf_open(pf_mock);
    pf_calls = 0;
    int rc = expect_failed_open(&tb_sampler_perf, "cycles,instructions", "member refused");
    if (pf_calls < 2)
        fprintf(stderr, "perf software events unavailable here: only the no-leader path ran\n");
    else
        CHECK(rc == -EINVAL);
    tb_shim_set_perf_open(NULL);
}

int main(void)
{
    test_all_absent();
    test_powercap_partial();
    test_perf_power_partial();
    test_msr_partial();
    test_nvml_partial();
    test_perf_partial();
    tb_shim_reset();
    TEST_DONE();
}
