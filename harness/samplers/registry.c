/* registry.c - owns the one list of samplers built into this binary and
 * the one list of pseudo-samplers (always-live sources without channels).
 * Sampler order: energy layer (powercap, perf-power, msr, nvml), then the
 * counter layer (perf, papi, likwid).  PAPI and likwid are always listed;
 * built without their library they probe "absent" and say how to get
 * them.  Pseudo-samplers: clock (the runner's timer), energy-model (the
 * arithmetic in energy-model.c); status tables list them after the
 * samplers. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static int clock_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    p->state = TB_AVAIL_LIVE;
    struct timespec r;
    if (clock_getres(CLOCK_MONOTONIC_RAW, &r) == 0)
        snprintf(p->version, sizeof p->version, "CLOCK_MONOTONIC_RAW res %.0f ns",
                 (double)r.tv_sec * 1e9 + (double)r.tv_nsec);
    else
        snprintf(p->version, sizeof p->version, "CLOCK_MONOTONIC_RAW");
    return 0;
}

static int energy_model_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    p->state = TB_AVAIL_LIVE;
    snprintf(p->version, sizeof p->version, "arXiv 2310.11453 Table 2 (45nm, 7nm)");
    return 0;
}

const tb_pseudo_sampler tb_pseudo_samplers[] = {
    { .name = "clock", .desc = "wall time of every repetition", .probe = clock_probe },
    { .name = "energy-model", .desc = "modelled energy from op counts (pJ/op table)",
      .probe = energy_model_probe },
    { .name = NULL },
};
