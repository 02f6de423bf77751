/* cpu-arch.h - the architecture boundary of kernels/: what only an
 * architecture's own code can do, implemented once per architecture in
 * kernels/<arch>/cpu-<arch>.c (x86, arm, generic; CMake compiles the one of
 * the target, cmake/isa-flags.cmake).  Internal to kernels/. */
#ifndef TB_CPU_ARCH_H
#define TB_CPU_ARCH_H

#include <stdint.h>

/* The TB_ISA_* bits this CPU (and OS) supports, probed afresh: no cache,
 * no cap (tb_isa_detect in isa.c caches it). */
uint32_t tb_cpu_detect_isa(void);
/* One spin-wait hint (x86 pause, Arm yield) for busy-wait loops. */
void tb_cpu_relax(void);

#endif
