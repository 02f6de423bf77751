/* sampler-set.c - owns the set of samplers opened for one run: selection
 * by name, status of every sampler, nesting around a window (energy
 * outermost, counters inside), the one place where raw counters become
 * readings (wrap-safe deltas via tb_counter_delta, scaling, perf
 * enabled/running scaling), the window flags (too_short, suspect,
 * multiplexed, reset, ambiguous, read_error), the guard poller thread
 * that keeps 32-bit energy counters from wrapping twice unseen, and the
 * idle baseline.  Every decision here follows what a channel declares
 * (tb_chan: wrap, poll_s, scale, update_s) or what a read reports
 * (tb_raw.has_times); none depends on a sampler's name.
 *
 * Thread-safety: one set is driven by one thread (the runner); the guard
 * thread touches only energy slots, under the set's mutex. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tb-platform.h"
#include "tb-sampler-extra.h"
#include "tb-sampler-internal.h"

#define TB_SET_MAX 16
#define TB_SUSPECT_MIN_NS 50000000ull   /* energy-study s12 item 11: >= 50 ms busy */
#define TB_TOO_SHORT_UPDATES 100        /* s12 item 13: >= 100 counter updates */
#define TB_GUARD_MAX_S 60.0             /* longest sleep between two guard polls */
#define TB_GUARD_MIN_S 0.001

typedef struct tb_slot {
    const tb_sampler *smp;
    void *ctx;
    int nch;
    tb_chan ch[TB_MAX_CHANNELS];
    tb_raw first[TB_MAX_CHANNELS];    /* at begin */
    tb_raw last[TB_MAX_CHANNELS];     /* at the latest read */
    uint64_t acc[TB_MAX_CHANNELS];    /* wrap-corrected raw sum */
    int wraps[TB_MAX_CHANNELS];
    char bad[TB_MAX_CHANNELS][24];    /* invalidating flag of this window */
    uint64_t t_begin, t_last;         /* ns, CLOCK_MONOTONIC_RAW */
    int started;
} tb_slot;

typedef struct tb_status {
    char name[24];
    tb_probe p;
} tb_status;

struct tb_sampler_set {
    int nslot;
    tb_slot slot[TB_SET_MAX];
    int nstatus;
    tb_status status[2 * TB_SET_MAX];   /* samplers, then pseudo-samplers */
    /* guard poller */
    pthread_t guard;
    int guard_on, active, quit;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    double guard_s;
    char guard_err[200];    /* why a needed guard thread is not running ("" = fine) */
    uint64_t polls;
    uint64_t cpu_begin;
};

static const tb_sampler *const *registry_override;

void tb_sampler_set_use_registry(const tb_sampler *const *list)
{
    registry_override = list;
}

static const tb_sampler *const *registry(void)
{
    return registry_override ? registry_override : tb_samplers;
}

const tb_sampler *tb_sampler_find(const char *name)
{
    for (const tb_sampler *const *p = registry(); *p; p++)
        if (!strcmp((*p)->name, name))
            return *p;
    return NULL;
}

static void flag_add(char *flag, size_t len, const char *what)
{
    if (!what || !*what || strstr(flag, what))
        return;
    size_t l = strlen(flag);
    snprintf(flag + l, len - l, "%s%s", l ? "," : "", what);
}

/* Is `name` in the comma list `list`? */
static int in_list(const char *list, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == nl && !strncmp(p, name, l))
            return 1;
        p += l;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Events meant for sampler `smp`: "smp:EV" items (prefix stripped) and, for
 * counter samplers, unprefixed items.  "perf::X" is a PAPI native name, not
 * a prefix.  Empty result -> NULL (defaults). */
