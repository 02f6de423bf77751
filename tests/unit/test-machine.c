/* test-machine.c - fingerprint parsing from fixture /proc and /sys trees
 * (tests/fixtures/machine/client: a 2-core/4-thread Intel laptop), given
 * explicitly or through the platform's TRITBENCH_*_ROOT variables. */
#include "tb-machine.h"
#include "tb-test.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    tb_machine m, m2;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    CHECK(strcmp(m.vendor, "GenuineIntel") == 0);
    CHECK(strcmp(m.brand, "13th Gen Intel(R) Core(TM) i7-13700H") == 0);
    CHECK(m.family == 6 && m.model == 183 && m.stepping == 1);
    CHECK(strcmp(m.microcode, "0x4129") == 0);
    CHECK(strcmp(m.isa_flags, "sse4_2 avx f16c fma avx2 bmi2 avx_vnni") == 0);
    CHECK(m.threads == 4 && m.sockets == 1 && m.cores == 2 && m.smt_on == 1);
    CHECK(m.l1d == 48 << 10 && m.l1i == 32 << 10 && m.l2 == 2048 << 10 && m.l3 == 24576LL << 10);
    CHECK(m.mem_bytes == 32594432LL * 1024);
    CHECK(m.numa_nodes == 1);
    CHECK(strcmp(m.kernel, "6.1.0-27-amd64") == 0);
    CHECK(strcmp(m.hostname, "fixture-host") == 0);
    CHECK(strcmp(m.hypervisor, "none") == 0);
    CHECK(strcmp(m.governor, "powersave") == 0);
    CHECK(strcmp(m.boost, "on") == 0); /* intel_pstate/no_turbo = 0 */
    CHECK(m.freq_min_khz == 400000 && m.freq_max_khz == 5000000);
    CHECK(strcmp(m.thp, "madvise") == 0);
    CHECK(m.aslr == 2 && m.perf_event_paranoid == 2);
    CHECK(strlen(m.fingerprint) == 16);

    /* Same fields -> same fingerprint; hostname is not part of it; a
     * performance-relevant field changes it. */
    tb_machine_probe_at(&m2, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    CHECK(strcmp(m.fingerprint, m2.fingerprint) == 0);
    strcpy(m2.hostname, "other");
    tb_machine_fingerprint(&m2);
    CHECK(strcmp(m.fingerprint, m2.fingerprint) == 0);
    strcpy(m2.governor, "performance");
    tb_machine_fingerprint(&m2);
    CHECK(strcmp(m.fingerprint, m2.fingerprint) != 0);
    /* kernel patch level does not change it, major.minor does */
    tb_machine_probe_at(&m2, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    strcpy(m2.kernel, "6.1.0-99-amd64");
    tb_machine_fingerprint(&m2);
    CHECK(strcmp(m.fingerprint, m2.fingerprint) == 0);
    strcpy(m2.kernel, "6.5.0-1-amd64");
    tb_machine_fingerprint(&m2);
    CHECK(strcmp(m.fingerprint, m2.fingerprint) != 0);

    /* tb_machine_probe reads the platform's roots: the same tree through
     * TRITBENCH_PROC_ROOT / TRITBENCH_SYSFS_ROOT gives the same machine. */
    setenv("TRITBENCH_PROC_ROOT", TB_FIXTURES "/machine/client/proc", 1);
    setenv("TRITBENCH_SYSFS_ROOT", TB_FIXTURES "/machine/client/sys", 1);
    tb_machine_probe(&m2);
    unsetenv("TRITBENCH_PROC_ROOT");
    unsetenv("TRITBENCH_SYSFS_ROOT");
    CHECK(strcmp(m.fingerprint, m2.fingerprint) == 0 && strcmp(m2.hostname, "fixture-host") == 0);
    CHECK(m2.os[0] == 0); /* a fixture tree: /etc/os-release is not the fixture's */

    /* Missing tree: every field unknown, no crash. */
    tb_machine_probe_at(&m, "/nonexistent/proc", "/nonexistent/sys");
    CHECK(m.family == -1 && m.l3 == -1 && m.mem_bytes == -1 && m.governor[0] == 0);
    char json[4096];
    CHECK(tb_machine_json(&m, json, sizeof json) > 0);
    CHECK(strstr(json, "\"l3_bytes\":null") != NULL);
    TEST_DONE();
}
