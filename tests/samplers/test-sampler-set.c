/* test-sampler-set.c - the sampler set with scripted fake samplers and
 * with the real registry: status of every sampler (+ the pseudo-samplers
 * clock and energy-model, from tb_pseudo_samplers), name selection and
 * -EINVAL, event routing, nesting order, wrap-safe accumulation with the
 * guard poller, the guard period each channel declares (wrap, poll_s; no
 * sampler names), has_times, the open() ownership rule, multiplexed /
 * not_running / too_short / suspect / reset flags, idle baseline and net
 * energy. */
#include "sampler-test.h"

#include <math.h>
#include <time.h>

#include "samplers/tb-sampler-extra.h"

static char trace[512];
static void note(const char *s)
{
    size_t l = strlen(trace);
    snprintf(trace + l, sizeof trace - l, "%s ", s);
}

static uint64_t mono_raw_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- fake energy sampler: a wrapping counter driven by the clock ---- */
static uint64_t fe_wrap = 1000, fe_t0;
static double fe_poll_s;            /* declared poll period, 0 = none */
static double fe_rate = 50000.0;    /* ticks per second */
static int fe_frozen;
static double fe_update_s = 1e-3;
static char fe_events[64];

static int fe_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    return 0;
}
static int fe_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    snprintf(fe_events, sizeof fe_events, "%s", events ? events : "(null)");
    memset(ch, 0, sizeof *ch);
    snprintf(ch->name, sizeof ch->name, "package-0");
    snprintf(ch->unit, sizeof ch->unit, "J");
    snprintf(ch->domain, sizeof ch->domain, "package");
    ch->kind = TB_CHAN_ENERGY;
    ch->wrap = fe_wrap;
    ch->poll_s = fe_poll_s;
    ch->scale = 1e-3;
    ch->update_s = fe_update_s;
    *nch = 1;
    *ctx = &fe_wrap;
    fe_t0 = mono_raw_ns();
    return 0;
}
static int fe_start(void *ctx)
{
    note("E-start");
    return 0;
}
static int fe_read(void *ctx, tb_raw *v)
{
    double t = (double)(mono_raw_ns() - fe_t0) * 1e-9;
    uint64_t ticks = fe_frozen ? 777 : (uint64_t)floor(t * fe_rate);
    v[0].value = fe_wrap ? ticks % fe_wrap : ticks;
    v[0].has_times = 0;
    v[0].enabled_ns = v[0].running_ns = 0;
    note("E-read");
    return 0;
}
static int fe_stop(void *ctx)
{
    note("E-stop");
    return 0;
}
static void fe_close(void *ctx) { }
static const tb_sampler fake_energy = {
    .name = "fakeE", .layer = TB_LAYER_ENERGY, .probe = fe_probe, .open = fe_open,
    .start = fe_start, .read = fe_read, .stop = fe_stop, .close = fe_close,
};

/* ---- fake counter sampler: scripted reads ---- */
static tb_raw fc_script[8][2];
static int fc_pos;
static char fc_events[64];
static int fc_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    snprintf(fc_events, sizeof fc_events, "%s", events ? events : "(null)");
    memset(ch, 0, 2 * sizeof *ch);
    snprintf(ch[0].name, sizeof ch[0].name, "instructions");
    snprintf(ch[0].unit, sizeof ch[0].unit, "count");
    snprintf(ch[1].name, sizeof ch[1].name, "cycles");
    snprintf(ch[1].unit, sizeof ch[1].unit, "count");
    ch[0].scale = ch[1].scale = 1;
    *nch = 2;
    *ctx = &fc_pos;
    return 0;
}
static int fc_start(void *ctx)
{
    note("C-start");
    return 0;
}
static int fc_read(void *ctx, tb_raw *v)
{
    v[0] = fc_script[fc_pos][0];
    v[1] = fc_script[fc_pos][1];
    fc_pos++;
    note("C-read");
    return 0;
}
static int fc_stop(void *ctx)
{
    note("C-stop");
    return 0;
}
static const tb_sampler fake_counter = {
    .name = "fakeC", .layer = TB_LAYER_COUNTER, .probe = fe_probe, .open = fc_open,
    .start = fc_start, .read = fc_read, .stop = fc_stop, .close = fe_close,
};

