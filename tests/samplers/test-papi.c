/* test-papi.c - the PAPI adapter against the REAL installed libpapi
 * (energy-study s13 item 22).  Whatever the library says on this machine
 * is the expected outcome; the test asserts that the status is consistent
 * (rc 0 <=> live), that a non-live status has a reason, that the library
 * never crashes the harness, and that nothing unavailable yields a
 * reading (never a 0).  Built without PAPI, the probe must say so. */
#include "sampler-test.h"

#include <math.h>
#include <time.h>

#if TB_HAVE_PAPI
#include <papi.h>
#endif

static void busy(void)
{
    volatile uint64_t x = 0;
    for (int i = 0; i < 20000000; i++)
        x += (uint64_t)i;
}

int main(void)
{
    tb_probe p1, p2;
    int rc1 = tb_sampler_papi.probe(&p1);
    int rc2 = tb_sampler_papi.probe(&p2); /* twice: init is once per process */
    CHECK((rc1 == 0) == (p1.state == TB_AVAIL_LIVE));
    CHECK(rc1 == rc2 && p1.state == p2.state);
    fprintf(stderr, "papi: %s: %s [%s]\n", tb_avail_names[p1.state], p1.reason, p1.version);
#if !TB_HAVE_PAPI
    CHECK(p1.state == TB_AVAIL_ABSENT && strstr(p1.reason, "built without PAPI"));
#else
    CHECK(p1.version[0] != '\0');
    CHECK(PAPI_is_initialized() != PAPI_NOT_INITED);
    if (p1.state != TB_AVAIL_LIVE) {
        CHECK(p1.reason[0] != '\0' && p1.fix[0] != '\0');
        /* the component scan is part of the reason */
        CHECK(strstr(p1.reason, "perf_event") != NULL || strstr(p1.reason, "rapl") != NULL);
    }
    /* a named preset: usable or refused with a reason, never a silent 0 */
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    int rc = tb_sampler_papi.open(&ctx, "PAPI_TOT_CYC,perf::TASK-CLOCK", ch, TB_MAX_CHANNELS, &nch, why, sizeof why);
    if (rc == 0) {
        CHECK(nch >= 1);
        tb_raw a[TB_MAX_CHANNELS], b[TB_MAX_CHANNELS];
        CHECK(tb_sampler_papi.read(ctx, a) == 0);
        busy();
        CHECK(tb_sampler_papi.read(ctx, b) == 0);
        for (int i = 0; i < nch; i++)
            CHECK(b[i].value > a[i].value); /* what opened does count */
        tb_sampler_papi.close(ctx);
    } else {
        CHECK(rc < 0 && why[0] != '\0' && nch == 0);
        fprintf(stderr, "papi open refused: %s\n", why);
    }
    CHECK(tb_sampler_papi.open(&ctx, "NO_SUCH_EVENT_XYZ", ch, TB_MAX_CHANNELS, &nch, why, sizeof why) < 0);
    CHECK(nch == 0 && why[0] != '\0');
#endif
    /* through the set: papi readings exist only when papi is live */
    static const tb_sampler *const only[] = { &tb_sampler_papi, NULL };
    tb_sampler_set_use_registry(only);
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("papi", NULL, &s) == 0);
    const char *name;
    tb_probe ps;
    tb_sampler_set_status_at(s, 0, &name, &ps);
    CHECK(!strcmp(name, "papi") && ps.state == p1.state);
    tb_reading r[TB_MAX_CHANNELS];
    int n = 0;
    CHECK(tb_sampler_set_begin(s) == 0);
    busy();
    CHECK(tb_sampler_set_end(s, r, TB_MAX_CHANNELS, &n) == 0);
    if (ps.state != TB_AVAIL_LIVE)
        CHECK(n == 0);
    for (int i = 0; i < n; i++)
        CHECK(!isnan(r[i].value) || r[i].flag[0]);
    tb_sampler_set_close(s);
    tb_sampler_set_use_registry(NULL);
    TEST_DONE();
}
