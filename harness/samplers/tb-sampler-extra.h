/* tb-sampler-extra.h - sampler-set helpers beyond tb-sampler.h that the
 * runner and report use: idle baseline and net energy. */
#ifndef TB_SAMPLER_EXTRA_H
#define TB_SAMPLER_EXTRA_H

#include "tb-sampler.h"

/* Measure an idle window of `seconds` (the caller keeps the CPU idle: it
 * sleeps here) and fill out[0..*n) with one reading per energy channel:
 * chan.kind = TB_CHAN_POWER, chan.unit = "W", value = idle watts
 * (joules / window), window_ns and flags as for an ordinary window.  An
 * unusable channel gets value NAN and a flag.  0 or -errno. */
int tb_sampler_set_idle_baseline(tb_sampler_set *s, double seconds,
                                 tb_reading *out, int max, int *n);

/* 1 when at least one energy channel is open in the set (the CLI then
 * measures an idle baseline), else 0. */
int tb_sampler_set_has_energy(const tb_sampler_set *s);

/* E_net = E_gross - P_idle * T.  A negative result is returned as is; the
 * caller stores it and flags it ("negative_net"). */
double tb_energy_net(double gross_j, double idle_w, double window_s);

#endif
