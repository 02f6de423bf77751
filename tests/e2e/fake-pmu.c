/* fake-pmu.c - a scripted hardware instruction counter for tests, loaded
 * with LD_PRELOAD into tritbench (built only for tests: target
 * tb-fake-pmu).  It interposes syscall(2), ioctl(2), read(2) and close(2):
 *   perf_event_open of PERF_TYPE_HARDWARE / PERF_COUNT_HW_INSTRUCTIONS
 *     with exclude_kernel and read_format TOTAL_TIME_ENABLED|RUNNING (what
 *     `tritbench ab --instructions` asks for) returns a descriptor of
 *     /dev/null standing for the counter; any other attr gets EINVAL, any
 *     other system call goes to the real syscall(2);
 *   PERF_EVENT_IOC_RESET / ENABLE / DISABLE on it keep the enabled time
 *     (the real clock between ENABLE and DISABLE);
 *   read(2) of it returns {count, time enabled, time running}: the i-th
 *     read in a process returns the i-th count scripted for the process's
 *     executable in TB_FAKE_PMU_COUNTS="NAME=C1,C2,...;NAME2=..." (NAME:
 *     the basename of /proc/self/exe); a process without an entry, or past
 *     its list, reads EIO.  TB_FAKE_PMU_MUX=1 reports time running = half
 *     the time enabled (a multiplexed counter).
 * So the real counting path of the child (open, reset, enable, read, the
 * checks) and the parent's arithmetic and verdict run on a machine
 * without a PMU. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define FAKE_MAX_COUNTS 16

static int fake_fd = -1;
static int nreads;
static int enabled;
static uint64_t enabled_ns, since_ns;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The K-th scripted count of this executable; 0, or -1 when there is none. */
static int scripted(int k, uint64_t *out)
{
    const char *env = getenv("TB_FAKE_PMU_COUNTS");
    char exe[4096], self[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!env || n <= 0)
        return -1;
    exe[n] = '\0';
    snprintf(self, sizeof self, "%s", basename(exe));
    size_t sl = strlen(self);
    for (const char *e = env; *e;) {
        const char *end = strchr(e, ';');
        size_t len = end ? (size_t)(end - e) : strlen(e);
        if (len > sl && !strncmp(e, self, sl) && e[sl] == '=') {
            const char *v = e + sl + 1;
            for (int i = 0; i < FAKE_MAX_COUNTS && v < e + len; i++) {
                char *next;
                unsigned long long c = strtoull(v, &next, 10);
                if (next == v)
                    return -1;
                if (i == k) {
                    *out = c;
                    return 0;
                }
                v = *next == ',' ? next + 1 : e + len;
            }
            return -1;
        }
        e = end ? end + 1 : e + len;
    }
    return -1;
}

long syscall(long nr, ...)
{
    va_list ap;
    long a[6];
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (nr == SYS_perf_event_open) {
        const struct perf_event_attr *at = (const struct perf_event_attr *)a[0];
        if (at->type != PERF_TYPE_HARDWARE || at->config != PERF_COUNT_HW_INSTRUCTIONS || !at->exclude_kernel ||
            at->read_format != (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING) || a[1] != 0) {
            errno = EINVAL;
            return -1;
        }
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            fake_fd = fd;
            nreads = 0;
            enabled = !at->disabled;
            enabled_ns = 0;
            since_ns = now_ns();
        }
        return fd;
    }
    static long (*real)(long, ...);
    if (!real)
        real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
    return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd >= 0 && fd == fake_fd) {
        uint64_t t = now_ns();
        if (req == PERF_EVENT_IOC_RESET) {
            enabled_ns = 0;
            since_ns = t;
        } else if (req == PERF_EVENT_IOC_ENABLE) {
            if (!enabled)
                since_ns = t;
            enabled = 1;
        } else if (req == PERF_EVENT_IOC_DISABLE) {
            if (enabled)
                enabled_ns += t - since_ns;
            enabled = 0;
        } else {
            errno = ENOTTY;
            return -1;
        }
        return 0;
    }
    static int (*real)(int, unsigned long, ...);
    if (!real)
        real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    return real(fd, req, arg);
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (fd >= 0 && fd == fake_fd) {
        uint64_t v[3];
        if (scripted(nreads++, &v[0]) < 0) {
            errno = EIO;
            return -1;
        }
        v[1] = enabled_ns + (enabled ? now_ns() - since_ns : 0);
        if (v[1] == 0)
            v[1] = 1;
        const char *mux = getenv("TB_FAKE_PMU_MUX");
        v[2] = mux && *mux == '1' ? v[1] / 2 : v[1];
        if (n > sizeof v)
            n = sizeof v;
        memcpy(buf, v, n);
        return (ssize_t)n;
    }
    static ssize_t (*real)(int, void *, size_t);
    if (!real)
        real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    return real(fd, buf, n);
}

int close(int fd)
{
    if (fd >= 0 && fd == fake_fd)
        fake_fd = -1;
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    return real(fd);
}
