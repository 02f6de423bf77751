/* fuzz-perf-power-event.c - the perf power PMU event file parser
 * ("event=0x02", tb_perf_power_parse_event). */
#include "fuzz.h"
#include "samplers/tb-sampler-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    uint64_t config;
    if (tb_perf_power_parse_event(s, &config) == 0 && config > 0xff)
        abort();
    free(s);
    return 0;
}
