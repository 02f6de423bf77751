/* platform-clock.c - owns the clocks (see tb-platform.h): monotonic raw
 * time for measurement, process and thread CPU time, clock resolution and
 * ISO-8601 UTC timestamps.  Also the runner's old names as aliases. */
#define _GNU_SOURCE
#include "tb-platform.h"

#include <math.h>
#include <time.h>

static uint64_t read_ns(clockid_t id)
{
    struct timespec t;
    if (clock_gettime(id, &t) != 0)
        return 0;
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

uint64_t tb_plat_now_ns(void) { return read_ns(CLOCK_MONOTONIC_RAW); }
uint64_t tb_plat_cpu_ns(void) { return read_ns(CLOCK_PROCESS_CPUTIME_ID); }
uint64_t tb_plat_thread_cpu_ns(void) { return read_ns(CLOCK_THREAD_CPUTIME_ID); }

double tb_plat_clock_res_ns(void)
{
    struct timespec r;
    if (clock_getres(CLOCK_MONOTONIC_RAW, &r) != 0)
        return NAN;
    return (double)r.tv_sec * 1e9 + (double)r.tv_nsec;
}

void tb_plat_utc_now(char *buf, size_t len)
{
    struct timespec t;
    struct tm tm;
    if (!len)
        return;
    buf[0] = 0;
    if (clock_gettime(CLOCK_REALTIME, &t) != 0 || !gmtime_r(&t.tv_sec, &tm))
        return;
    if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = 0;
}

