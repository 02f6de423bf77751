/* test-powercap.c - the powercap parser and sampler on fixture trees
 * (energy-study s13 items 1-7): client layout, two-socket server, AMD,
 * index != socket, garbage values, permission and I/O errors through the
 * shim, max_energy_range_uj used as read. */
#include "sampler-test.h"

static const tb_powercap_zone *zone_named(const tb_powercap_zone *z, int n, const char *dir)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(z[i].dir, dir))
            return &z[i];
    return NULL;
}

static int open_channels(tb_chan *ch, int *nch, void **ctx)
{
    char why[256] = "";
    int rc = tb_sampler_powercap.open(ctx, NULL, ch, TB_MAX_CHANNELS, nch, why, sizeof why);
    if (rc < 0)
        fprintf(stderr, "open: %s\n", why);
    return rc;
}

static void test_client(void)
{
    st_use_fixture("powercap/client");
    tb_powercap_zone z[TB_POWERCAP_MAX_ZONES];
    int n = 0;
    char why[256];
    CHECK(tb_powercap_scan(z, TB_POWERCAP_MAX_ZONES, &n, why, sizeof why) == 0);
    CHECK(n == 5);
    const tb_powercap_zone *pkg = zone_named(z, n, "intel-rapl:0");
    const tb_powercap_zone *core = zone_named(z, n, "intel-rapl:0:0");
    const tb_powercap_zone *unc = zone_named(z, n, "intel-rapl:0:1");
    const tb_powercap_zone *psys = zone_named(z, n, "intel-rapl:1");
    const tb_powercap_zone *mmio = zone_named(z, n, "intel-rapl-mmio:0");
    CHECK(pkg && core && unc && psys && mmio);
    if (!(pkg && core && unc && psys && mmio))
        return;
    CHECK(pkg->socket == 0 && !strcmp(pkg->domain, "package"));
    CHECK(!strcmp(psys->domain, "psys") && psys->socket == -1); /* platform, not socket 1 */
    CHECK(!strcmp(z[core->parent].dir, "intel-rapl:0") && !strcmp(core->chan, "core-0"));
    CHECK(!strcmp(z[unc->parent].dir, "intel-rapl:0") && !strcmp(unc->chan, "uncore-0"));
    CHECK(mmio->duplicate == 1 && pkg->duplicate == 0);
    CHECK(pkg->nconstraints == 3);
    CHECK(!strcmp(pkg->constraint[0].name, "long_term"));
    CHECK(pkg->constraint[0].limit_uw == 135000000ull);
    CHECK(pkg->constraint[0].window_us == 95944704ull);
    CHECK(pkg->constraint[0].max_uw == 55000000ull);
    CHECK(!strcmp(pkg->constraint[1].name, "short_term") && !strcmp(pkg->constraint[2].name, "peak_power"));

    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    CHECK(open_channels(ch, &nch, &ctx) == 0);
    CHECK(nch == 4); /* mmio duplicate dropped */
    int ip = st_find_chan(ch, nch, "package-0");
    CHECK(ip >= 0 && st_find_chan(ch, nch, "core-0") >= 0 && st_find_chan(ch, nch, "uncore-0") >= 0 &&
          st_find_chan(ch, nch, "psys") >= 0);
    if (ip >= 0) {
        CHECK(ch[ip].wrap == 262143328850ull);
        CHECK(ch[ip].scale == 1e-6 && ch[ip].kind == TB_CHAN_ENERGY && !strcmp(ch[ip].unit, "J"));
        CHECK(!strcmp(ch[ip].domain, "package") && ch[ip].note[0] == '\0');
        /* wrap period from constraint_0_max_power_uw (55 W in the fixture);
         * a zone without constraints leaves it unknown (harness: 1000 W) */
        CHECK(fabs(ch[ip].pmax_w - 55.0) < 1e-9);
        CHECK(ch[ip].poll_s == 0); /* the wrap alone sets its guard period */
        CHECK(fabs(tb_energy_chan_pmax_w(&ch[ip]) - 55.0) < 1e-9);
        int ic = st_find_chan(ch, nch, "core-0");
        if (ic >= 0)
            CHECK(ch[ic].pmax_w == 0 && tb_energy_chan_pmax_w(&ch[ic]) == 1000.0);
        tb_raw v[TB_MAX_CHANNELS];
        CHECK(tb_sampler_powercap.read(ctx, v) == 0);
        CHECK(v[ip].value == 1000000ull);
    }
    tb_sampler_powercap.close(ctx);
    tb_probe p;
    CHECK(tb_sampler_powercap.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
}

static void test_server(void)
{
    st_use_fixture("powercap/server-2s");
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    CHECK(open_channels(ch, &nch, &ctx) == 0);
    CHECK(nch == 4);
    int p0 = st_find_chan(ch, nch, "package-0"), p1 = st_find_chan(ch, nch, "package-1");
    int d0 = st_find_chan(ch, nch, "dram-0"), d1 = st_find_chan(ch, nch, "dram-1");
    CHECK(p0 >= 0 && p1 >= 0 && d0 >= 0 && d1 >= 0);
    for (int i = 0; i < nch; i++)
        CHECK(strcmp(ch[i].domain, "core") != 0);
    if (p0 >= 0 && p1 >= 0 && d0 >= 0 && d1 >= 0) {
        CHECK(ch[d0].wrap == 65532610987ull && !strcmp(ch[d1].domain, "dram"));
        tb_raw v[TB_MAX_CHANNELS];
        CHECK(tb_sampler_powercap.read(ctx, v) == 0);
        uint64_t total = v[p0].value + v[p1].value + v[d0].value + v[d1].value;
        CHECK(total == 5000000ull + 7000000ull + 600000ull + 800000ull);
    }
    tb_sampler_powercap.close(ctx);
}

static void test_amd(void)
{
    st_use_fixture("powercap/amd-zen");
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    CHECK(open_channels(ch, &nch, &ctx) == 0);
    CHECK(nch == 2);
    int c = st_find_chan(ch, nch, "core-0");
    CHECK(c >= 0 && !strcmp(ch[c].note, "one_core_only"));
    for (int i = 0; i < nch; i++)
        CHECK(strcmp(ch[i].domain, "dram") != 0);
    tb_sampler_powercap.close(ctx);
}

static void test_index_not_socket(void)
{
    st_use_fixture("powercap/index-not-socket");
    tb_powercap_zone z[TB_POWERCAP_MAX_ZONES];
    int n = 0;
    char why[256];
    CHECK(tb_powercap_scan(z, TB_POWERCAP_MAX_ZONES, &n, why, sizeof why) == 0);
    const tb_powercap_zone *a = zone_named(z, n, "intel-rapl:0"), *b = zone_named(z, n, "intel-rapl:1");
    const tb_powercap_zone *c = zone_named(z, n, "intel-rapl:1:0");
    CHECK(a && b && c);
    if (a && b && c) {
        CHECK(!strcmp(a->domain, "psys") && a->socket == -1);
        CHECK(!strcmp(b->chan, "package-0") && b->socket == 0);
        CHECK(!strcmp(c->chan, "core-0"));
    }
}

static void test_old_kernel_range(void)
{
    st_use_fixture("powercap/old-kernel-range");
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    CHECK(open_channels(ch, &nch, &ctx) == 0);
    CHECK(nch == 1 && ch[0].wrap == 262143999938ull); /* as read, not recomputed */
    tb_sampler_powercap.close(ctx);
}

static void test_parse(void)
{
    uint64_t v = 0;
    CHECK(tb_powercap_parse_uj("123\n", 4, 0, &v) == 0 && v == 123);
    CHECK(tb_powercap_parse_uj("123", 3, 0, &v) == 0 && v == 123);
    CHECK(tb_powercap_parse_uj("", 0, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("\n", 1, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("abc", 3, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("12a\n", 4, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("123\n\n", 5, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("-5", 2, 0, &v) == -EBADMSG);
    CHECK(tb_powercap_parse_uj("18446744073709551615", 20, 0, &v) == 0 && v == UINT64_MAX);
    CHECK(tb_powercap_parse_uj("18446744073709551616", 20, 0, &v) == -ERANGE);
    CHECK(tb_powercap_parse_uj("18446744073709551615", 20, 262143328850ull, &v) == -ERANGE);
    CHECK(tb_powercap_parse_uj("262143328851", 12, 262143328850ull, &v) == -ERANGE);
}

/* A one-zone tree in a temp dir with energy_uj = `content`. */
static void make_tree(const char *root, const char *content)
{
    st_write(root, "sys/class/powercap/intel-rapl:0/name", "package-0\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
    st_write(root, "sys/class/powercap/intel-rapl:0/energy_uj", "%s", content);
    st_write(root, "proc/cpuinfo", "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nflags\t\t: fpu msr\n");
}

static void test_garbage(void)
{
    static const char *const bad[] = { "", "abc", "18446744073709551615", "262143328851\n", "1 2\n" };
    char root[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_tmpdir(root, sizeof root);
        make_tree(root, bad[i]);
        st_use_roots(root);
        tb_probe p;
        int rc = tb_sampler_powercap.probe(&p);
        CHECK(rc < 0 && p.state == TB_AVAIL_IO_ERROR && p.reason[0]);
        tb_chan ch[TB_MAX_CHANNELS];
        int nch = 5;
        void *ctx = NULL;
        char why[256];
        CHECK(tb_sampler_powercap.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) < 0);
        CHECK(nch == 0 && ctx == NULL);
        st_rmtree(root);
    }
    st_tmpdir(root, sizeof root);
    make_tree(root, "123\n");
    st_use_roots(root);
    tb_probe p;
    CHECK(tb_sampler_powercap.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
    st_rmtree(root);
}

static void test_shim_errors(void)
{
    tb_probe p;
    st_use_fixture("powercap/client");
    tb_shim_fail(TB_SHIM_OPEN, "/energy_uj", EACCES);
    CHECK(tb_sampler_powercap.probe(&p) == -EACCES);
    CHECK(p.state == TB_AVAIL_DENIED && p.fix[0] && strstr(p.fix, "root"));
    tb_shim_reset();

    tb_shim_fail(TB_SHIM_OPEN, "/sys/class/powercap", ENOENT);
    CHECK(tb_sampler_powercap.probe(&p) == -ENOENT);
    CHECK(p.state == TB_AVAIL_ABSENT && p.reason[0] && p.fix[0]);
    tb_shim_reset();

    tb_shim_fail(TB_SHIM_PREAD, "/energy_uj", EIO);
    CHECK(tb_sampler_powercap.probe(&p) == -EIO);
    CHECK(p.state == TB_AVAIL_IO_ERROR && p.reason[0]);
    tb_shim_reset();

    /* an EIO after open: the read fails, never a 0 */
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    CHECK(open_channels(ch, &nch, &ctx) == 0);
    tb_shim_fail(TB_SHIM_PREAD, "/energy_uj", EIO);
    tb_raw v[TB_MAX_CHANNELS];
    CHECK(tb_sampler_powercap.read(ctx, v) == -EIO);
    tb_shim_reset();
    tb_sampler_powercap.close(ctx);
}

int main(void)
{
    test_client();
    test_server();
    test_amd();
    test_index_not_socket();
    test_old_kernel_range();
    test_parse();
    test_garbage();
    test_shim_errors();
    st_reset_roots();
    TEST_DONE();
}
