/* test-msr.c - MSR unit decoding (energy-study s13 items 14-15) and the
 * msr sampler against recorded MSR words: a sparse file per CPU under
 * TRITBENCH_DEV_ROOT/cpu/N/msr holding 8-byte words at offset = MSR
 * address * 8 (consecutive AMD MSRs would overlap at offset = address),
 * generated here in a temp dir.  Errno cases via the shim. */
#include "sampler-test.h"

#include <math.h>

#include "samplers/tb-sampler-extra.h"

static void test_units(void)
{
    tb_msr_units u;
    CHECK(tb_msr_decode_units(0x000A0E03ull, 0x55, &u) == 0);
    CHECK_NEAR(u.power_w, 0.125, 0);
    CHECK_NEAR(u.energy_j * 1e6, 61.03515625, 1e-12);
    CHECK_NEAR(u.time_s * 1e6, 976.5625, 1e-12);
    CHECK(u.esu == 14);
    CHECK(tb_msr_decode_units(0x000A1003ull, 0x55, &u) == 0);
    CHECK_NEAR(u.energy_j * 1e6, 15.2587890625, 1e-12);
    tb_msr_units u2;
    CHECK(tb_msr_decode_units(0xFFFFFFFF000A1003ull, 0x55, &u2) == 0); /* reserved upper bits */
    CHECK(u2.energy_j == u.energy_j && u2.power_w == u.power_w && u2.time_s == u.time_s);
    CHECK(tb_msr_decode_units(0, 0x55, &u2) == -EINVAL);
    /* Atom Silvermont: energy unit is 2^ESU uJ */
    CHECK(tb_msr_decode_units(0x00000505ull, 0x37, &u2) == 0);
    CHECK_NEAR(u2.energy_j, 32e-6, 1e-18);
    /* HSX-EP DRAM: 2^-16 J whatever ESU says; package follows ESU */
    CHECK(tb_msr_decode_units(0x000A0E03ull, 0x3F, &u2) == 0);
    CHECK(tb_msr_domain_unit("dram", 0x3F, &u2) == ldexp(1.0, -16));
    CHECK(tb_msr_domain_unit("package", 0x3F, &u2) == ldexp(1.0, -14));
    /* SPR / EMR psys: 1 J */
    CHECK(tb_msr_domain_unit("psys", 0x8F, &u2) == 1.0);
    CHECK(tb_msr_domain_unit("psys", 0xCF, &u2) == 1.0);
    CHECK(tb_msr_domain_unit("psys", 0x8C, &u2) == ldexp(1.0, -14));
    CHECK(tb_msr_domain_unit("dram", 0x8F, &u2) == ldexp(1.0, -14));
}

/* item 15: our exact uJ vs the kernel's integer-nJ powercap value */
static void test_kernel_equivalence(void)
{
    CHECK(tb_msr_kernel_uj(123456789ull, 16) == 1883703686ull); /* Appendix A */
    for (int esu = 14; esu <= 16; esu += 2) {
        for (uint64_t raw = 1000000; raw < 4000000000ull; raw = raw * 7 + 13) {
            double exact = (double)raw * ldexp(1.0, -esu) * 1e6;
            double kern = (double)tb_msr_kernel_uj(raw, esu);
            CHECK(kern <= exact + 1);
            CHECK((exact - kern) / exact <= 6e-5);
        }
    }
}

static void cpuinfo(const char *root, const char *vendor, int fam, int model, int guest)
{
    st_write(root, "proc/cpuinfo", "vendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nflags\t\t: fpu msr%s\n",
             vendor, fam, model, guest ? " hypervisor" : "");
}

