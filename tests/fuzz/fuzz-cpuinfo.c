/* fuzz-cpuinfo.c - the /proc/cpuinfo parser (platform-cpu.c) and the
 * flag lookup on what it kept. */
#include "fuzz.h"
#include "tb-platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tb_cpuinfo ci;
    tb_plat_cpuinfo_parse((const char *)data, size, &ci);
    if (memchr(ci.flags, 0, sizeof ci.flags) == NULL || memchr(ci.vendor, 0, sizeof ci.vendor) == NULL ||
        memchr(ci.brand, 0, sizeof ci.brand) == NULL || ci.processors < 0 || ci.packages < 0)
        abort();
    tb_cpuinfo_has_flag(&ci, "avx2");
    tb_cpuinfo_has_flag(&ci, "");
    return 0;
}
