/* test-perf.c - perf_event plumbing (energy-study s13 items 18-20): group
 * read buffers decoded (fixtures and hand-made), the exclude_kernel retry
 * under a mocked EACCES, event-name parsing, and the REAL kernel path on
 * this machine with software events (task-clock must see a 50 ms busy
 * loop, including one run by a thread created after open: inherit). */
#include "sampler-test.h"

#include <linux/perf_event.h>
#include <math.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>

static size_t load(const char *name, void *buf, size_t len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/perf/%s", TB_FIXTURES, name);
    FILE *f = fopen(p, "rb");
    if (!f) {
        fprintf(stderr, "missing fixture %s\n", p);
        exit(2);
    }
    size_t n = fread(buf, 1, len, f);
    fclose(f);
    return n;
}

static void test_decode(void)
{
    unsigned char buf[512];
    tb_perf_group_read g;
    size_t n = load("group-mux-3.bin", buf, sizeof buf);
    CHECK(tb_perf_decode_group(buf, n, &g) == 0);
    CHECK(g.nr == 3 && g.enabled_ns == 1000 && g.running_ns == 250);
    CHECK(g.value[0] == 100 && g.id[0] == 11 && g.value[2] == 300 && g.id[2] == 13);
    CHECK_NEAR(tb_perf_scale(g.value[0], g.enabled_ns, g.running_ns), 400, 0);
    CHECK_NEAR(tb_perf_scale(g.value[1], g.enabled_ns, g.running_ns), 800, 0);
    CHECK_NEAR(tb_perf_scale(g.value[2], g.enabled_ns, g.running_ns), 1200, 0);
    CHECK_NEAR((double)g.running_ns / (double)g.enabled_ns, 0.25, 0);

    n = load("group-notrun-2.bin", buf, sizeof buf);
    CHECK(tb_perf_decode_group(buf, n, &g) == 0);
    CHECK(isnan(tb_perf_scale(g.value[0], g.enabled_ns, g.running_ns))); /* N/A, not 0 */

    n = load("group-full-2.bin", buf, sizeof buf);
    CHECK(tb_perf_decode_group(buf, n, &g) == 0);
    CHECK(tb_perf_scale(g.value[1], g.enabled_ns, g.running_ns) == 654321.0); /* no scaling */

    n = load("group-short.bin", buf, sizeof buf);
    CHECK(tb_perf_decode_group(buf, n, &g) == -EBADMSG);
    CHECK(tb_perf_decode_group(buf, 8, &g) == -EBADMSG);
    uint64_t huge[3] = { 1000, 1, 1 };
    CHECK(tb_perf_decode_group(huge, sizeof huge, &g) == -EBADMSG);
}

/* Mock: EACCES unless exclude_kernel, then a real software event. */
static int mock_calls;
static int mock_perf(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
    mock_calls++;
    if (!attr->exclude_kernel)
        return -EACCES;
    struct perf_event_attr a = *attr;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    int fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : fd;
}

