/* fuzz-steal.c - the /proc/stat steal-time parser (platform-cpu.c). */
#include "fuzz.h"
#include "tb-platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t ticks;
    int ncpu;
    int rc = tb_plat_steal_parse((const char *)data, size, &ticks, &ncpu);
    if (rc == 0 && ticks < 0)
        abort(); /* a parsed steal count is never negative */
    return 0;
}
