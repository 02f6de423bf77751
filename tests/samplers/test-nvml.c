/* test-nvml.c - the NVML sampler through a fake libnvidia-ml (dlopen and
 * dlsym hooked in the shim): absent library, no devices, energy in mJ,
 * power in mW, and a counter reset (energy-study s13 item 13: the mJ
 * sequence 1000, 1500, 400, 900 gives intervals 500, INVALID, 500). */
#include "sampler-test.h"

#include <math.h>

static unsigned fake_ndev = 1;
static int fake_energy_ok = 1;
static const unsigned long long *seq;
static int seq_len, seq_pos;
static int fake_inited;

static int f_init(void) { fake_inited = 1; return 0; }
static int f_shutdown(void) { fake_inited = 0; return 0; }
static int f_count(unsigned *n) { *n = fake_ndev; return 0; }
static int f_handle(unsigned i, void **d) { *d = (void *)(uintptr_t)(i + 1); return 0; }
static int f_energy(void *d, unsigned long long *mj)
{
    if (!fake_energy_ok)
        return 3; /* NVML_ERROR_NOT_SUPPORTED */
    *mj = seq && seq_pos < seq_len ? seq[seq_pos++] : 1000;
    return 0;
}
static int f_power(void *d, unsigned *mw) { *mw = 75000; return 0; }
static const char *f_err(int r) { return r ? "Not Supported" : "Success"; }
static int f_driver(char *v, unsigned len) { snprintf(v, len, "999.1"); return 0; }

static int lib_present = 1;
static void *fake_dlopen(const char *name)
{
    return lib_present && !strcmp(name, "libnvidia-ml.so.1") ? (void *)&lib_present : NULL;
}
static void *fake_dlsym(void *h, const char *sym)
{
    static const struct { const char *n; void *f; } t[] = {
        { "nvmlInit_v2", (void *)f_init }, { "nvmlShutdown", (void *)f_shutdown },
        { "nvmlDeviceGetCount_v2", (void *)f_count }, { "nvmlDeviceGetHandleByIndex_v2", (void *)f_handle },
        { "nvmlDeviceGetTotalEnergyConsumption", (void *)f_energy },
        { "nvmlDeviceGetPowerUsage", (void *)f_power }, { "nvmlErrorString", (void *)f_err },
        { "nvmlSystemGetDriverVersion", (void *)f_driver },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(t[i].n, sym))
            return t[i].f;
    return NULL;
}

static void test_absent(void)
{
    tb_probe p;
    tb_shim_set_dl(fake_dlopen, fake_dlsym);
    lib_present = 0;
    CHECK(tb_sampler_nvml.probe(&p) == -ENOENT && p.state == TB_AVAIL_ABSENT);
    CHECK(strstr(p.reason, "libnvidia-ml.so.1") != NULL && p.fix[0]);
    lib_present = 1;
    fake_ndev = 0;
    CHECK(tb_sampler_nvml.probe(&p) < 0 && p.state == TB_AVAIL_ABSENT && strstr(p.reason, "no NVIDIA"));
    CHECK(fake_inited == 0); /* shut down again */
    fake_ndev = 1;
    fake_energy_ok = 0;
    CHECK(tb_sampler_nvml.probe(&p) == 0); /* power only still counts */
    fake_energy_ok = 1;
    CHECK(tb_sampler_nvml.probe(&p) == 0 && p.state == TB_AVAIL_LIVE && strstr(p.version, "999.1"));
    tb_shim_reset();
    /* the shim can make dlopen fail with a chosen errno */
    tb_shim_fail(TB_SHIM_DLOPEN, "nvidia", ENOENT);
    CHECK(tb_sampler_nvml.probe(&p) == -ENOENT && p.state == TB_AVAIL_ABSENT);
    tb_shim_reset();
}

static void test_reset(void)
{
    static const tb_sampler *const only[] = { &tb_sampler_nvml, NULL };
    tb_shim_set_dl(fake_dlopen, fake_dlsym);
    tb_sampler_set_use_registry(only);
    tb_sampler_set *s = NULL;
    seq = NULL;
    CHECK(tb_sampler_set_open("nvml", NULL, &s) == 0);
    /* three windows over the reads 1000,1500 | 1500,400 | 400,900 */
    static const unsigned long long trace[] = { 1000, 1500, 1500, 400, 400, 900 };
    seq = trace;
    seq_len = 6;
    seq_pos = 0;
    static const double want[] = { 0.5, NAN, 0.5 };
    for (int w = 0; w < 3; w++) {
        tb_reading r[8];
        int n = 0;
        CHECK(tb_sampler_set_begin(s) == 0);
        CHECK(tb_sampler_set_end(s, r, 8, &n) == 0);
        CHECK(n == 2);
        int e = -1, pw = -1;
        for (int i = 0; i < n; i++) {
            if (!strcmp(r[i].chan.name, "gpu-0"))
                e = i;
            if (!strcmp(r[i].chan.name, "gpu-0-power"))
                pw = i;
        }
        CHECK(e >= 0 && pw >= 0);
        if (e < 0 || pw < 0)
            continue;
        CHECK(r[e].chan.kind == TB_CHAN_ENERGY && !strcmp(r[e].chan.domain, "gpu"));
        if (isnan(want[w]))
            CHECK(isnan(r[e].value) && strstr(r[e].flag, "reset"));
        else
            CHECK_NEAR(r[e].value, want[w], 1e-12);
        CHECK(r[pw].chan.kind == TB_CHAN_POWER);
        CHECK_NEAR(r[pw].value, 75.0, 1e-9);
        if (!isnan(want[w]))
            CHECK(strstr(r[e].flag, "too_short") != NULL); /* < 100 x 100 ms */
    }
    tb_sampler_set_close(s);
    tb_sampler_set_use_registry(NULL);
    tb_shim_reset();
    seq = NULL;
}

int main(void)
{
    test_absent();
    test_reset();
    TEST_DONE();
}