static void test_retry(void)
{
    tb_shim_set_perf_open(mock_perf);
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    int rc = tb_sampler_perf.open(&ctx, "cycles,instructions", ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    CHECK(rc == 0);
    tb_perf_open_info info;
    tb_perf_last_open(&info);
    CHECK(info.exclude_kernel == 1 && info.retries == 1);
    CHECK(mock_calls == 3); /* leader twice, member once */
    CHECK(nch == 2 && !strcmp(ch[0].name, "cycles"));
    if (rc == 0)
        tb_sampler_perf.close(ctx);
    tb_shim_reset();
}

/* Mock PMU with 4 counters: a 5th group member fails like x86
 * validate_group (EINVAL); LL cache events optionally missing (ENOENT). */
static int grp_members, ll_missing;
static int mock_small_pmu(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd, unsigned long flags)
{
    grp_members = group_fd < 0 ? 1 : grp_members + 1;
    if (grp_members > 4)
        return -EINVAL;
    if (ll_missing && attr->type == PERF_TYPE_HW_CACHE)
        return -ENOENT;
    struct perf_event_attr a = *attr;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    int fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : fd;
}

static void test_split(void)
{
    tb_shim_set_perf_open(mock_small_pmu);
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    ll_missing = 0;
    int rc = tb_sampler_perf.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    CHECK(rc == 0 && nch == 8);
    CHECK(nch == 8 && !strcmp(ch[0].name, "cycles") && !strcmp(ch[4].name, "cache-references"));
    tb_perf_open_info info;
    tb_perf_last_open(&info);
    CHECK(info.software == 0);
    if (rc == 0) {
        tb_raw v[TB_MAX_CHANNELS];
        CHECK(tb_sampler_perf.start(ctx) == 0);
        CHECK(tb_sampler_perf.read(ctx, v) == 0);
        CHECK(tb_sampler_perf.stop(ctx) == 0);
        tb_sampler_perf.close(ctx);
    }
    ll_missing = 1;
    why[0] = '\0';
    rc = tb_sampler_perf.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    CHECK(rc == 0 && nch == 4 && strstr(why, "cache group unavailable"));
    if (rc == 0)
        tb_sampler_perf.close(ctx);
    ll_missing = 0;
    tb_shim_reset();
}

static void test_names(void)
{
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    CHECK(tb_sampler_perf.open(&ctx, "task-clock,no-such-event", ch, TB_MAX_CHANNELS, &nch, why, sizeof why) ==
          -EINVAL);
    CHECK(strstr(why, "no-such-event") != NULL && nch == 0);
    /* an injected ENOENT on every open: no channels, a reason */
    tb_shim_fail(TB_SHIM_PERF_OPEN, NULL, ENOENT);
    tb_probe p;
    CHECK(tb_sampler_perf.probe(&p) == -ENOENT && p.state == TB_AVAIL_ABSENT && p.reason[0]);
    tb_shim_reset();
    tb_shim_fail(TB_SHIM_PERF_OPEN, NULL, EACCES);
    CHECK(tb_sampler_perf.probe(&p) == -EACCES && p.state == TB_AVAIL_DENIED && strstr(p.fix, "paranoid"));
    tb_shim_reset();
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Busy until this thread has had `ms` of CPU (the machine is shared, so
 * wall time would not do), or 5 s of wall time passed. */
static void busy_ms(int ms)
{
    uint64_t end = thread_cpu_ns() + (uint64_t)ms * 1000000ull;
    uint64_t give_up = mono_ns() + 5000000000ull;
    volatile uint64_t x = 0;
    while (thread_cpu_ns() < end && mono_ns() < give_up)
        for (int i = 0; i < 1000; i++)
            x += (uint64_t)i;
}

static void *worker(void *arg)
{
    busy_ms(50);
    return NULL;
}

/* item 20: the real kernel path with software events */
static void test_real_software(void)
{
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    int rc = tb_sampler_perf.open(&ctx, "task-clock,context-switches,page-faults", ch, TB_MAX_CHANNELS, &nch,
                                  why, sizeof why);
    if (rc == -EACCES || rc == -EPERM || rc == -ENOENT || rc == -ENOSYS) {
        fprintf(stderr, "perf software events unavailable here (%s): smoke part skipped\n", why);
        return;
    }
    CHECK(rc == 0 && nch == 3);
    if (rc)
        return;
    CHECK(ch[0].kind == TB_CHAN_TIME && !strcmp(ch[0].unit, "ns"));
    tb_raw v[TB_MAX_CHANNELS];
    CHECK(tb_sampler_perf.start(ctx) == 0);
    busy_ms(50);
    CHECK(tb_sampler_perf.stop(ctx) == 0);
    CHECK(tb_sampler_perf.read(ctx, v) == 0);
    CHECK(v[0].value >= 40000000ull);
    CHECK(v[0].has_times == 1);
    CHECK(v[0].enabled_ns >= v[0].running_ns && v[0].running_ns > 0);
    /* a thread created after open is counted (inherit) */
    CHECK(tb_sampler_perf.start(ctx) == 0);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    CHECK(tb_sampler_perf.stop(ctx) == 0);
    CHECK(tb_sampler_perf.read(ctx, v) == 0);
    CHECK(v[0].value >= 40000000ull);
    tb_sampler_perf.close(ctx);

    /* the hardware group: ENOENT in a guest without vPMU, else live */
    tb_probe p;
    CHECK(tb_sampler_perf.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
    tb_perf_open_info info;
    tb_perf_last_open(&info);
    tb_cpu_id id;
    tb_sys_cpu_id(&id);
    if (info.software) {
        CHECK(strstr(info.hw_reason, "cycles") != NULL);
        CHECK(strstr(p.reason, "software events only") != NULL);
        fprintf(stderr, "hardware PMU absent here: %s\n", info.hw_reason);
    }
}

int main(void)
{
    test_decode();
    test_retry();
    test_split();
    test_names();
    test_real_software();
    TEST_DONE();
}
