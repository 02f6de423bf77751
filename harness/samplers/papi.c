/* papi.c - owns the PAPI counter sampler (low-level API; the high-level
 * API deactivates itself after any error).  Named events go in one
 * EventSet (an EventSet belongs to one component); energy, when some
 * component provides it (rapl: nJ, powercap: uJ, perf_event_uncore RAPL
 * events: 2^-32 J), goes in a second EventSet.  Every component that is
 * disabled is recorded with its disabled_reason.  Library counters are
 * reset at PAPI_start, so values are cumulative since open and never wrap
 * (PAPI accumulates 32-bit RAPL into 64 bits on reads).  Built without
 * PAPI (TB_HAVE_PAPI 0) the probe says absent and how to get it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#if TB_HAVE_PAPI
#include <papi.h>

#define PA_FIX_NOPMU "bare metal or a guest with a vPMU; energy needs a PAPI built with rapl/powercap (./configure --with-components=\"rapl powercap\")"

static int pa_inited;   /* PAPI_library_init done (once per process) */
static int pa_init_rc;

static int pa_init(char *why, size_t len)
{
    if (!pa_inited) {
        pa_init_rc = PAPI_library_init(PAPI_VER_CURRENT);
        pa_inited = 1;
    }
    if (pa_init_rc != PAPI_VER_CURRENT) {
        /* returns the version on success, not PAPI_OK */
        tb_fmt(why, len, "PAPI_library_init: %s (%d)",
               pa_init_rc < 0 ? PAPI_strerror(pa_init_rc) : "version mismatch", pa_init_rc);
        return -ENOENT;
    }
    return 0;
}

/* "perf_event: disabled (Error libpfm4 ...); rapl: not compiled in" ... */
static void pa_components(char *out, size_t len, int *perf_ok, int *energy_cidx, char *energy_comp, size_t elen)
{
    size_t used = 0;
    *perf_ok = 0;
    *energy_cidx = -1;
    out[0] = '\0';
    int have_rapl = 0, have_powercap = 0;
    for (int i = 0; i < PAPI_num_components(); i++) {
        const PAPI_component_info_t *ci = PAPI_get_component_info(i);
        if (!ci)
            continue;
        if (!strcmp(ci->name, "rapl"))
            have_rapl = 1;
        if (!strcmp(ci->name, "powercap"))
            have_powercap = 1;
        int relevant = !strncmp(ci->name, "perf_event", 10) || !strcmp(ci->name, "rapl") ||
                       !strcmp(ci->name, "powercap") || !strcmp(ci->name, "nvml");
        if (ci->disabled && relevant) {
            int r = snprintf(out + used, len - used, "%s%s disabled (%s)", used ? "; " : "", ci->name,
                             ci->disabled_reason[0] ? ci->disabled_reason : "no reason given");
            if (r > 0 && (size_t)r < len - used)
                used += (size_t)r;
            continue;
        }
        if (ci->disabled)
            continue;
        if (!strcmp(ci->name, "perf_event"))
            *perf_ok = 1;
        if ((!strcmp(ci->name, "rapl") || !strcmp(ci->name, "powercap") ||
             !strcmp(ci->name, "perf_event_uncore")) && *energy_cidx < 0) {
            *energy_cidx = i;
            tb_fmt(energy_comp, elen, "%s", ci->name);
        }
    }
    if (!have_rapl || !have_powercap)
        snprintf(out + used, len - used, "%s%s not compiled in", used ? "; " : "",
                 !have_rapl && !have_powercap ? "rapl, powercap" : !have_rapl ? "rapl" : "powercap");
}

static const struct { const char *alias, *papi; } pa_alias[] = {
    { "cycles", "PAPI_TOT_CYC" }, { "instructions", "PAPI_TOT_INS" },
    { "cache-misses", "PAPI_L3_TCM" }, { "cache-references", "PAPI_L3_TCA" },
    { "branches", "PAPI_BR_INS" }, { "branch-misses", "PAPI_BR_MSP" },
    { "task-clock", "perf::TASK-CLOCK" }, { "page-faults", "perf::PAGE-FAULTS" },
    { "context-switches", "perf::CONTEXT-SWITCHES" },
};
static const char pa_default[] = "PAPI_TOT_CYC,PAPI_TOT_INS,PAPI_L3_TCM,PAPI_BR_INS,PAPI_BR_MSP";

typedef struct pa_ctx {
    int es_cnt, es_nrg;   /* EventSets, PAPI_NULL when unused */
    int ncnt, nnrg;       /* events in each */
    int nch;
    int map[TB_MAX_CHANNELS]; /* channel i -> (set 0|1) << 8 | index */
} pa_ctx;

