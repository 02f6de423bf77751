/* platform-generic.c - tb-platform.h's architecture boundary for a target
 * that is neither x86-64 nor AArch64: nothing the CPU could say is known. */
#include "tb-platform.h"

int tb_plat_cpuinfo_tells_guest(void) { return 0; }

int tb_plat_cpu_hypervisor(char *v, size_t len)
{
    (void)v;
    (void)len;
    return -ENOSYS;
}
