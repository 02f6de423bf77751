/* tb-sampler.h - measurement back ends (the second seam) and the sampler
 * set the runner wraps around each repetition.
 *
 * A sampler exposes channels of cumulative raw counters.  It never
 * subtracts, wraps or scales: the harness does that once (sampler-set.c),
 * using each channel's wrap modulus and scale.  A sampler that cannot run
 * says why through probe(); the reason is stored and the run goes on.
 * Nothing unavailable is ever reported as 0. */
#ifndef TB_SAMPLER_H
#define TB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

typedef enum tb_avail {
    TB_AVAIL_LIVE = 0,
    TB_AVAIL_ABSENT,       /* not present: ENOENT, no library, no device */
    TB_AVAIL_DENIED,       /* EACCES/EPERM: present but not permitted */
    TB_AVAIL_UNSUPPORTED,  /* EINVAL/EOPNOTSUPP, unknown CPU model */
    TB_AVAIL_VIRTUALIZED,  /* guest without the hardware feature */
    TB_AVAIL_IO_ERROR,     /* EIO and friends */
} tb_avail;
extern const char *const tb_avail_names[]; /* "live", "absent", ... */

typedef struct tb_probe {
    tb_avail state;
    char reason[256];  /* why, in words; "" when live */
    char fix[160];     /* what would make it live (root, CAP_PERFMON, modprobe msr...) */
    char version[64];  /* library or interface version when known */
} tb_probe;

typedef enum tb_layer { TB_LAYER_ENERGY = 0, TB_LAYER_COUNTER = 1 } tb_layer;
typedef enum tb_chan_kind { TB_CHAN_COUNT = 0, TB_CHAN_TIME, TB_CHAN_ENERGY, TB_CHAN_POWER } tb_chan_kind;

typedef struct tb_chan {
    char name[64];     /* event or zone: "instructions", "package-0" */
    char unit[12];     /* unit after scaling: "count", "ns", "J" */
    tb_chan_kind kind;
    char domain[16];   /* energy: package|core|uncore|dram|psys|gpu; else "" */
    uint64_t wrap;     /* raw modulus; 0 = never wraps (64-bit) */
    double scale;      /* unit per raw tick (1e-6 for uJ -> J) */
    double update_s;   /* counter update period, 0 if unknown (RAPL ~1e-3) */
    double pmax_w;     /* the domain's maximum power (W) for its wrap period;
                          0 = unknown (the harness assumes 1000 W) */
    char note[24];     /* standing remark copied into every reading's flag,
                          e.g. "one_core_only" (AMD core domain); "" none */
} tb_chan;

typedef struct tb_raw {
    uint64_t value;       /* cumulative raw count */
    uint64_t enabled_ns;  /* perf: time enabled (0 when n/a) */
    uint64_t running_ns;  /* perf: time running (0 when n/a) */
} tb_raw;

#define TB_MAX_CHANNELS 32

typedef struct tb_sampler {
    const char *name;   /* "perf", "papi", "likwid", "powercap", "perf-power", "msr", "nvml" */
    tb_layer layer;
    /* Is it usable here?  Fills *p; returns 0 when live, else -errno. */
    int (*probe)(tb_probe *p);
    /* Open channels for `events` (comma list; NULL = defaults).  Fills
     * ch[0..*nch).  0 or -errno with why. */
    int (*open)(void **ctx, const char *events, tb_chan *ch, int max, int *nch,
                char *why, size_t len);
    /* (optional) enable counting; NULL for free-running counters. */
    int (*start)(void *ctx);
    /* Read every channel's cumulative raw value.  May be called from the
     * guard poller thread, never concurrently with itself. */
    int (*read)(void *ctx, tb_raw *vals);
    /* (optional) disable counting. */
    int (*stop)(void *ctx);
    void (*close)(void *ctx);
} tb_sampler;

/* Every sampler built into this binary, NULL-terminated (samplers/registry.c). */
extern const tb_sampler *const tb_samplers[];
const tb_sampler *tb_sampler_find(const char *name);

/* One reading of one channel over one window (a repetition). */
typedef struct tb_reading {
    const char *sampler;
    tb_chan chan;
    double value;         /* scaled delta in chan.unit; NAN if invalid */
    uint64_t raw_delta;   /* wrap-corrected raw delta */
    uint64_t enabled_ns, running_ns; /* perf multiplexing; 0 when n/a */
    int wraps;            /* wraps corrected in this window */
    uint64_t window_ns;   /* CLOCK_MONOTONIC_RAW span of the window */
    char flag[48];        /* "", "multiplexed", "too_short", "suspect", ... */
} tb_reading;

/* The set of samplers opened for one run. */
typedef struct tb_sampler_set tb_sampler_set;

/* Open the named samplers ("all", "none", or a comma list); those that
 * fail to probe or open are recorded as unavailable, not fatal. */
int tb_sampler_set_open(const char *names, const char *events, tb_sampler_set **out);
void tb_sampler_set_close(tb_sampler_set *s);
/* Iterate the status of every sampler considered (for sampler_status). */
int tb_sampler_set_status_count(const tb_sampler_set *s);
void tb_sampler_set_status_at(const tb_sampler_set *s, int i, const char **name, tb_probe *p);
/* Around one window: begin starts energy first then counters; end stops
 * counters first then energy, and fills at most max readings. */
int tb_sampler_set_begin(tb_sampler_set *s);
int tb_sampler_set_end(tb_sampler_set *s, tb_reading *out, int max, int *n);

/* Wrap-safe delta of a raw counter with modulus `wrap` (0 = 2^64). */
uint64_t tb_counter_delta(uint64_t prev, uint64_t cur, uint64_t wrap, int *wrapped);

#endif