/* ---- a sampler that is never available ---- */
static int na_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    return tb_probe_set(p, -1, ENOENT, "get one", "not here");
}
static const tb_sampler fake_absent = {
    .name = "fakeA", .layer = TB_LAYER_COUNTER, .probe = na_probe, .open = fc_open,
    .read = fc_read, .close = fe_close,
};
static char fc2_events[64];
static int fc2_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    int rc = fc_open(ctx, events, ch, max, nch, why, len);
    snprintf(fc2_events, sizeof fc2_events, "%s", fc_events);
    return rc;
}
static const tb_sampler fake_counter2 = {
    .name = "fakeC2", .layer = TB_LAYER_COUNTER, .probe = fe_probe, .open = fc2_open,
    .read = fc_read, .close = fe_close,
};

static const tb_sampler *const fakes[] = { &fake_energy, &fake_counter, &fake_absent, &fake_counter2, NULL };

/* ---- a counter sampler that knows two events (event_known) ---- */
static int fk_known(const char *ev) { return !strcmp(ev, "cycles") || !strcmp(ev, "instructions"); }
static const tb_sampler fake_known = {
    .name = "fakeK", .layer = TB_LAYER_COUNTER, .probe = fe_probe, .open = fc_open,
    .read = fc_read, .close = fe_close, .event_known = fk_known,
};
static const tb_sampler *const fakes_known[] = { &fake_energy, &fake_known, &fake_absent, NULL };

static const tb_reading *find(const tb_reading *r, int n, const char *sampler, const char *chan)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].sampler, sampler) && !strcmp(r[i].chan.name, chan))
            return &r[i];
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void test_real_registry_status(void)
{
    tb_sampler_set_use_registry(NULL);
    int nreg = 0;
    while (tb_samplers[nreg])
        nreg++;
    CHECK(nreg == 7);
    static const char *const order[] = { "powercap", "perf-power", "msr", "nvml", "perf", "papi", "likwid" };
    for (int i = 0; i < nreg && i < 7; i++) {
        CHECK(!strcmp(tb_samplers[i]->name, order[i]));
        CHECK(tb_sampler_find(order[i]) == tb_samplers[i]);
        CHECK(tb_samplers[i]->layer == (i < 4 ? TB_LAYER_ENERGY : TB_LAYER_COUNTER));
    }
    CHECK(tb_sampler_find("nope") == NULL);
    tb_sampler_set *s = (tb_sampler_set *)1;
    CHECK(tb_sampler_set_open("perf,bogus", NULL, &s) == -EINVAL && s == NULL);
    CHECK(tb_sampler_set_open("perf,,msr", NULL, &s) == -EINVAL);
    CHECK(tb_sampler_set_open("none", NULL, &s) == 0 && s);
    int npseudo = 0;
    while (tb_pseudo_samplers[npseudo].name)
        npseudo++;
    CHECK(npseudo == 2);
    CHECK(tb_sampler_set_status_count(s) == nreg + npseudo);
    int seen_clock = 0, seen_model = 0;
    for (int i = 0; i < tb_sampler_set_status_count(s); i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(s, i, &name, &p);
        CHECK(name != NULL);
        if (!name)
            continue;
        if (i < nreg)
            CHECK(!strcmp(name, tb_samplers[i]->name));
        else /* pseudo rows: the one list, in its order, always live */
            CHECK(!strcmp(name, tb_pseudo_samplers[i - nreg].name) && p.state == TB_AVAIL_LIVE &&
                  p.version[0] && !tb_sampler_find(name));
        seen_clock |= !strcmp(name, "clock") && p.state == TB_AVAIL_LIVE;
        seen_model |= !strcmp(name, "energy-model") && p.state == TB_AVAIL_LIVE;
        if (p.state != TB_AVAIL_LIVE)
            CHECK(p.reason[0] != '\0');
        CHECK((int)p.state >= 0 && p.state <= TB_AVAIL_IO_ERROR);
    }
    CHECK(seen_clock && seen_model);
    tb_reading r[64];
    int n = -1;
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 64, &n) == 0 && n == 0);
    tb_sampler_set_close(s);

    /* "all": readings come only from live samplers, never 0 from others */
    CHECK(tb_sampler_set_open("all", NULL, &s) == 0);
    CHECK(tb_sampler_set_begin(s) == 0);
    sleep_ms(5);
    CHECK(tb_sampler_set_end(s, r, 64, &n) == 0);
    for (int i = 0; i < n; i++) {
        int live = 0;
        for (int k = 0; k < tb_sampler_set_status_count(s); k++) {
            const char *name;
            tb_probe p;
            tb_sampler_set_status_at(s, k, &name, &p);
            if (!strcmp(name, r[i].sampler))
                live = p.state == TB_AVAIL_LIVE;
        }
        CHECK(live);
    }
    tb_sampler_set_close(s);
    tb_sampler_set_close(NULL);
    CHECK(tb_sampler_set_begin(NULL) == -EINVAL);
}

