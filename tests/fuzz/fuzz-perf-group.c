/* fuzz-perf-group.c - decoding of a perf group read buffer
 * (tb_perf_decode_group: nr, times, nr value/id pairs). */
#include "fuzz.h"
#include "samplers/tb-sampler-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tb_perf_group_read g;
    if (tb_perf_decode_group(data, size, &g) == 0 && (g.nr > TB_MAX_CHANNELS || 24 + g.nr * 16 > size))
        abort(); /* accepted more than the buffer holds */
    return 0;
}