static void test_intel_server(void)
{
    char root[64];
    st_tmpdir(root, sizeof root);
    cpuinfo(root, "GenuineIntel", 6, 0x55, 0); /* Skylake-X: DRAM quirk */
    st_write(root, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
    st_write(root, "sys/devices/system/cpu/cpu1/topology/physical_package_id", "0\n");
    st_write(root, "sys/devices/system/cpu/cpu2/topology/physical_package_id", "1\n");
    for (int cpu = 0; cpu <= 2; cpu += 2) {
        char rel[64];
        snprintf(rel, sizeof rel, "dev/cpu/%d/msr", cpu);
        st_write_word(root, rel, 0x606, 0x000A0E03ull);        /* ESU 14 */
        st_write_word(root, rel, 0x611, 0xDEADBEEFFFFFFFF0ull); /* pkg, junk upper bits */
        st_write_word(root, rel, 0x619, 1000);                  /* dram */
        st_write_word(root, rel, 0x639, 500);                   /* pp0 (highest: no pp1/psys) */
    }
    st_use_roots(root);
    tb_probe p;
    CHECK(tb_sampler_msr.probe(&p) == 0 && p.state == TB_AVAIL_LIVE);
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    CHECK(tb_sampler_msr.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    CHECK(nch == 6);
    int pk0 = st_find_chan(ch, nch, "package-0"), pk1 = st_find_chan(ch, nch, "package-1");
    int dr0 = st_find_chan(ch, nch, "dram-0"), c0 = st_find_chan(ch, nch, "core-0");
    CHECK(pk0 >= 0 && pk1 >= 0 && dr0 >= 0 && c0 >= 0);
    CHECK(st_find_chan(ch, nch, "uncore-0") < 0 && st_find_chan(ch, nch, "psys") < 0);
    if (pk0 < 0 || dr0 < 0) {
        tb_sampler_msr.close(ctx);
        return;
    }
    CHECK(ch[pk0].wrap == (1ull << 32) && ch[pk0].scale == ldexp(1.0, -14));
    CHECK(ch[dr0].scale == ldexp(1.0, -16));
    tb_raw v[TB_MAX_CHANNELS];
    CHECK(tb_sampler_msr.read(ctx, v) == 0);
    CHECK(v[pk0].value == 0xFFFFFFF0ull); /* masked to 32 bits */
    tb_sampler_msr.close(ctx);

    /* the set over a wrap: 0xFFFFFFF0 -> 0x10 is 0x20 counts */
    static const tb_sampler *const only_msr[] = { &tb_sampler_msr, NULL };
    tb_sampler_set_use_registry(only_msr);
    tb_sampler_set *s = NULL;
    CHECK(tb_sampler_set_open("msr", NULL, &s) == 0);
    CHECK(tb_sampler_set_begin(s) == 0);
    st_write_word(root, "dev/cpu/0/msr", 0x611, 0xDEADBEEF00000010ull);
    tb_reading r[TB_MAX_CHANNELS];
    int n = 0;
    CHECK(tb_sampler_set_end(s, r, TB_MAX_CHANNELS, &n) == 0);
    int hit = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(r[i].chan.name, "package-0")) {
            hit = 1;
            CHECK(r[i].raw_delta == 0x20 && r[i].wraps == 1);
            CHECK_NEAR(r[i].value, 0x20 * ldexp(1.0, -14), 1e-15);
            CHECK(strstr(r[i].flag, "too_short") != NULL); /* far below 100 ms */
        }
    }
    CHECK(hit);
    tb_sampler_set_close(s);
    tb_sampler_set_use_registry(NULL);
    st_rmtree(root);
}