/* status reason of `name` in the set */
static const char *status_reason(const tb_sampler_set *s, const char *name, tb_probe *p)
{
    for (int k = 0; k < tb_sampler_set_status_count(s); k++) {
        const char *nm;
        tb_sampler_set_status_at(s, k, &nm, p);
        if (!strcmp(nm, name))
            return p->reason;
    }
    return "";
}

/* --events checked before a run: items no live selected sampler knows are
 * counted and named; open() never sees them; a sampler left with nothing
 * is not opened (its defaults were not asked for). */
static void test_events_check(void)
{
    tb_sampler_set_use_registry(fakes_known);
    char unk[64];
    int n = 0;
    CHECK(tb_sampler_events_check("all", NULL, unk, sizeof unk, &n) == 0 && n == 0);
    CHECK(tb_sampler_events_check("all", "cycles", unk, sizeof unk, &n) == 0 && n == 1 && !unk[0]);
    CHECK(tb_sampler_events_check("all", "bogus", unk, sizeof unk, &n) == 1 && n == 1 && !strcmp(unk, "bogus"));
    CHECK(tb_sampler_events_check("all", "cycles,bogus,x", unk, sizeof unk, &n) == 2 && n == 3 &&
          !strcmp(unk, "bogus,x"));
    CHECK(tb_sampler_events_check("fakeE", "cycles", unk, sizeof unk, &n) == 1); /* no counter selected */
    CHECK(tb_sampler_events_check("none", "cycles", unk, sizeof unk, &n) == 1);
    CHECK(tb_sampler_events_check("all", "fakeE:x", unk, sizeof unk, &n) == 1);   /* energy takes none */
    CHECK(tb_sampler_events_check("all", "fakeK:cycles", unk, sizeof unk, &n) == 0);
    CHECK(tb_sampler_events_check("fakeE", "fakeK:cycles", unk, sizeof unk, &n) == 1); /* not selected */
    CHECK(tb_sampler_events_check("all", "fakeA:cycles", unk, sizeof unk, &n) == 1);   /* not live */
    CHECK(tb_sampler_events_check("all", "", unk, sizeof unk, &n) == -EINVAL);
    CHECK(tb_sampler_events_check("all", "a,,b", unk, sizeof unk, &n) == -EINVAL);
    CHECK(tb_sampler_events_check("all", "a,", unk, sizeof unk, &n) == -EINVAL);
    CHECK(tb_sampler_events_check("all", ",a", unk, sizeof unk, &n) == -EINVAL);

    tb_sampler_set *s = NULL;
    tb_probe p;
    fc_events[0] = 0;
    CHECK(tb_sampler_set_open("all", "cycles,bogus,instructions", &s) == 0);
    CHECK(!strcmp(fc_events, "cycles,instructions")); /* bogus never reaches open() */
    CHECK(strstr(status_reason(s, "fakeK", &p), "bogus") && p.state == TB_AVAIL_LIVE);
    tb_sampler_set_close(s);
    fc_events[0] = 0;
    CHECK(tb_sampler_set_open("all", "bogus", &s) == 0);
    CHECK(!fc_events[0]); /* not opened with its defaults either */
    CHECK(strstr(status_reason(s, "fakeK", &p), "not opened") && strstr(p.reason, "bogus"));
    tb_reading r[8];
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 8, &n) == 0 && n == 1 && !strcmp(r[0].sampler, "fakeE"));
    tb_sampler_set_close(s);
}

