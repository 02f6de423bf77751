/* fuzz-perf-power-cpumask.c - the PMU cpumask parser ("0,64", "0-3",
 * tb_perf_power_parse_cpumask) into a small array. */
#include "fuzz.h"
#include "samplers/tb-sampler-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    int cpus[16], n = -1;
    int rc = tb_perf_power_parse_cpumask(s, cpus, 16, &n);
    if (n < 0 || n > 16 || (rc == 0 && n == 0))
        abort();
    for (int i = 0; rc == 0 && i < n; i++)
        if (cpus[i] < 0)
            abort();
    free(s);
    return 0;
}
