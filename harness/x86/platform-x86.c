/* platform-x86.c - x86-64 side of tb-platform.h's architecture boundary:
 * the cpuinfo "hypervisor" flag and CPUID's hypervisor vendor leaf. */
#include "tb-platform.h"

#include <cpuid.h>
#include <string.h>

int tb_plat_cpuinfo_tells_guest(void) { return 1; }

int tb_plat_cpu_hypervisor(char *v, size_t len)
{
    if (len < 13)
        return -EINVAL;
    unsigned a, b, c, d;
    __cpuid(0x40000000, a, b, c, d); /* hypervisor vendor leaf: EBX ECX EDX */
    memcpy(v, &b, 4);
    memcpy(v + 4, &c, 4);
    memcpy(v + 8, &d, 4);
    v[12] = 0;
    return 0;
}