static void test_selection_and_routing(void)
{
    tb_sampler_set_use_registry(fakes);
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeC,fakeC2", "fakeC:a,fakeC2:b,c,perf::X,fakeE:e", &s) == 0);
    CHECK(!strcmp(fc_events, "a,c,perf::X") || !strcmp(fc2_events, "b,c,perf::X"));
    CHECK(!strcmp(fc2_events, "b,c,perf::X"));
    int n = tb_sampler_set_status_count(s);
    CHECK(n == 6);
    for (int i = 0; i < n; i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(s, i, &name, &p);
        if (!strcmp(name, "fakeE"))
            CHECK(p.state == TB_AVAIL_LIVE && strstr(p.reason, "not selected"));
        if (!strcmp(name, "fakeA"))
            CHECK(p.state == TB_AVAIL_ABSENT && !strcmp(p.reason, "not here") && !strcmp(p.fix, "get one"));
    }
    tb_sampler_set_close(s);
    fe_events[0] = '\0';
    CHECK(tb_sampler_set_open("fakeE", "fakeE:e,x", &s) == 0);
    CHECK(!strcmp(fe_events, "e"));
    tb_sampler_set_close(s);
}

static void test_nesting_and_mux(void)
{
    tb_sampler_set_use_registry(fakes);
    memset(fc_script, 0, sizeof fc_script);
    fc_pos = 0;
    /* window 1: multiplexed (running 250 of 1000) */
    fc_script[0][0] = (tb_raw){ 0, 10, 10, 1 };
    fc_script[0][1] = (tb_raw){ 0, 10, 10, 1 };
    fc_script[1][0] = (tb_raw){ 100, 1010, 260, 1 };
    fc_script[1][1] = (tb_raw){ 50, 1010, 1010, 1 };
    /* window 2: never ran */
    fc_script[2][0] = (tb_raw){ 100, 1010, 260, 1 };
    fc_script[3][0] = (tb_raw){ 100, 2010, 260, 1 };
    fc_script[2][1] = (tb_raw){ 50, 1010, 1010, 1 };
    fc_script[3][1] = (tb_raw){ 50, 2010, 1010, 1 };
    tb_sampler_set *s = NULL;
    fe_wrap = 1000000000;
    CHECK(tb_sampler_set_open("fakeE,fakeC", NULL, &s) == 0);
    trace[0] = '\0';
    tb_reading r[16];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 16, &n) == 0);
    CHECK(!strcmp(trace, "E-start E-read C-start C-read C-stop C-read E-read E-stop "));
    CHECK(n == 3 && !strcmp(r[0].sampler, "fakeE")); /* energy first */
    const tb_reading *ins = find(r, n, "fakeC", "instructions"), *cyc = find(r, n, "fakeC", "cycles");
    CHECK(ins && cyc);
    if (ins && cyc) {
        CHECK_NEAR(ins->value, 400, 1e-9);
        CHECK(strstr(ins->flag, "multiplexed") != NULL);
        CHECK(ins->has_times == 1);
        CHECK(ins->enabled_ns == 1000 && ins->running_ns == 250 && ins->raw_delta == 100);
        CHECK_NEAR(cyc->value, 50, 0);
        CHECK(cyc->flag[0] == '\0');
    }
    /* a source without times: has_times 0, times 0, value unscaled */
    const tb_reading *en = find(r, n, "fakeE", "package-0");
    CHECK(en && en->has_times == 0 && en->enabled_ns == 0 && en->running_ns == 0);
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 16, &n) == 0);
    ins = find(r, n, "fakeC", "instructions");
    CHECK(ins && isnan(ins->value) && strstr(ins->flag, "not_running"));
    /* too small an output array */
    fc_pos = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 2, &n) == -ENOSPC && n == 2);
    tb_sampler_set_close(s);
}

static void test_guard_and_wrap(void)
{
    tb_sampler_set_use_registry(fakes);
    setenv("TRITBENCH_PMAX_W", "100000", 1);
    fe_wrap = 1000;      /* wraps every 20 ms at 50000 ticks/s */
    fe_rate = 50000.0;
    fe_update_s = 1e-4;
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeE", NULL, &s) == 0);
    /* wrap 1000 ticks x 1e-3 J at 100 kW = 10 us wrap -> clamped to 1 ms polls */
    CHECK(tb_sampler_set_guard_interval(s) <= 0.0025);
    tb_reading r[4];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    sleep_ms(120);
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0 && n == 1);
    double expect = fe_rate * (double)r[0].window_ns * 1e-9;
    CHECK(tb_sampler_set_guard_polls(s) > 10);
    /* the guard polls every 1 ms against a 20 ms wrap: exact up to rounding.
     * Under ThreadSanitizer (whose pass looks for races, not timing) a poll
     * can be held back past a whole wrap, so the exactness is checked in the
     * Release and ASan passes only. */