static char *events_for(const char *events, const tb_sampler *smp)
{
    if (!events || !*events)
        return NULL;
    size_t cap = strlen(events) + 1, used = 0;
    char *out = calloc(1, cap);
    if (!out)
        return NULL;
    for (const char *p = events; *p;) {
        size_t l = strcspn(p, ",");
        const char *colon = memchr(p, ':', l);
        int prefixed = 0, mine = 0;
        size_t skip = 0;
        if (colon && colon[1] != ':' && colon > p) {
            char pre[32];
            size_t pl = (size_t)(colon - p);
            if (pl < sizeof pre) {
                memcpy(pre, p, pl);
                pre[pl] = '\0';
                if (tb_sampler_find(pre)) {
                    prefixed = 1;
                    mine = !strcmp(pre, smp->name);
                    skip = pl + 1;
                }
            }
        }
        if (!prefixed)
            mine = smp->layer == TB_LAYER_COUNTER;
        if (mine && l > skip) {
            if (used)
                out[used++] = ',';
            memcpy(out + used, p + skip, l - skip);
            used += l - skip;
        }
        p += l;
        if (*p == ',')
            p++;
    }
    if (!used) {
        free(out);
        return NULL;
    }
    return out;
}

/* The sampler an "smp:EV" item names (skip = bytes of "smp:"), else NULL. */
static const tb_sampler *item_prefix(const char *p, size_t l, size_t *skip)
{
    *skip = 0;
    const char *colon = memchr(p, ':', l);
    if (!colon || colon[1] == ':' || colon == p || (size_t)(colon - p) >= 32)
        return NULL;
    char pre[32];
    memcpy(pre, p, (size_t)(colon - p));
    pre[colon - p] = '\0';
    const tb_sampler *t = tb_sampler_find(pre);
    if (t)
        *skip = (size_t)(colon - p) + 1;
    return t;
}

static void list_add(char *list, size_t len, const char *item, size_t l)
{
    size_t u = strlen(list);
    if (u + 1 < len)
        snprintf(list + u, len - u, "%s%.*s", u ? "," : "", (int)l, item);
}

int tb_sampler_events_check(const char *names, const char *events, char *unknown, size_t len, int *nitems)
{
    if (len)
        unknown[0] = '\0';
    *nitems = 0;
    if (!events)
        return 0;
    if (!*events)
        return -EINVAL;
    int all = !names || !strcmp(names, "all"), none = names && !strcmp(names, "none");
    int live[64]; /* per registry index: -2 not probed yet, else 1/0 */
    for (int k = 0; k < 64; k++)
        live[k] = -2;
    int nbad = 0;
    char ev[256];
    for (const char *p = events;; p++) {
        size_t l = strcspn(p, ",");
        if (l == 0)
            return -EINVAL; /* "", ",x", "x,,y", "x," */
        (*nitems)++;
        size_t skip;
        const tb_sampler *target = item_prefix(p, l, &skip);
        int ok = 0;
        if (l - skip < sizeof ev && l > skip) {
            memcpy(ev, p + skip, l - skip);
            ev[l - skip] = '\0';
            int k = 0;
            for (const tb_sampler *const *pp = registry(); *pp && !ok; pp++, k++) {
                const tb_sampler *smp = *pp;
                int selected = all || (!none && in_list(names, smp->name));
                if (!selected || (target ? smp != target : smp->layer != TB_LAYER_COUNTER))
                    continue;
                if (smp->layer != TB_LAYER_COUNTER)
                    continue; /* energy samplers take no events */
                /* known (or only open() can tell) and live here */
                int v = smp->event_known ? smp->event_known(ev) : -1;
                if (v != 0 && k < 64) {
                    if (live[k] == -2) {
                        tb_probe pr;
                        memset(&pr, 0, sizeof pr);
                        live[k] = smp->probe(&pr) == 0 && pr.state == TB_AVAIL_LIVE;
                    }
                    v = live[k];
                }
                ok = v > 0;
            }
        }
        if (!ok) {
            nbad++;
            list_add(unknown, len, p, l);
        }
        p += l;
        if (!*p)
            break;
    }
    return nbad;
}

