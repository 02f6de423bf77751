/* tb-sampler.h - measurement back ends (the second seam), the always-live
 * pseudo-samplers, and the sampler set the runner wraps around each
 * repetition.
 *
 * A sampler exposes channels of cumulative raw counters.  It never
 * subtracts, wraps or scales: the harness does that once (sampler-set.c),
 * using what each channel declares (wrap modulus, poll period, scale).
 * The harness never asks which sampler a channel came from.  A sampler
 * that cannot run says why through probe(); the reason is stored and the
 * run goes on.  Nothing unavailable is ever reported as 0. */
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
    double poll_s;     /* energy: read at least every poll_s seconds even
                          though wrap is 0 (perf power: the kernel folds a
                          32-bit register on a timer that can be too slow);
                          0 = no such need.  With wrap 0 and poll_s 0 the
                          channel gets no guard polls at all. */
    double scale;      /* unit per raw tick (1e-6 for uJ -> J) */
    double update_s;   /* counter update period, 0 if unknown (RAPL ~1e-3) */
    double pmax_w;     /* the domain's maximum power (W) for its wrap period;
                          0 = unknown (the harness assumes 1000 W) */
    char note[24];     /* standing remark copied into every reading's flag,
                          e.g. "one_core_only" (AMD core domain); "" none */
} tb_chan;

typedef struct tb_raw {
    uint64_t value;       /* cumulative raw count */
    uint64_t enabled_ns;  /* cumulative time enabled; only when has_times */
    uint64_t running_ns;  /* cumulative time running; only when has_times */
    int has_times;        /* 1: the source reports enabled/running times
                             (perf), which may be 0; 0: it has none and
                             both are 0 */
} tb_raw;

#define TB_MAX_CHANNELS 32

typedef struct tb_sampler {
    const char *name;   /* "perf", "papi", "likwid", "powercap", "perf-power", "msr", "nvml" */
    tb_layer layer;
    /* Is it usable here?  Fills *p; returns 0 when live, else -errno. */
    int (*probe)(tb_probe *p);
    /* Open channels for `events` (comma list; NULL = defaults).  Fills
     * ch[0..*nch).  0 or -errno with why.
     * Ownership: on failure open() itself releases everything it acquired
     * (memory, fds, library handles) and leaves *ctx NULL; the caller
     * never calls close() after a failed open.  After a successful open
     * (0, even with *nch == 0) the caller owns *ctx and calls close()
     * on it exactly once. */
    int (*open)(void **ctx, const char *events, tb_chan *ch, int max, int *nch,
                char *why, size_t len);
    /* (optional) enable counting; NULL for free-running counters. */
    int (*start)(void *ctx);
    /* Read every channel's cumulative raw value into vals[0..nch): value,
     * and has_times = 1 with enabled_ns/running_ns when the source keeps
     * such times (perf), else has_times = 0.  May be called from the
     * guard poller thread, never concurrently with itself. */
    int (*read)(void *ctx, tb_raw *vals);
    /* (optional) disable counting. */
    int (*stop)(void *ctx);
    /* Release a context from a successful open(); close(NULL) is a no-op. */
    void (*close)(void *ctx);
    /* (optional, counter samplers) Does EV name an event this sampler can
     * count?  1 yes, 0 no (open() would refuse it), -1 only open() can
     * tell.  NULL = -1.  --events is checked with it before a run, and
     * open() is only given the items it does not reject. */
    int (*event_known)(const char *ev);
} tb_sampler;

/* Every sampler built into this binary, NULL-terminated (samplers/registry.c). */
extern const tb_sampler *const tb_samplers[];
const tb_sampler *tb_sampler_find(const char *name);

/* A pseudo-sampler: a measurement source that is always live and has no
 * channels of its own (the runner's clock, the arithmetic energy model).
 * It is not selectable with --sampler; every status table (the set's
 * sampler_status rows, `list samplers`, `info`) lists it after the
 * samplers, from this one list. */
typedef struct tb_pseudo_sampler {
    const char *name;          /* "clock", "energy-model" */
    const char *desc;          /* what it provides, one short line */
    int (*probe)(tb_probe *p); /* fills *p (state live, version); returns 0 */
} tb_pseudo_sampler;

/* Every pseudo-sampler, ended by an entry with name NULL (samplers/registry.c). */
extern const tb_pseudo_sampler tb_pseudo_samplers[];

/* One reading of one channel over one window (a repetition). */
typedef struct tb_reading {
    const char *sampler;
    tb_chan chan;
    double value;         /* scaled delta in chan.unit; NAN if invalid */
    uint64_t raw_delta;   /* wrap-corrected raw delta */
    int has_times;        /* 1: enabled_ns/running_ns below are the window's
                             deltas (perf multiplexing; 0 is a real 0);
                             0: the source has no such times, both are 0 */
    uint64_t enabled_ns, running_ns;
    int wraps;            /* wraps corrected in this window */
    uint64_t window_ns;   /* CLOCK_MONOTONIC_RAW span of the window */
    char flag[48];        /* "", "multiplexed", "too_short", "suspect", ... */
    char reason[160];     /* why the value is NAN, one line ("" when valid):
                             e.g. not_updated, an energy counter that did
                             not move in the window */
} tb_reading;

/* The set of samplers opened for one run. */
typedef struct tb_sampler_set tb_sampler_set;

/* Open the named samplers ("all", "none", or a comma list); those that
 * fail to probe or open are recorded as unavailable, not fatal.  Items of
 * `events` a sampler's event_known rejects are not passed to it: its status
 * reason names them (and when none is left it is not opened). */
int tb_sampler_set_open(const char *names, const char *events, tb_sampler_set **out);
/* Check `events` (--events) against the samplers `names` selects, before
 * anything is opened: an item goes to the sampler its "name:" prefix
 * names, else to every selected counter sampler; it is countable when one
 * of them is live here (its probe) and does not reject it (event_known 1,
 * or -1: only its open() can tell).  Returns how many items are not countable (their comma list in
 * `unknown`, cut at len), *nitems the number of items; -EINVAL when the
 * list is empty or has an empty item. */
int tb_sampler_events_check(const char *names, const char *events, char *unknown, size_t len, int *nitems);
void tb_sampler_set_close(tb_sampler_set *s);
/* Iterate the status of every sampler considered (for sampler_status). */
int tb_sampler_set_status_count(const tb_sampler_set *s);
void tb_sampler_set_status_at(const tb_sampler_set *s, int i, const char **name, tb_probe *p);
/* Around one window: begin starts energy first then counters; end stops
 * counters first then energy, and fills at most max readings. */
/* Why a wrap-guard thread the set needs could not start; NULL when fine.
 * Energy windows longer than a wrap period are then ambiguous: the CLI
 * stores this as a fact of the run. */
const char *tb_sampler_set_guard_error(const tb_sampler_set *s);
int tb_sampler_set_begin(tb_sampler_set *s);
int tb_sampler_set_end(tb_sampler_set *s, tb_reading *out, int max, int *n);

/* Wrap-safe delta of a raw counter with modulus `wrap` (0 = 2^64). */
uint64_t tb_counter_delta(uint64_t prev, uint64_t cur, uint64_t wrap, int *wrapped);

#endif