#ifndef __SANITIZE_THREAD__
    CHECK(fabs((double)r[0].raw_delta - expect) <= 2.0);
    CHECK(r[0].wraps >= 4);
#else
    (void)expect;
#endif
    CHECK_NEAR(r[0].value, (double)r[0].raw_delta * 1e-3, 1e-9);
    CHECK(strstr(r[0].flag, "too_short") == NULL); /* 120 ms >= 100 x 0.1 ms */
    tb_sampler_set_close(s);
    unsetenv("TRITBENCH_PMAX_W");
    fe_update_s = 1e-3;
}

/* Spin until this thread has used 60 ms of CPU. */
static void busy_60ms(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    volatile uint64_t x = 0;
    do {
        for (int i = 0; i < 10000; i++)
            x += (uint64_t)i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 60000000L);
}

static void test_suspect_and_short(void)
{
    tb_sampler_set_use_registry(fakes);
    fe_wrap = 1000000000;
    fe_frozen = 1;
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeE,fakeC", NULL, &s) == 0);
    memset(fc_script, 0, sizeof fc_script);
    fc_pos = 0;
    for (int k = 0; k < 8; k++)
        fc_script[k][0] = fc_script[k][1] = (tb_raw){ 1000, 0, 0, 0 }; /* cycles do not move */
    tb_reading r[4];
    int n = 0;
    /* busy with counters that do not move: cycles are suspect; the energy
     * counter that did not move is unknown (NAN, not_updated), never 0 J */
    CHECK(tb_sampler_set_begin(s) == 0);
    busy_60ms();
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0 && n == 3);
    CHECK(!strcmp(r[0].sampler, "fakeE") && isnan(r[0].value));
    CHECK(strstr(r[0].flag, "not_updated") != NULL && strstr(r[0].flag, "suspect") == NULL);
    CHECK(strstr(r[0].reason, "package-0") && strstr(r[0].reason, "did not change"));
    /* The set calls a window busy when the process had >= 25 % of it on a
     * CPU.  On a shared, overloaded machine 60 ms of CPU can take longer
     * than 240 ms of wall time; then "not busy" is the right answer. */
    if (60e6 >= 0.3 * (double)r[2].window_ns)
        CHECK(!strcmp(r[2].chan.name, "cycles") && strstr(r[2].flag, "suspect") != NULL);
    else
        fprintf(stderr, "machine too loaded (60 ms of CPU in a %.0f ms window): suspect check skipped\n",
                (double)r[2].window_ns * 1e-6);
    CHECK(r[2].value == 0 && !r[2].reason[0]); /* a counted zero, flagged: kept for the record */
    /* idle: not suspect (nobody was busy), the frozen energy still unknown */
    CHECK(tb_sampler_set_begin(s) == 0);
    sleep_ms(60);
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0);
    if (strstr(r[2].flag, "suspect"))
        fprintf(stderr, "idle window flag '%s' window %llu ns\n", r[2].flag, (unsigned long long)r[2].window_ns);
    CHECK(strstr(r[2].flag, "suspect") == NULL);
    CHECK(isnan(r[0].value) && strstr(r[0].flag, "not_updated"));
    tb_sampler_set_close(s);
    fe_frozen = 0;
}

/* A counter that does not move through the idle baseline: idle watts are
 * NAN with the flag and its reason, never 0 W (net joules against 0 W
 * would be gross joules). */
static void test_idle_frozen(void)
{
    tb_sampler_set_use_registry(fakes);
    fe_wrap = 0;
    fe_frozen = 1;
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeE", NULL, &s) == 0);
    tb_reading r[4];
    int n = 0;
    CHECK(tb_sampler_set_idle_baseline(s, 0.05, r, 4, &n) == 0 && n == 1);
    CHECK(isnan(r[0].value) && r[0].chan.kind == TB_CHAN_POWER);
    CHECK(strstr(r[0].flag, "not_updated") != NULL && strstr(r[0].reason, "did not change") != NULL);
    CHECK(isnan(tb_energy_net(1.0, r[0].value, 1.0)));
    tb_sampler_set_close(s);
    fe_frozen = 0;
    fe_wrap = 1000;
}