static void test_amd_and_spr(void)
{
    char root[64];
    st_tmpdir(root, sizeof root);
    cpuinfo(root, "AuthenticAMD", 25, 17, 0);
    st_write_word(root, "dev/cpu/0/msr", 0xC0010299ull, 0x000A1003ull); /* ESU 16 */
    st_write_word(root, "dev/cpu/0/msr", 0xC001029Aull, 4242);
    st_write_word(root, "dev/cpu/0/msr", 0xC001029Bull, 99999);
    st_use_roots(root);
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    void *ctx = NULL;
    char why[256] = "";
    CHECK(tb_sampler_msr.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    CHECK(nch == 2);
    int pk = st_find_chan(ch, nch, "package-0"), co = st_find_chan(ch, nch, "core-0");
    CHECK(pk >= 0 && co >= 0);
    if (pk >= 0 && co >= 0) {
        CHECK(!strcmp(ch[co].note, "one_core_only"));
        CHECK(ch[pk].scale == ldexp(1.0, -16));
        tb_raw v[TB_MAX_CHANNELS];
        CHECK(tb_sampler_msr.read(ctx, v) == 0);
        CHECK(v[pk].value == 99999 && v[co].value == 4242);
    }
    tb_sampler_msr.close(ctx);
    st_rmtree(root);

    st_tmpdir(root, sizeof root);
    cpuinfo(root, "GenuineIntel", 6, 0x8F, 0); /* Sapphire Rapids */
    st_write_word(root, "dev/cpu/0/msr", 0x606, 0x000A0E03ull);
    st_write_word(root, "dev/cpu/0/msr", 0x611, 7);
    st_write_word(root, "dev/cpu/0/msr", 0x64D, 12);
    st_use_roots(root);
    CHECK(tb_sampler_msr.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    int ps = st_find_chan(ch, nch, "psys");
    CHECK(ps >= 0 && ch[ps].scale == 1.0);
    tb_sampler_msr.close(ctx);

    /* width 64 (Zen4+ registers): no wrap modulus */
    setenv("TRITBENCH_MSR_WIDTH", "64", 1);
    CHECK(tb_sampler_msr.open(&ctx, NULL, ch, TB_MAX_CHANNELS, &nch, why, sizeof why) == 0);
    CHECK(nch > 0 && ch[0].wrap == 0);
    tb_sampler_msr.close(ctx);
    unsetenv("TRITBENCH_MSR_WIDTH");
    st_rmtree(root);
}

static void test_errors(void)
{
    char root[64];
    tb_probe p;
    st_tmpdir(root, sizeof root);
    cpuinfo(root, "GenuineIntel", 6, 0x55, 0);
    st_write_word(root, "dev/cpu/0/msr", 0x606, 0x000A0E03ull);
    st_write_word(root, "dev/cpu/0/msr", 0x611, 5);
    st_use_roots(root);
    tb_shim_fail(TB_SHIM_OPEN, "/msr", EACCES);
    CHECK(tb_sampler_msr.probe(&p) == -EACCES);
    CHECK(p.state == TB_AVAIL_DENIED && strstr(p.fix, "CAP_SYS_RAWIO"));
    tb_shim_reset();
    tb_shim_fail(TB_SHIM_OPEN, "/msr", ENOENT);
    CHECK(tb_sampler_msr.probe(&p) == -ENOENT);
    CHECK(p.state == TB_AVAIL_ABSENT && strstr(p.fix, "modprobe msr"));
    tb_shim_reset();
    tb_shim_fail(TB_SHIM_PREAD, "/msr", EIO);
    CHECK(tb_sampler_msr.probe(&p) == -EIO);
    CHECK(p.state == TB_AVAIL_IO_ERROR && p.reason[0]);
    tb_shim_reset();
    /* same EIO in a guest: virtualized */
    cpuinfo(root, "GenuineIntel", 6, 0x55, 1);
    tb_shim_fail(TB_SHIM_PREAD, "/msr", EIO);
    CHECK(tb_sampler_msr.probe(&p) < 0 && p.state == TB_AVAIL_VIRTUALIZED);
    tb_shim_reset();
    /* a guest whose package counter reads 0 */
    st_write_word(root, "dev/cpu/0/msr", 0x611, 0);
    CHECK(tb_sampler_msr.probe(&p) < 0 && p.state == TB_AVAIL_VIRTUALIZED);
    /* an unknown vendor */
    cpuinfo(root, "CentaurHauls", 6, 15, 0);
    CHECK(tb_sampler_msr.probe(&p) < 0 && p.state == TB_AVAIL_UNSUPPORTED);
    st_rmtree(root);
}

int main(void)
{
    test_units();
    test_kernel_equivalence();
    test_intel_server();
    test_amd_and_spr();
    test_errors();
    st_reset_roots();
    TEST_DONE();
}
