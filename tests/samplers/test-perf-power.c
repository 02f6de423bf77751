/* test-perf-power.c - the perf `power` PMU sampler on fake sysfs trees
 * with a mocked perf_event_open (energy-study s13 items 16-17): attr
 * fields, one fd per cpumask CPU, .scale parsed (2^32 * 5 counts = 5 J),
 * wrap 0 with a declared 60 s poll period, no enabled/running times,
 * power_core per-core set, errno mapping. */
#include "sampler-test.h"

#include <linux/perf_event.h>
#include <math.h>

#define MAXC 16
static struct { struct perf_event_attr a; int pid, cpu; } calls[MAXC];
static int ncalls;
static uint64_t mock_value = (1ull << 32) * 5;

static int mock_perf(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
    if (ncalls < MAXC) {
        calls[ncalls].a = *attr;
        calls[ncalls].pid = pid;
        calls[ncalls].cpu = cpu;
        ncalls++;
    }
    /* a file holding one u64 stands for the perf fd (one read() each) */
    FILE *f = tmpfile();
    if (!f)
        return -EMFILE;
    fwrite(&mock_value, sizeof mock_value, 1, f);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void test_two_socket(void)
{
    st_use_fixture("perf-power/two-socket");
    tb_shim_set_perf_open(mock_perf);
    ncalls = 0;
    CHECK(tb_perf_power_parse_event("event=0x02\n", &(uint64_t){0}) == 0);
    uint64_t cfg = 0;
    CHECK(tb_perf_power_parse_event("event=0x03", &cfg) == 0 && cfg == 3);
    CHECK(tb_perf_power_parse_event("umask=0x03", &cfg) == -EINVAL);
    CHECK(tb_perf_power_parse_event("event=0x1ff", &cfg) == -EINVAL); /* config:0-7 */
    int cpus[8], n = 0;
    CHECK(tb_perf_power_parse_cpumask("0,64\n", cpus, 8, &n) == 0 && n == 2 && cpus[1] == 64);
    CHECK(tb_perf_power_parse_cpumask("0-3,8", cpus, 8, &n) == 0 && n == 5 && cpus[3] == 3 && cpus[4] == 8);
    CHECK(tb_perf_power_parse_cpumask("x", cpus, 8, &n) == -EINVAL);
    /* fuzz-found: a CPU number past LONG_MAX overflowed the range loop (UB) */
    CHECK(tb_perf_power_parse_cpumask("6,99999999999999999999999", cpus, 8, &n) == -EINVAL);
    CHECK(tb_perf_power_parse_cpumask("0-9223372036854775807", cpus, 8, &n) == -EINVAL);
    CHECK(tb_perf_power_parse_cpumask("1048576", cpus, 8, &n) == 0 && cpus[0] == 1048576);

    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    CHECK(tb_sampler_perf_power.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    CHECK(nch == 4 && ncalls == 4);
    for (int i = 0; i < ncalls; i++) {
        CHECK(calls[i].a.type == 23);
        CHECK(calls[i].a.config == 2 || calls[i].a.config == 3);
        CHECK(calls[i].a.exclude_kernel == 0 && calls[i].a.exclude_user == 0 && calls[i].a.exclude_hv == 0);
        CHECK(calls[i].a.sample_period == 0);
        CHECK(calls[i].pid == -1);
        CHECK(calls[i].cpu == 0 || calls[i].cpu == 64);
    }
    CHECK(calls[0].a.config == 2 && calls[0].cpu == 0 && calls[1].cpu == 64);
    int p0 = st_find_chan(ch, nch, "package-0"), p1 = st_find_chan(ch, nch, "package-1");
    int d1 = st_find_chan(ch, nch, "dram-1");
    CHECK(p0 >= 0 && p1 >= 0 && d1 >= 0);
    if (p0 >= 0) {
        CHECK(ch[p0].scale == ldexp(1.0, -32) && !strcmp(ch[p0].unit, "J") && ch[p0].wrap == 0);
        /* 64-bit, yet declares a 60 s read period: the guard polls it */
        CHECK(ch[p0].poll_s == 60 && tb_chan_guard_s(&ch[p0]) == 60);
        tb_raw v[TB_MAX_CHANNELS];
        memset(v, 0xff, sizeof v);
        CHECK(tb_sampler_perf_power.read(ctx, v) == 0);
        CHECK_NEAR((double)v[p0].value * ch[p0].scale, 5.0, 0);
        CHECK(v[p0].has_times == 0 && v[p0].enabled_ns == 0 && v[p0].running_ns == 0);
    }
    tb_sampler_perf_power.close(ctx);
    tb_probe p;
    CHECK(tb_sampler_perf_power.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
    tb_shim_reset();
}

static void test_amd_core(void)
{
    st_use_fixture("perf-power/amd-core");
    tb_shim_set_perf_open(mock_perf);
    ncalls = 0;
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    CHECK(tb_sampler_perf_power.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    CHECK(nch == 5);
    CHECK(st_find_chan(ch, nch, "package-0") >= 0);
    for (int c = 0; c < 4; c++) {
        char nm[32];
        snprintf(nm, sizeof nm, "core-cpu%d", c);
        int i = st_find_chan(ch, nch, nm);
        CHECK(i >= 0 && (i < 0 || !strcmp(ch[i].domain, "core")));
    }
    CHECK(ncalls == 5 && calls[1].a.type == 25 && calls[4].cpu == 3);
    tb_sampler_perf_power.close(ctx);
    tb_shim_reset();
}

static void test_errno_mapping(void)
{
    static const struct { int err; tb_avail want; } cases[] = {
        { ENOENT, TB_AVAIL_ABSENT }, { EACCES, TB_AVAIL_DENIED }, { EPERM, TB_AVAIL_DENIED },
        { EINVAL, TB_AVAIL_UNSUPPORTED }, { EOPNOTSUPP, TB_AVAIL_UNSUPPORTED }, { ENODEV, TB_AVAIL_ABSENT },
    };
    st_use_fixture("perf-power/two-socket");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tb_shim_fail(TB_SHIM_PERF_OPEN, NULL, cases[i].err);
        tb_probe p;
        int rc = tb_sampler_perf_power.probe(&p);
        CHECK(rc == -cases[i].err);
        CHECK(p.state == cases[i].want);
        CHECK(p.reason[0] != '\0');
        if (cases[i].want == TB_AVAIL_DENIED)
            CHECK(strstr(p.fix, "CAP_PERFMON") != NULL);
        tb_shim_reset();
    }
    /* EACCES that hides a missing PMU directory is not "denied" */
    tb_shim_fail(TB_SHIM_OPEN, "/devices/power", EACCES);
    tb_probe p;
    CHECK(tb_sampler_perf_power.probe(&p) < 0 && p.state == TB_AVAIL_ABSENT);
    tb_shim_reset();
    /* no PMU at all */
    st_use_fixture("powercap/client");
    CHECK(tb_sampler_perf_power.probe(&p) == -ENOENT && p.state == TB_AVAIL_ABSENT);
}

int main(void)
{
    test_two_socket();
    test_amd_core();
    test_errno_mapping();
    st_reset_roots();
    TEST_DONE();
}
