/* platform-arm.c - AArch64 side of tb-platform.h's architecture boundary.
 * AArch64 has no cpuinfo flag for a guest and no unprivileged instruction
 * that names a hypervisor (SMCCC calls need EL1), so only
 * /sys/hypervisor/type (read by machine.c) can name one. */
#include "tb-platform.h"

int tb_plat_cpuinfo_tells_guest(void) { return 0; }

int tb_plat_cpu_hypervisor(char *v, size_t len)
{
    (void)v;
    (void)len;
    return -ENOSYS;
}
