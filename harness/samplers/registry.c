/* registry.c - owns the one list of samplers built into this binary.
 * Order: energy layer (powercap, perf-power, msr, nvml), then the counter
 * layer (perf, papi, likwid).  PAPI and likwid are always listed; built
 * without their library they probe "absent" and say how to get them. */
#include "tb-sampler-internal.h"

const tb_sampler *const tb_samplers[] = {
    &tb_sampler_powercap,
    &tb_sampler_perf_power,
    &tb_sampler_msr,
    &tb_sampler_nvml,
    &tb_sampler_perf,
    &tb_sampler_papi,
    &tb_sampler_likwid,
    NULL,
};
