/* test-likwid.c - the likwid adapter against the REAL installed liblikwid
 * (energy-study s13 item 23).  The probe runs the library in a child, so
 * an unknown CPU (likwid prints and may exit) cannot take the harness
 * down; perfmon_init < 0 and power_init <= 0 (the undocumented -1
 * included) must map to a non-live status with a reason and a fix. */
#include "sampler-test.h"

#include <math.h>
#include <sys/wait.h>

#if TB_HAVE_LIKWID
#include <likwid.h>
#endif

int main(void)
{
    tb_probe p1, p2;
    int rc1 = tb_sampler_likwid.probe(&p1);
    int rc2 = tb_sampler_likwid.probe(&p2);
    fprintf(stderr, "likwid: %s: %s (fix: %s) [%s]\n", tb_avail_names[p1.state], p1.reason, p1.fix, p1.version);
    CHECK((rc1 == 0) == (p1.state == TB_AVAIL_LIVE));
    CHECK(rc1 == rc2 && p1.state == p2.state && !strcmp(p1.reason, p2.reason));
#if !TB_HAVE_LIKWID
    CHECK(p1.state == TB_AVAIL_ABSENT && strstr(p1.reason, "built without likwid"));
#else
    /* topology works everywhere likwid runs; guard name == NULL.  In a
     * child: the library keeps allocations past topology_finalize, which
     * LeakSanitizer would charge to this test (_exit skips its report). */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int trc = topology_init();
        CpuInfo_t ci = trc == 0 ? get_cpuInfo() : NULL;
        if (ci)
            fprintf(stderr, "likwid cpu: family %u model %u name %s\n", ci->family, ci->model,
                    ci->name ? ci->name : "(null)");
        _exit(trc == 0 && ci ? 0 : 1);
    }
    int st = -1;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (p1.state != TB_AVAIL_LIVE) {
        CHECK(p1.reason[0] != '\0' && p1.fix[0] != '\0');
        CHECK(strstr(p1.reason, "perfmon_init") != NULL || strstr(p1.reason, "groups") != NULL ||
              strstr(p1.reason, "topology_init") != NULL);
        CHECK(p1.state == TB_AVAIL_UNSUPPORTED || p1.state == TB_AVAIL_ABSENT ||
              p1.state == TB_AVAIL_DENIED || p1.state == TB_AVAIL_VIRTUALIZED);
    } else {
        /* live: the set must give readings from a real group */
        static const tb_sampler *const only[] = { &tb_sampler_likwid, NULL };
        tb_sampler_set_use_registry(only);
        tb_sampler_set *s = NULL;
        CHECK(tb_sampler_set_open("likwid", NULL, &s) == 0);
        tb_reading r[TB_MAX_CHANNELS];
        int n = 0;
        CHECK(tb_sampler_set_begin(s) == 0);
        volatile double x = 1;
        for (int i = 0; i < 10000000; i++)
            x = x * 1.0000001 + 1e-9;
        CHECK(tb_sampler_set_end(s, r, TB_MAX_CHANNELS, &n) == 0);
        CHECK(n > 0);
        tb_sampler_set_close(s);
        tb_sampler_set_use_registry(NULL);
    }
#endif
    TEST_DONE();
}
