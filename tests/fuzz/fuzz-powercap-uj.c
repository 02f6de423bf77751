/* fuzz-powercap-uj.c - the powercap energy_uj parser
 * (tb_powercap_parse_uj); the input's first 8 bytes, when present, are
 * the max_energy_range_uj it is checked against. */
#include "fuzz.h"
#include "samplers/tb-sampler-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t max = 0, v = 0;
    if (size >= 8) {
        memcpy(&max, data, 8);
        data += 8;
        size -= 8;
    }
    if (tb_powercap_parse_uj((const char *)data, size, max, &v) == 0 && max && v > max)
        abort(); /* accepted above the range */
    return 0;
}