static void pa_close(void *vctx)
{
    pa_ctx *c = vctx;
    if (!c)
        return;
    long long tmp[TB_MAX_CHANNELS];
    int *sets[2] = { &c->es_cnt, &c->es_nrg };
    for (int k = 0; k < 2; k++) {
        if (*sets[k] == PAPI_NULL)
            continue;
        PAPI_stop(*sets[k], tmp);
        PAPI_cleanup_eventset(*sets[k]);
        PAPI_destroy_eventset(sets[k]);
    }
    free(c);
}

/* Add `name` to *es (created on demand); 0 or the PAPI error. */
static int pa_add(int *es, const char *name)
{
    int r;
    if (*es == PAPI_NULL && (r = PAPI_create_eventset(es)) != PAPI_OK)
        return r;
    return PAPI_add_named_event(*es, name);
}

static int pa_open_impl(pa_ctx **out, const char *events, tb_chan *ch, int max, int *nch,
                        char *why, size_t len, int *state)
{
    *out = NULL;
    *nch = 0;
    *state = -1;
    int rc = pa_init(why, len);
    if (rc < 0)
        return rc;
    pa_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->es_cnt = c->es_nrg = PAPI_NULL;
    char comps[240], ecomp[32] = "", failed[200] = "";
    int perf_ok, ecidx;
    pa_components(comps, sizeof comps, &perf_ok, &ecidx, ecomp, sizeof ecomp);
    const char *list = events && *events ? events : pa_default;
    size_t fused = 0;
    int first_err = 0, nfailed = 0;
    char name[96];
    for (const char *p = list; *p && c->nch < max && c->nch < TB_MAX_CHANNELS;) {
        size_t l = strcspn(p, ",");
        tb_fmt(name, sizeof name, "%.*s", (int)l, p);
        p += l + (p[l] == ',');
        const char *papi_name = name;
        for (size_t a = 0; a < sizeof pa_alias / sizeof pa_alias[0]; a++)
            if (!strcmp(name, pa_alias[a].alias))
                papi_name = pa_alias[a].papi;
        int r = pa_add(&c->es_cnt, papi_name);
        if (r != PAPI_OK) {
            /* "A, B, C: <error of the first>" keeps the reason short */
            int w = snprintf(failed + fused, sizeof failed - fused, "%s%s", fused ? ", " : "", papi_name);
            if (w > 0 && (size_t)w < sizeof failed - fused)
                fused += (size_t)w;
            if (!first_err)
                first_err = r;
            nfailed++;
            continue;
        }
        tb_chan *q = &ch[c->nch];
        memset(q, 0, sizeof *q);
        tb_fmt(q->name, sizeof q->name, "%s", papi_name);
        int is_time = strstr(papi_name, "CLOCK") != NULL;
        tb_fmt(q->unit, sizeof q->unit, "%s", is_time ? "ns" : "count");
        q->kind = is_time ? TB_CHAN_TIME : TB_CHAN_COUNT;
        q->scale = 1;
        c->map[c->nch++] = (0 << 8) | c->ncnt++;
    }
    if (ecidx >= 0 && c->nch < max && c->nch < TB_MAX_CHANNELS) {
        /* energy through whichever component exists */
        static const struct { const char *comp, *ev, *dom; double scale; } pe[] = {
            { "rapl", "rapl:::PACKAGE_ENERGY:PACKAGE0", "package", 1e-9 },     /* nJ */
            { "rapl", "rapl:::DRAM_ENERGY:PACKAGE0", "dram", 1e-9 },
            { "powercap", "powercap:::ENERGY_UJ:ZONE0", "package", 1e-6 },     /* uJ */
            { "perf_event_uncore", "rapl::RAPL_ENERGY_PKG", "package", 0x1p-32 },
            { "perf_event_uncore", "amd64_rapl::RAPL_ENERGY_PKG", "package", 0x1p-32 },
        };
        for (size_t k = 0; k < sizeof pe / sizeof pe[0] && c->nch < max && c->nch < TB_MAX_CHANNELS; k++) {
            if (strcmp(pe[k].comp, ecomp) || pa_add(&c->es_nrg, pe[k].ev) != PAPI_OK)
                continue;
            tb_chan *q = &ch[c->nch];
            memset(q, 0, sizeof *q);
            tb_fmt(q->name, sizeof q->name, "%s", pe[k].ev);
            tb_fmt(q->unit, sizeof q->unit, "J");
            q->kind = TB_CHAN_ENERGY;
            tb_fmt(q->domain, sizeof q->domain, "%s", pe[k].dom);
            q->scale = pe[k].scale;
            q->update_s = 1e-3;
            c->map[c->nch++] = (1 << 8) | c->nnrg++;
        }
    }
    if (c->nch == 0) {
        tb_cpu_id id;
        int guest = tb_sys_cpu_id(&id) == 0 && id.hypervisor;
        *state = !perf_ok && guest ? TB_AVAIL_VIRTUALIZED : TB_AVAIL_ABSENT;
        char first[64];
        tb_fmt(first, sizeof first, "%.*s", (int)strcspn(failed, ","), failed);
        tb_fmt(why, len, "%s; no event usable (%d refused, %s: %s)", comps, nfailed,
               first[0] ? first : "none requested", first_err ? PAPI_strerror(first_err) : "-");
        rc = -ENOENT;
        goto fail;
    }
    if (c->es_cnt != PAPI_NULL) {
        PAPI_option_t opt;
        memset(&opt, 0, sizeof opt);
        opt.inherit.eventset = c->es_cnt;
        opt.inherit.inherit = PAPI_INHERIT_ALL;
        PAPI_set_opt(PAPI_INHERIT, &opt); /* best effort: count child threads */
    }
    int *sets[2] = { &c->es_cnt, &c->es_nrg };
    int counts[2] = { c->ncnt, c->nnrg };
    for (int k = 0; k < 2; k++) {
        int r;
        if (*sets[k] != PAPI_NULL && counts[k] == 0) { /* every add failed */
            PAPI_cleanup_eventset(*sets[k]);
            PAPI_destroy_eventset(sets[k]);
            *sets[k] = PAPI_NULL;
        }
        if (*sets[k] != PAPI_NULL && (r = PAPI_start(*sets[k])) != PAPI_OK) {
            tb_fmt(why, len, "PAPI_start: %s", PAPI_strerror(r));
            rc = -EIO;
            goto fail;
        }
    }
    if (failed[0])
        tb_fmt(why, len, "unavailable: %s (%s)", failed, PAPI_strerror(first_err));
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    pa_close(c);
    return rc;
}

