/* fuzz-sysfs-int.c - the integer parser behind every sysfs and procfs
 * integer read (tb_plat_parse_int64); a value it accepts prints back as
 * text it parses to the same value. */
#include "fuzz.h"
#include "tb-platform.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t v, w;
    if (tb_plat_parse_int64((const char *)data, size, &v) == 0) {
        char back[32];
        int n = snprintf(back, sizeof back, "%lld\n", (long long)v);
        if (tb_plat_parse_int64(back, (size_t)n, &w) != 0 || w != v)
            abort();
    }
    return 0;
}