static void test_idle_baseline(void)
{
    tb_sampler_set_use_registry(fakes);
    fe_wrap = 0;           /* 64-bit */
    fe_rate = 10000.0;     /* 10000 mJ/s = 10 W */
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeE,fakeC", NULL, &s) == 0);
    memset(fc_script, 0, sizeof fc_script);
    fc_pos = 0;
    tb_reading r[8];
    int n = 0;
    CHECK(tb_sampler_set_idle_baseline(s, 0.05, r, 8, &n) == 0);
    CHECK(n == 1); /* energy channels only */
    if (n == 1) {
        CHECK(r[0].chan.kind == TB_CHAN_POWER && !strcmp(r[0].chan.unit, "W"));
        CHECK(!strcmp(r[0].chan.name, "package-0") && !strcmp(r[0].sampler, "fakeE"));
        CHECK_NEAR(r[0].value, 10.0, 0.5);
        CHECK(r[0].window_ns >= 50000000ull);
        /* gross and net for a later window */
        double gross = 100.0, t = 1.5;
        CHECK_NEAR(tb_energy_net(gross, r[0].value, t), gross - r[0].value * t, 1e-12);
    }
    CHECK(tb_sampler_set_idle_baseline(s, 0, r, 8, &n) == -EINVAL);
    tb_sampler_set_close(s);
    fe_wrap = 1000;
    fe_rate = 50000.0;
}

/* A perf-like source whose times are real zeros (a group never enabled):
 * has_times keeps them apart from "no times", so the value is N/A. */
static void test_has_times_zero(void)
{
    tb_sampler_set_use_registry(fakes);
    memset(fc_script, 0, sizeof fc_script);
    fc_pos = 0;
    fc_script[0][0] = (tb_raw){ 0, 0, 0, 1 };
    fc_script[1][0] = (tb_raw){ 0, 0, 0, 1 };
    fc_script[0][1] = (tb_raw){ 5, 0, 0, 0 };
    fc_script[1][1] = (tb_raw){ 9, 0, 0, 0 };
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("fakeC", NULL, &s) == 0);
    tb_reading r[4];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0 && n == 2);
    const tb_reading *ins = find(r, n, "fakeC", "instructions"), *cyc = find(r, n, "fakeC", "cycles");
    CHECK(ins && ins->has_times == 1 && ins->enabled_ns == 0 && ins->running_ns == 0);
    CHECK(ins && isnan(ins->value) && strstr(ins->flag, "not_running"));
    CHECK(cyc && cyc->has_times == 0 && cyc->value == 4 && cyc->flag[0] == '\0');
    tb_sampler_set_close(s);
}

/* The guard period comes from what a channel declares, never from the
 * sampler's name: a 64-bit channel without poll_s gets no guard, even
 * from a sampler called "perf-power"; poll_s alone starts one. */
static const tb_sampler fake_named_pp = {
    .name = "perf-power", .layer = TB_LAYER_ENERGY, .probe = fe_probe, .open = fe_open,
    .read = fe_read, .close = fe_close,
};
static const tb_sampler *const only_named_pp[] = { &fake_named_pp, NULL };