static int pa_read(void *vctx, tb_raw *vals)
{
    pa_ctx *c = vctx;
    long long v[2][TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    int err = 0;
    if (c->es_cnt != PAPI_NULL && PAPI_read(c->es_cnt, v[0]) != PAPI_OK)
        err = -EIO;
    if (c->es_nrg != PAPI_NULL && PAPI_read(c->es_nrg, v[1]) != PAPI_OK)
        err = -EIO;
    for (int i = 0; i < c->nch; i++) {
        long long x = v[c->map[i] >> 8][c->map[i] & 0xff];
        vals[i].value = x < 0 ? 0 : (uint64_t)x;
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
    }
    return err;
}

static int pa_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    tb_fmt(p->version, sizeof p->version, "PAPI %d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VERSION),
           PAPI_VERSION_MINOR(PAPI_VERSION), PAPI_VERSION_REVISION(PAPI_VERSION),
           PAPI_VERSION_INCREMENT(PAPI_VERSION));
    char why[256] = "";
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0, state = -1;
    pa_ctx *c = NULL;
    int rc = pa_open_impl(&c, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why, &state);
    if (rc < 0)
        return tb_probe_set(p, state, -rc, PA_FIX_NOPMU, "%s", why);
    pa_close(c);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", why);
}

/* PAPI's own name lookup (presets, native and component names, the
 * aliases above); a library that does not start knows no event. */
static int pa_event_known(const char *ev)
{
    char why[128];
    if (pa_init(why, sizeof why) < 0)
        return 0;
    const char *name = ev;
    for (size_t a = 0; a < sizeof pa_alias / sizeof pa_alias[0]; a++)
        if (!strcmp(ev, pa_alias[a].alias))
            name = pa_alias[a].papi;
    int code = 0;
    return PAPI_event_name_to_code((char *)name, &code) == PAPI_OK;
}

static int pa_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    pa_ctx *c = NULL;
    int state;
    int rc = pa_open_impl(&c, events, ch, max, nch, why, len, &state);
    *ctx = c;
    return rc;
}

const tb_sampler tb_sampler_papi = {
    .name = "papi",
    .layer = TB_LAYER_COUNTER,
    .probe = pa_probe,
    .open = pa_open,
    .read = pa_read,
    .close = pa_close,
    .event_known = pa_event_known,
};

#else /* !TB_HAVE_PAPI */

static int pa_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    return tb_probe_set(p, TB_AVAIL_ABSENT, ENOENT, "apt-get install libpapi-dev and rebuild",
                        "built without PAPI (apt-get install libpapi-dev and rebuild)");
}

static int pa_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    *ctx = NULL;
    *nch = 0;
    tb_fmt(why, len, "built without PAPI");
    return -ENOENT;
}

static int pa_read(void *ctx, tb_raw *vals) { return -ENOENT; }
static void pa_close(void *ctx) { }
static int pa_event_known(const char *ev) { return 0; } /* not built: knows no event */

const tb_sampler tb_sampler_papi = {
    .name = "papi",
    .layer = TB_LAYER_COUNTER,
    .probe = pa_probe,
    .open = pa_open,
    .read = pa_read,
    .close = pa_close,
    .event_known = pa_event_known,
};
#endif