/* Drop from the comma list `ev` (in place) the items smp->event_known
 * rejects; their names go to `skipped`. */
static void keep_known(const tb_sampler *smp, char *ev, char *skipped, size_t len)
{
    skipped[0] = '\0';
    if (!smp->event_known)
        return;
    size_t out = 0;
    for (char *p = ev; *p;) {
        size_t l = strcspn(p, ",");
        char c = p[l];
        p[l] = '\0';
        if (smp->event_known(p) == 0) {
            list_add(skipped, len, p, l);
        } else {
            if (out)
                ev[out++] = ',';
            memmove(ev + out, p, l);
            out += l;
        }
        p += l + (c == ',');
        if (!c)
            break;
    }
    ev[out] = '\0';
}

static void status_add(tb_sampler_set *s, const char *name, const tb_probe *p)
{
    if (s->nstatus >= (int)(sizeof s->status / sizeof s->status[0]))
        return;
    tb_status *st = &s->status[s->nstatus++];
    snprintf(st->name, sizeof st->name, "%s", name);
    st->p = *p;
}

/* Fold one read of slot `sl` into its accumulators. Caller holds the lock
 * when the guard may run. */
static void slot_fold(tb_slot *sl, const tb_raw *v, int rc, uint64_t t)
{
    double elapsed = (double)(t - sl->t_last) * 1e-9;
    for (int i = 0; i < sl->nch; i++) {
        const tb_chan *c = &sl->ch[i];
        if (rc < 0) {
            snprintf(sl->bad[i], sizeof sl->bad[i], "read_error");
            continue;
        }
        if (c->kind == TB_CHAN_POWER) { /* instantaneous: keep the latest */
            sl->last[i] = v[i];
            continue;
        }
        int w = 0;
        uint64_t d = tb_counter_delta(sl->last[i].value, v[i].value, c->wrap, &w);
        if (c->wrap == 0 && w) {
            /* a 64-bit counter never wraps in practice: a decrease is a
             * reset (NVML driver reload, MSR after reboot), s12 item 10 */
            snprintf(sl->bad[i], sizeof sl->bad[i], "reset");
        } else if (c->wrap && d == 0 &&
                   tb_energy_equal_ambiguous(elapsed, tb_energy_wrap_s(c->wrap, c->scale, tb_energy_chan_pmax_w(c)))) {
            snprintf(sl->bad[i], sizeof sl->bad[i], "ambiguous");
        }
        sl->acc[i] += d;
        sl->wraps[i] += w;
        sl->last[i] = v[i];
    }
    sl->t_last = t;
}