static void test_guard_declared(void)
{
    tb_chan c;
    memset(&c, 0, sizeof c);
    c.kind = TB_CHAN_ENERGY;
    c.scale = 1e-6;
    CHECK(isinf(tb_chan_guard_s(&c)));                 /* wrap 0, poll_s 0: none */
    c.poll_s = 60;
    CHECK(tb_chan_guard_s(&c) == 60);                  /* perf power's declaration */
    c.poll_s = 5;
    CHECK(tb_chan_guard_s(&c) == 5);
    c.poll_s = 600;
    CHECK(tb_chan_guard_s(&c) == 60);                  /* capped */
    c.poll_s = 0;
    c.wrap = 262143328850ull;                          /* powercap uJ range */
    c.pmax_w = 100;
    setenv("TRITBENCH_PMAX_W", "", 1);
    CHECK_NEAR(tb_chan_guard_s(&c), 60, 0);            /* 2621 s / 4, capped */
    c.wrap = 1ull << 32;
    c.scale = 0x1p-16;                                 /* 65536 J wrap at 100 W */
    CHECK_NEAR(tb_chan_guard_s(&c), 60, 0);
    c.pmax_w = 1000;                                   /* 65.5 s / 4 */
    CHECK_NEAR(tb_chan_guard_s(&c), 65536.0 / 1000 / 4, 1e-9);
    c.poll_s = 1;                                      /* the shorter wins */
    CHECK_NEAR(tb_chan_guard_s(&c), 1, 0);
    c.kind = TB_CHAN_COUNT;
    CHECK(isinf(tb_chan_guard_s(&c)));                 /* counters: never */
    unsetenv("TRITBENCH_PMAX_W");

    uint64_t saved_wrap = fe_wrap;
    fe_wrap = 0;
    fe_poll_s = 0;
    tb_sampler_set_use_registry(only_named_pp);
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("perf-power", NULL, &s) == 0);
    CHECK(isinf(tb_sampler_set_guard_interval(s)));
    tb_reading r[4];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    sleep_ms(20);
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0 && n == 1);
    CHECK(tb_sampler_set_guard_polls(s) == 0);
    tb_sampler_set_close(s);

    fe_poll_s = 0.002;
    tb_sampler_set_use_registry(fakes);
    CHECK(tb_sampler_set_open("fakeE", NULL, &s) == 0);
    CHECK_NEAR(tb_sampler_set_guard_interval(s), 0.002, 1e-12);
    CHECK(tb_sampler_set_begin(s) == 0);
    sleep_ms(60);
    CHECK(tb_sampler_set_end(s, r, 4, &n) == 0 && n == 1);
    CHECK(tb_sampler_set_guard_polls(s) >= 1);
    tb_sampler_set_close(s);
    fe_poll_s = 0;
    fe_wrap = saved_wrap;
}

/* open() ownership (tb-sampler.h): a failed open frees its own context
 * and the set never closes it; a successful open without channels is
 * closed by the set, once. */
static int own_closes;
static void *own_ctx, *own_closed;
static int own_fail_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    void *mine = malloc(64);
    free(mine); /* failing: release what was acquired... */
    *ctx = NULL; /* ...and hand nothing back */
    *nch = 0;
    snprintf(why, len, "device gone");
    return -EIO;
}
static int own_empty_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    own_ctx = malloc(64);
    *ctx = own_ctx;
    *nch = 0;
    return 0;
}
static void own_close(void *ctx)
{
    own_closes++;
    own_closed = ctx;
    free(ctx);
}
static const tb_sampler fake_fail_open = {
    .name = "fakeF", .layer = TB_LAYER_ENERGY, .probe = fe_probe, .open = own_fail_open,
    .read = fe_read, .close = own_close,
};
static const tb_sampler fake_empty_open = {
    .name = "fakeZ", .layer = TB_LAYER_COUNTER, .probe = fe_probe, .open = own_empty_open,
    .read = fc_read, .close = own_close,
};
static const tb_sampler *const owners[] = { &fake_fail_open, &fake_empty_open, NULL };

static void test_open_ownership(void)
{
    tb_sampler_set_use_registry(owners);
    own_closes = 0;
    own_ctx = own_closed = NULL;
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("all", NULL, &s) == 0);
    CHECK(own_closes == 1 && own_closed == own_ctx && own_ctx != NULL);
    for (int i = 0; i < tb_sampler_set_status_count(s); i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(s, i, &name, &p);
        if (!strcmp(name, "fakeF"))
            CHECK(p.state == TB_AVAIL_IO_ERROR && !strcmp(p.reason, "open failed: device gone"));
        if (!strcmp(name, "fakeZ"))
            CHECK(p.state == TB_AVAIL_ABSENT && !strcmp(p.reason, "open failed: no channels"));
    }
    tb_sampler_set_close(s);
    CHECK(own_closes == 1); /* nothing of theirs is left to close */
}

int main(void)
{
    test_real_registry_status();
    test_selection_and_routing();
    test_nesting_and_mux();
    test_guard_and_wrap();
    test_suspect_and_short();
    test_idle_baseline();
    test_idle_frozen();
    test_events_check();
    test_has_times_zero();
    test_guard_declared();
    test_open_ownership();
    tb_sampler_set_use_registry(NULL);
    TEST_DONE();
}
