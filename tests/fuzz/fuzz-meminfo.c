/* fuzz-meminfo.c - the /proc/meminfo parser (tb_plat_meminfo_parse). */
#include "fuzz.h"
#include "tb-platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t b;
    if (tb_plat_meminfo_parse((const char *)data, size, "MemTotal", &b) == 0 && b < 0)
        abort();
    tb_plat_meminfo_parse((const char *)data, size, "MemAvailable", &b);
    return 0;
}
