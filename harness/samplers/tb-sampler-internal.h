/* tb-sampler-internal.h - what the samplers share among themselves and
 * expose to tests: the pure decoding functions, each back end's probe
 * details, and the sampler objects.  Not for the runner (tb-sampler.h and
 * tb-sampler-extra.h are its interface). */
#ifndef TB_SAMPLER_INTERNAL_H
#define TB_SAMPLER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tb-sampler.h"

extern const tb_sampler tb_sampler_powercap, tb_sampler_perf_power, tb_sampler_msr,
    tb_sampler_nvml, tb_sampler_perf, tb_sampler_papi, tb_sampler_likwid;

/* errno -> availability (ENOENT absent, EACCES/EPERM denied, EINVAL and
 * EOPNOTSUPP unsupported, EIO io_error). */
tb_avail tb_avail_from_errno(int err);
/* Fill a probe; `err` is a positive errno or 0 and only picks the state
 * when `state` < 0. Returns 0 when live else -err (or -ENODEV). */
int tb_probe_set(tb_probe *p, int state, int err, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- counter arithmetic (counter-delta.c) ---- */
/* Keep the low `width` bits of a raw register (width 64 = all). */
uint64_t tb_counter_mask(uint64_t raw, int width);
/* Seconds for a counter of modulus `wrap` ticks of `scale` J to wrap at
 * `pmax_w` watts; INFINITY for wrap 0. */
double tb_energy_wrap_s(uint64_t wrap, double scale, double pmax_w);
/* Pre-flight check of a poll interval against the wrap period. */
enum tb_guard_verdict { TB_GUARD_OK = 0, TB_GUARD_MISSED_WRAP_RISK = 1 };
enum tb_guard_verdict tb_energy_poll_check(double interval_s, double wrap_s);
/* Two equal reads `elapsed_s` apart: 0 = no energy, 1 = ambiguous
 * (a full wrap could hide in the interval). */
int tb_energy_equal_ambiguous(double elapsed_s, double wrap_s);
/* Mean power over [t0, t1] (midpoint timestamps, ns).  -EINVAL if t1 <= t0. */
int tb_energy_power(double joules, int64_t t0_ns, int64_t t1_ns, double *watts);
/* Default P_max for wrap planning: TRITBENCH_PMAX_W or 1000 W. */
double tb_energy_pmax_w(void);
/* P_max for one channel: TRITBENCH_PMAX_W if set, else the channel's own
 * pmax_w (capped at 1000 W), else tb_energy_pmax_w(). */
double tb_energy_chan_pmax_w(const tb_chan *c);

/* ---- powercap (powercap.c) ---- */
#define TB_POWERCAP_MAX_ZONES 32
typedef struct tb_powercap_zone {
    char dir[48];        /* "intel-rapl:0:1" */
    char name[32];       /* contents of `name`: "package-0", "core", "psys" */
    char chan[40];       /* channel name: "package-0", "core-0", "psys" */
    char domain[16];     /* package|core|uncore|dram|psys */
    int socket;          /* package number; -1 for psys (platform) */
    int mmio;            /* from intel-rapl-mmio */
    int duplicate;       /* mmio duplicate of an intel-rapl zone: skipped */
    int parent;          /* index of the parent zone, -1 for top level */
    uint64_t max_range_uj;
    int nconstraints;
    struct { char name[16]; uint64_t limit_uw, window_us, max_uw; } constraint[3];
} tb_powercap_zone;
/* Scan /sys/class/powercap (under the sysfs root).  0 or -errno. */
int tb_powercap_scan(tb_powercap_zone *z, int max, int *n, char *why, size_t len);
/* Parse an energy_uj text ("123\n"): 0, or -EBADMSG for garbage/empty,
 * -ERANGE when above max_range (0 = no bound) or over 2^64. */
int tb_powercap_parse_uj(const char *s, size_t n, uint64_t max_range, uint64_t *out);

/* ---- MSR (msr.c) ---- */
typedef struct tb_msr_units {
    double power_w;    /* 1/2^PU W */
    double energy_j;   /* 1/2^ESU J, or the Atom formula */
    double time_s;     /* 1/2^TU s */
    int esu;
} tb_msr_units;
/* Decode MSR_RAPL_POWER_UNIT (Intel 0x606 / AMD 0xC0010299).  `intel_model`
 * picks the Atom SLM/AMT formula; pass -1 for AMD.  0 or -EINVAL. */
int tb_msr_decode_units(uint64_t raw, int intel_model, tb_msr_units *u);
/* Energy unit in J of one Intel RAPL domain ("package", "core", "uncore",
 * "dram", "psys") on a model, with the fixed-unit quirks applied. */
double tb_msr_domain_unit(const char *domain, int intel_model, const tb_msr_units *u);
/* Kernel's powercap value for a raw count: raw * floor(1e9/2^ESU) / 1000 (uJ). */
uint64_t tb_msr_kernel_uj(uint64_t raw, int esu);

/* ---- perf (perf.c) ---- */
typedef struct tb_perf_group_read {
    uint64_t nr, enabled_ns, running_ns;
    uint64_t value[TB_MAX_CHANNELS], id[TB_MAX_CHANNELS];
} tb_perf_group_read;
/* Decode a PERF_FORMAT_GROUP|ID|TOTAL_TIME_ENABLED|TOTAL_TIME_RUNNING
 * buffer of `len` bytes.  0 or -EBADMSG (short, nr too large). */
int tb_perf_decode_group(const void *buf, size_t len, tb_perf_group_read *g);
/* Scaled estimate value * enabled / running; NAN when running == 0. */
double tb_perf_scale(uint64_t value, uint64_t enabled_ns, uint64_t running_ns);
/* What the last perf open did (tests): exclude_kernel used, retries. */
typedef struct tb_perf_open_info {
    int exclude_kernel;
    int retries;
    int software;            /* fell back to software events */
    char hw_reason[160];     /* why the hardware group did not open */
} tb_perf_open_info;
void tb_perf_last_open(tb_perf_open_info *out);

/* ---- perf power PMU (perf-power.c) ---- */
int tb_perf_power_parse_event(const char *s, uint64_t *config); /* "event=0x02" */
int tb_perf_power_parse_cpumask(const char *s, int *cpus, int max, int *n); /* "0,64" "0-3" */

/* ---- sampler set internals (sampler-set.c) ---- */
/* Replace the registry the set considers (tests).  NULL restores. */
void tb_sampler_set_use_registry(const tb_sampler *const *list);
/* Poll interval the guard would use for this set, seconds (INFINITY = none). */
double tb_sampler_set_guard_interval(const tb_sampler_set *s);
/* Number of guard polls made so far (tests). */
uint64_t tb_sampler_set_guard_polls(const tb_sampler_set *s);
/* Guard poll period one channel asks for, from its kind, wrap, scale,
 * pmax_w and poll_s: min(wrap_s/4, poll_s, 60 s); INFINITY when it needs
 * none (not energy, or wrap 0 with poll_s 0). */
double tb_chan_guard_s(const tb_chan *c);

#endif
