/* cpu-generic.c - kernels/cpu-arch.h for a target that is neither x86-64
 * nor AArch64: no SIMD variant is built there, so no feature bit is
 * reported, and the spin hint is only a compiler barrier. */
#include "cpu-arch.h"

uint32_t tb_cpu_detect_isa(void) { return 0; }

void tb_cpu_relax(void) { __asm__ volatile("" ::: "memory"); }
