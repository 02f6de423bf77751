/* test-vm-golden.c - availability golden test for a KVM guest without
 * PMU or RAPL (energy-study s13 item 21), through the REAL paths: energy
 * samplers absent or virtualized, MSR absent, hardware perf group ENOENT
 * with software events live, every non-live status with a reason, and no
 * reading from anything unavailable.  Skipped (77) on bare metal. */
#include "sampler-test.h"

#include <math.h>

int main(void)
{
    st_reset_roots();
    tb_cpu_id id;
    if (tb_sys_cpu_id(&id) < 0 || !id.hypervisor) {
        fprintf(stderr, "not a guest (no hypervisor flag): skipped\n");
        return 77;
    }
    if (access("/sys/class/powercap/intel-rapl:0", F_OK) == 0 || access("/dev/cpu/0/msr", F_OK) == 0) {
        fprintf(stderr, "this guest exposes RAPL or MSRs: not the golden layout, skipped\n");
        return 77;
    }
    tb_probe p;
    CHECK(tb_sampler_powercap.probe(&p) < 0);
    CHECK(p.state == TB_AVAIL_ABSENT || p.state == TB_AVAIL_VIRTUALIZED);
    CHECK(p.reason[0] && p.fix[0]);
    CHECK(tb_sampler_perf_power.probe(&p) < 0);
    CHECK(p.state == TB_AVAIL_ABSENT || p.state == TB_AVAIL_VIRTUALIZED);
    CHECK(p.reason[0] && p.fix[0]);
    CHECK(tb_sampler_msr.probe(&p) < 0);
    CHECK(p.state == TB_AVAIL_ABSENT && strstr(p.reason, "/dev/cpu/0/msr"));
    CHECK(tb_sampler_nvml.probe(&p) < 0 && p.state == TB_AVAIL_ABSENT);
    CHECK(tb_sampler_perf.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
    tb_perf_open_info info;
    tb_perf_last_open(&info);
    if (info.software) /* no vPMU: the hardware group failed with ENOENT */
        CHECK(strstr(info.hw_reason, "No such file or directory") != NULL);

    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("all", NULL, &s) == 0);
    tb_reading r[128];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    volatile uint64_t x = 0;
    for (int i = 0; i < 5000000; i++)
        x += (uint64_t)i;
    CHECK(tb_sampler_set_end(s, r, 128, &n) == 0);
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        CHECK(!strcmp(r[i].sampler, "perf")); /* the only live sampler here */
        CHECK(r[i].chan.kind != TB_CHAN_ENERGY);
    }
    tb_sampler_set_close(s);
    TEST_DONE();
}
