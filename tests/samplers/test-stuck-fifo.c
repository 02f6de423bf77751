/* test-stuck-fifo.c - fixture trees for two failure shapes of real system
 * files: an energy counter that does not move (the powercap client
 * fixture's energy_uj files never change: every window, idle baseline
 * included, reads NAN with the not_updated flag and a reason, never 0 J or
 * 0 W), and a FIFO planted where sysfs, procfs or /dev has a file (every
 * reader opens non-blocking and refuses it with a reason instead of
 * hanging; an alarm fails the test if anything blocks). */
#include "sampler-test.h"

#include <math.h>
#include <signal.h>
#include <time.h>

#include "samplers/tb-sampler-extra.h"

static const tb_sampler *const only_powercap[] = { &tb_sampler_powercap, NULL };

static void test_counter_not_moving(void)
{
    st_use_fixture("powercap/client");
    tb_sampler_set_use_registry(only_powercap);
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("powercap", NULL, &s) == 0);
    CHECK(tb_sampler_set_has_energy(s));
    tb_reading r[TB_MAX_CHANNELS];
    int n = 0;
    /* one window (a repetition) */
    CHECK(tb_sampler_set_begin(s) == 0);
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
    CHECK(tb_sampler_set_end(s, r, TB_MAX_CHANNELS, &n) == 0);
    CHECK(n == 4);
    for (int i = 0; i < n; i++) {
        CHECK(isnan(r[i].value) && r[i].raw_delta == 0);
        CHECK(strstr(r[i].flag, "not_updated") != NULL);
        CHECK(strstr(r[i].reason, r[i].chan.name) && strstr(r[i].reason, "did not change"));
    }
    /* the idle baseline: NAN watts, same flag and reason, so no net
     * joules are ever computed against 0 W */
    CHECK(tb_sampler_set_idle_baseline(s, 0.03, r, TB_MAX_CHANNELS, &n) == 0);
    CHECK(n == 4);
    for (int i = 0; i < n; i++) {
        CHECK(isnan(r[i].value) && r[i].chan.kind == TB_CHAN_POWER && !strcmp(r[i].chan.unit, "W"));
        CHECK(strstr(r[i].flag, "not_updated") != NULL && r[i].reason[0]);
        CHECK(isnan(tb_energy_net(2.0, r[i].value, 0.5)));
    }
    tb_sampler_set_close(s);
    tb_sampler_set_use_registry(NULL);
}

/* The powercap fixture copied to a temp tree with REL replaced by a FIFO. */
static void fifo_tree(char *root, size_t len, const char *rel)
{
    st_tmpdir(root, len);
    st_write(root, "sys/class/powercap/intel-rapl:0/name", "package-0\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/energy_uj", "123\n");
    st_write(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nflags\t\t: fpu msr\n");
    st_write(root, "proc/stat", "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 0\n");
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    st_mkdirs(p);
    unlink(p);
    if (mkfifo(p, 0644) < 0) {
        perror("mkfifo");
        exit(2);
    }
    st_use_roots(root);
}

static void test_fifos(void)
{
    static const char *const pc_files[] = {
        "sys/class/powercap/intel-rapl:0/energy_uj",
        "sys/class/powercap/intel-rapl:0/name",
        "sys/class/powercap/intel-rapl:0/max_energy_range_uj",
    };
    char root[64];
    for (size_t i = 0; i < sizeof pc_files / sizeof pc_files[0]; i++) {
        fifo_tree(root, sizeof root, pc_files[i]);
        tb_probe p;
        CHECK(tb_sampler_powercap.probe(&p) < 0);
        CHECK(p.state == TB_AVAIL_IO_ERROR && strstr(p.reason, "not a regular file"));
        if (!strstr(p.reason, "not a regular file"))
            fprintf(stderr, "%s: reason '%s'\n", pc_files[i], p.reason);
        st_rmtree(root);
    }
    /* the platform readers: cpuinfo, /proc/stat, small sysfs files */
    fifo_tree(root, sizeof root, "proc/cpuinfo");
    tb_cpuinfo ci;
    CHECK(tb_plat_cpuinfo(&ci) == -TB_EFTYPE && ci.family == -1);
    st_rmtree(root);
    fifo_tree(root, sizeof root, "proc/stat");
    tb_plat_steal st;
    CHECK(tb_plat_steal_read(&st) == -TB_EFTYPE && st.ticks == -1);
    st_rmtree(root);
    fifo_tree(root, sizeof root, "sys/devices/system/cpu/online");
    char path[1024], buf[64];
    int64_t v;
    CHECK(tb_plat_path(TB_ROOT_SYS, "devices/system/cpu/online", path, sizeof path) == 0);
    CHECK(tb_plat_read_text(path, buf, sizeof buf) == -TB_EFTYPE);
    CHECK(tb_plat_read_int64(path, &v) == -TB_EFTYPE);
    CHECK(tb_sys_read_text("/sys/devices/system/cpu/online", buf, sizeof buf) == -TB_EFTYPE);
    /* a directory where a file belongs */
    CHECK(tb_sys_open("/sys/devices/system/cpu", O_RDONLY) == -TB_EFTYPE);
    /* samplers never open for writing */
    CHECK(tb_sys_open("/sys/class/powercap/intel-rapl:0/name", O_RDWR) == -EINVAL);
    st_rmtree(root);
    /* /dev: a FIFO as the MSR device is refused; a regular file (recorded
     * fixture) or a character device is accepted */
    fifo_tree(root, sizeof root, "dev/cpu/0/msr");
    CHECK(tb_sys_open("/dev/cpu/0/msr", O_RDONLY) == -TB_EFTYPE);
    st_write(root, "dev/cpu/1/msr", "x");
    int fd = tb_sys_open("/dev/cpu/1/msr", O_RDONLY);
    CHECK(fd >= 0);
    tb_sys_close(fd);
    st_rmtree(root);
    st_reset_roots();
    fd = tb_plat_open_ro("/dev/null", TB_FILE_DEV);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(tb_plat_open_ro("/dev/null", TB_FILE_REG) == -TB_EFTYPE);
    CHECK(strstr(tb_plat_strerror(-TB_EFTYPE), "not a regular file") != NULL);
}

static void on_alarm(int sig)
{
    static const char m[] = "test-stuck-fifo: a reader blocked for 20 s (a FIFO was opened blocking)\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(1);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    alarm(20);
    test_counter_not_moving();
    test_fifos();
    st_reset_roots();
    TEST_DONE();
}