static int slot_read_begin(tb_slot *sl)
{
    tb_raw v[TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    memset(sl->acc, 0, sizeof sl->acc);
    memset(sl->wraps, 0, sizeof sl->wraps);
    memset(sl->bad, 0, sizeof sl->bad);
    uint64_t t0 = tb_plat_now_ns();
    int rc = sl->smp->read(sl->ctx, v);
    /* the midpoint of the read stamps it (energy-study s12 item 12) */
    sl->t_begin = sl->t_last = t0 + (tb_plat_now_ns() - t0) / 2;
    for (int i = 0; i < sl->nch; i++) {
        if (rc < 0)
            snprintf(sl->bad[i], sizeof sl->bad[i], "read_error");
        sl->first[i] = sl->last[i] = v[i];
    }
    sl->started = 1;
    return rc;
}

static int slot_read_fold(tb_slot *sl)
{
    tb_raw v[TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    uint64_t t0 = tb_plat_now_ns();
    int rc = sl->smp->read(sl->ctx, v);
    slot_fold(sl, v, rc, t0 + (tb_plat_now_ns() - t0) / 2);
    return rc;
}

static void *guard_main(void *arg)
{
    tb_sampler_set *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->quit) {
        if (!s->active || !isfinite(s->guard_s)) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double whole = floor(s->guard_s);
        ts.tv_sec += (time_t)whole;
        ts.tv_nsec += (long)((s->guard_s - whole) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int r = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        if (r == ETIMEDOUT && s->active && !s->quit) {
            for (int k = 0; k < s->nslot; k++)
                if (s->slot[k].smp->layer == TB_LAYER_ENERGY && s->slot[k].started)
                    slot_read_fold(&s->slot[k]);
            s->polls++;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The guard poll period one channel asks for, seconds; INFINITY when it
 * needs none (not energy, or 64-bit with no poll_s: NVML, PAPI, likwid). */
double tb_chan_guard_s(const tb_chan *c)
{
    if (c->kind != TB_CHAN_ENERGY)
        return INFINITY;
    double iv = INFINITY;
    if (c->wrap) {
        double ws = tb_energy_wrap_s(c->wrap, c->scale, tb_energy_chan_pmax_w(c));
        iv = isfinite(ws) ? ws / 4 : TB_GUARD_MAX_S; /* s12 item 9 */
    }
    if (c->poll_s > 0 && c->poll_s < iv)
        iv = c->poll_s;
    if (isfinite(iv) && iv > TB_GUARD_MAX_S)
        iv = TB_GUARD_MAX_S;
    return iv;
}

static double guard_interval(const tb_sampler_set *s)
{
    double best = INFINITY;
    for (int k = 0; k < s->nslot; k++) {
        const tb_slot *sl = &s->slot[k];
        if (sl->smp->layer != TB_LAYER_ENERGY)
            continue;
        for (int i = 0; i < sl->nch; i++) {
            double iv = tb_chan_guard_s(&sl->ch[i]);
            if (iv < best)
                best = iv;
        }
    }
    if (isfinite(best) && best < TB_GUARD_MIN_S)
        best = TB_GUARD_MIN_S;
    return best;
}

const char *tb_sampler_set_guard_error(const tb_sampler_set *s)
{
    return s && s->guard_err[0] ? s->guard_err : NULL;
}

double tb_sampler_set_guard_interval(const tb_sampler_set *s)
{
    return s ? s->guard_s : INFINITY;
}

uint64_t tb_sampler_set_guard_polls(const tb_sampler_set *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    uint64_t p = s->polls;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
    return p;
}

int tb_sampler_set_open(const char *names, const char *events, tb_sampler_set **out)
{
    *out = NULL;
    int all = !names || !*names || !strcmp(names, "all");
    int none = names && !strcmp(names, "none");
    /* Every name must be known before anything is opened. */
    if (!all && !none) {
        for (const char *p = names; *p;) {
            size_t l = strcspn(p, ",");
            char nm[32];
            if (l == 0 || l >= sizeof nm)
                return -EINVAL;
            memcpy(nm, p, l);
            nm[l] = '\0';
            if (!tb_sampler_find(nm))
                return -EINVAL;
            p += l;
            if (*p == ',')
                p++;
        }
    }
    tb_sampler_set *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the guard's deadlines */
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->guard_s = INFINITY;

    for (const tb_sampler *const *pp = registry(); *pp; pp++) {
        const tb_sampler *smp = *pp;
        tb_probe p;
        memset(&p, 0, sizeof p);
        int selected = all || (!none && in_list(names, smp->name));
        int rc = smp->probe(&p);
        if (rc == 0 && p.state == TB_AVAIL_LIVE && !selected) {
            snprintf(p.reason, sizeof p.reason, "available; not selected (--sampler)");
        } else if (rc == 0 && p.state == TB_AVAIL_LIVE && s->nslot < TB_SET_MAX) {
            tb_slot *sl = &s->slot[s->nslot];
            char why[256] = "", skipped[160] = "";
            char *ev = events_for(events, smp);
            if (ev)
                keep_known(smp, ev, skipped, sizeof skipped);
            if (ev && !*ev) {
                /* every --events item for it is unknown to it: counting its
                 * defaults instead would measure what was not asked for */
                free(ev);
                snprintf(p.reason, sizeof p.reason, "available; not opened: no --events item is a %s event (%s)",
                         smp->name, skipped);
                status_add(s, smp->name, &p);
                continue;
            }
            int nch = 0;
            int orc = smp->open(&sl->ctx, ev, sl->ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
            free(ev);
            if (orc == 0 && nch > 0) {
                sl->smp = smp;
                sl->nch = nch;
                s->nslot++;
                if (why[0] || skipped[0]) /* partial: some events failed or were unknown */
                    snprintf(p.reason, sizeof p.reason, "%s%s%s%s", skipped[0] ? "unknown event(s) not counted: " : "",
                             skipped, skipped[0] && why[0] ? "; " : "", why);
            } else {
                /* a failed open has freed its own context (tb-sampler.h);
                 * a successful one without channels is ours to close */
                if (orc == 0) {
                    smp->close(sl->ctx);
                    orc = -ENOENT;
                    if (!why[0])
                        snprintf(why, sizeof why, "no channels");
                }
                memset(sl, 0, sizeof *sl);
                p.state = tb_avail_from_errno(orc);
                if (p.state == TB_AVAIL_LIVE)
                    p.state = TB_AVAIL_IO_ERROR;
                snprintf(p.reason, sizeof p.reason, "open failed: %s", why[0] ? why : strerror(-orc));
            }
        }
        status_add(s, smp->name, &p);
    }
    for (const tb_pseudo_sampler *ps = tb_pseudo_samplers; ps->name; ps++) {
        tb_probe p;
        memset(&p, 0, sizeof p);
        ps->probe(&p);
        status_add(s, ps->name, &p);
    }

    s->guard_s = guard_interval(s);
    if (isfinite(s->guard_s)) {
        int prc = pthread_create(&s->guard, NULL, guard_main, s);
        if (prc == 0)
            s->guard_on = 1;
        else
            snprintf(s->guard_err, sizeof s->guard_err,
                     "the wrap-guard thread (poll every %.3g s) could not start: %s; a window longer than a wrap "
                     "period would be ambiguous", s->guard_s, strerror(prc));
    }
    *out = s;
    return 0;
}

void tb_sampler_set_close(tb_sampler_set *s)
{
    if (!s)
        return;
    if (s->guard_on) {
        pthread_mutex_lock(&s->mu);
        s->quit = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->guard, NULL);
    }
    for (int k = s->nslot - 1; k >= 0; k--)
        s->slot[k].smp->close(s->slot[k].ctx);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int tb_sampler_set_status_count(const tb_sampler_set *s)
{
    return s ? s->nstatus : 0;
}

void tb_sampler_set_status_at(const tb_sampler_set *s, int i, const char **name, tb_probe *p)
{
    if (!s || i < 0 || i >= s->nstatus) {
        *name = NULL;
        return;
    }
    *name = s->status[i].name;
    *p = s->status[i].p;
}

int tb_sampler_set_begin(tb_sampler_set *s)
{
    if (!s)
        return -EINVAL;
    int err = 0;
    pthread_mutex_lock(&s->mu);
    /* energy outermost: read (and start) energy first */
    for (int k = 0; k < s->nslot; k++) {
        tb_slot *sl = &s->slot[k];
        if (sl->smp->layer != TB_LAYER_ENERGY)
            continue;
        if (sl->smp->start)
            sl->smp->start(sl->ctx);
        if (slot_read_begin(sl) < 0)
            err = -EIO;
    }
    s->active = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int k = 0; k < s->nslot; k++) {
        tb_slot *sl = &s->slot[k];
        if (sl->smp->layer != TB_LAYER_COUNTER)
            continue;
        if (sl->smp->start && sl->smp->start(sl->ctx) < 0)
            err = -EIO;
        if (slot_read_begin(sl) < 0)
            err = -EIO;
    }
    s->cpu_begin = tb_plat_cpu_ns();
    return err;
}

/* The reason stored with a NAN value, by its invalidating flag. */
static const char *bad_reason(const char *flag)
{
    if (!strcmp(flag, "read_error"))
        return "a read of the counter failed in this window";
    if (!strcmp(flag, "reset"))
        return "the 64-bit counter went backwards (driver reload or reset): the delta is unknown";
    if (!strcmp(flag, "ambiguous"))
        return "two equal reads half a wrap period apart: zero or a whole wrap, undecidable";
    return "invalid in this window";
}

static int is_progress_counter(const tb_chan *c)
{
    if (c->kind == TB_CHAN_ENERGY || c->kind == TB_CHAN_TIME)
        return 1;
    return !strcmp(c->name, "cycles") || !strcmp(c->name, "instructions") ||
           !strcmp(c->name, "ref-cycles");
}

static void slot_emit(const tb_slot *sl, int busy, tb_reading *r, int i)
{
    const tb_chan *c = &sl->ch[i];
    memset(r, 0, sizeof *r);
    r->sampler = sl->smp->name;
    r->chan = *c;
    r->raw_delta = sl->acc[i];
    r->wraps = sl->wraps[i];
    r->window_ns = sl->t_last - sl->t_begin;
    double window_s = (double)r->window_ns * 1e-9;
    flag_add(r->flag, sizeof r->flag, c->note);
    if (sl->bad[i][0]) {
        r->value = NAN;
        flag_add(r->flag, sizeof r->flag, sl->bad[i]);
        snprintf(r->reason, sizeof r->reason, "%s", bad_reason(sl->bad[i]));
        return;
    }
    if (c->kind == TB_CHAN_POWER) {
        r->value = (double)sl->last[i].value * c->scale;
        return;
    }
    if (c->kind == TB_CHAN_ENERGY && sl->acc[i] == 0 && sl->wraps[i] == 0) {
        /* A powered CPU always uses energy: a counter that did not move
         * measured nothing (frozen or unvirtualised RAPL, a window shorter
         * than one update).  Unknown, never 0 J or 0 W. */
        r->value = NAN;
        flag_add(r->flag, sizeof r->flag, "not_updated");
        snprintf(r->reason, sizeof r->reason,
                 "%s: energy counter did not change in the %.3f s window (source not updating, or the window is "
                 "shorter than one update); energy unknown, not 0", c->name, window_s);
        return;
    }
    r->value = (double)sl->acc[i] * c->scale;
    if (sl->first[i].has_times && sl->last[i].has_times) {
        uint64_t en = sl->last[i].enabled_ns - sl->first[i].enabled_ns;
        uint64_t ru = sl->last[i].running_ns - sl->first[i].running_ns;
        r->has_times = 1;
        r->enabled_ns = en;
        r->running_ns = ru;
        if (ru == 0) {
            r->value = NAN; /* never ran: N/A, not 0 (s12 item 18) */
            flag_add(r->flag, sizeof r->flag, "not_running");
            snprintf(r->reason, sizeof r->reason, "%s: the event was never scheduled on a counter in this window",
                     c->name);
            return;
        }
        if (ru < en) {
            r->value = r->value * (double)en / (double)ru;
            flag_add(r->flag, sizeof r->flag, "multiplexed");
        }
    }
    if (c->update_s > 0 && window_s < TB_TOO_SHORT_UPDATES * c->update_s)
        flag_add(r->flag, sizeof r->flag, "too_short");
    if (sl->acc[i] == 0 && busy && r->window_ns >= TB_SUSPECT_MIN_NS && is_progress_counter(c))
        flag_add(r->flag, sizeof r->flag, "suspect");
}

int tb_sampler_set_end(tb_sampler_set *s, tb_reading *out, int max, int *n)
{
    *n = 0;
    if (!s)
        return -EINVAL;
    uint64_t cpu = tb_plat_cpu_ns() - s->cpu_begin;
    int err = 0;
    /* counters first: stop, then read the frozen values */
    for (int k = 0; k < s->nslot; k++) {
        tb_slot *sl = &s->slot[k];
        if (sl->smp->layer != TB_LAYER_COUNTER || !sl->started)
            continue;
        if (sl->smp->stop)
            sl->smp->stop(sl->ctx);
        if (slot_read_fold(sl) < 0)
            err = -EIO;
    }
    pthread_mutex_lock(&s->mu);
    s->active = 0;
    for (int k = 0; k < s->nslot; k++) {
        tb_slot *sl = &s->slot[k];
        if (sl->smp->layer != TB_LAYER_ENERGY || !sl->started)
            continue;
        if (slot_read_fold(sl) < 0)
            err = -EIO;
        if (sl->smp->stop)
            sl->smp->stop(sl->ctx);
    }
    pthread_mutex_unlock(&s->mu);
    /* emit: energy first (registry order), then counters */
    for (int layer = TB_LAYER_ENERGY; layer <= TB_LAYER_COUNTER; layer++) {
        for (int k = 0; k < s->nslot; k++) {
            tb_slot *sl = &s->slot[k];
            if ((int)sl->smp->layer != layer || !sl->started)
                continue;
            uint64_t win = sl->t_last - sl->t_begin;
            int busy = win && (double)cpu >= 0.25 * (double)win; /* a shared CPU still counts as busy */
            for (int i = 0; i < sl->nch; i++) {
                if (*n >= max) {
                    err = -ENOSPC;
                    break;
                }
                slot_emit(sl, busy, &out[(*n)++], i);
            }
            sl->started = 0;
        }
    }
    return err;
}

int tb_sampler_set_has_energy(const tb_sampler_set *s)
{
    for (int k = 0; s && k < s->nslot; k++)
        for (int i = 0; i < s->slot[k].nch; i++)
            if (s->slot[k].ch[i].kind == TB_CHAN_ENERGY)
                return 1;
    return 0;
}

int tb_sampler_set_idle_baseline(tb_sampler_set *s, double seconds, tb_reading *out, int max, int *n)
{
    *n = 0;
    if (!s || !(seconds > 0))
        return -EINVAL;
    int cap = s->nslot * TB_MAX_CHANNELS;
    if (cap == 0)
        return 0;
    int rc = 0, got = 0;
    tb_reading *tmp = calloc((size_t)cap, sizeof *tmp);
    if (!tmp)
        return -ENOMEM;
    rc = tb_sampler_set_begin(s);
    struct timespec ts = { (time_t)seconds, (long)((seconds - floor(seconds)) * 1e9) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    int erc = tb_sampler_set_end(s, tmp, cap, &got);
    if (!rc)
        rc = erc;
    for (int i = 0; i < got; i++) {
        if (tmp[i].chan.kind != TB_CHAN_ENERGY)
            continue;
        if (*n >= max) {
            rc = -ENOSPC;
            break;
        }
        tb_reading *r = &out[(*n)++];
        *r = tmp[i];
        r->chan.kind = TB_CHAN_POWER;
        snprintf(r->chan.unit, sizeof r->chan.unit, "W");
        double w = NAN;
        if (isnan(tmp[i].value) || tb_energy_power(tmp[i].value, 0, (int64_t)tmp[i].window_ns, &w) < 0)
            w = NAN;
        r->value = w;
        if (isnan(w) && !r->reason[0]) {
            flag_add(r->flag, sizeof r->flag, "empty_window");
            snprintf(r->reason, sizeof r->reason, "%s: the idle window has no duration", r->chan.name);
        }
        /* idle is not busy: "suspect" does not apply, keep the others */
    }
    free(tmp);
    return rc;
}
