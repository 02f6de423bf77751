/* nvml.c - owns the NVIDIA GPU energy sampler.  libnvidia-ml.so.1 is
 * loaded with dlopen at run time (no link dependency).  Per device: the
 * total energy counter (mJ since driver load, Volta+; 64-bit, so a
 * decrease is a driver reset, which the set flags "reset") and the board
 * power (mW; a 1 s average on Ampere+ except GA100) as a power channel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#define NV_LIB "libnvidia-ml.so.1"
#define NV_FIX "install the NVIDIA driver (libnvidia-ml.so.1) on a machine with an NVIDIA GPU"
#define NV_SUCCESS 0
#define NV_ERROR_NOT_SUPPORTED 3
#define NV_ERROR_NO_PERMISSION 4
#define NV_MAX_DEV 16

typedef int nv_ret;
typedef void *nv_dev;

typedef struct nv_api {
    void *lib;
    nv_ret (*init)(void);
    nv_ret (*shutdown)(void);
    nv_ret (*count)(unsigned *);
    nv_ret (*handle)(unsigned, nv_dev *);
    nv_ret (*energy)(nv_dev, unsigned long long *);
    nv_ret (*power)(nv_dev, unsigned *);
    const char *(*errstr)(nv_ret);
    nv_ret (*driver)(char *, unsigned);
} nv_api;

typedef struct nv_ctx {
    nv_api api;
    int nch;
    nv_dev dev[TB_MAX_CHANNELS];
    int is_power[TB_MAX_CHANNELS];
} nv_ctx;

static const char *nv_err(const nv_api *a, nv_ret r)
{
    const char *s = a->errstr ? a->errstr(r) : NULL;
    return s ? s : "NVML error";
}

static void nv_unload(nv_api *a)
{
    if (a->shutdown)
        a->shutdown();
    tb_sys_dlclose(a->lib);
    memset(a, 0, sizeof *a);
}

/* Load and initialise NVML; 0 or -errno with why. */
static int nv_load(nv_api *a, char *why, size_t len)
{
    memset(a, 0, sizeof *a);
    char dw[200] = "";
    a->lib = tb_sys_dlopen(NV_LIB, dw, sizeof dw);
    if (!a->lib) {
        tb_fmt(why, len, "%s not loadable (%s)", NV_LIB, dw);
        return -ENOENT;
    }
#define NV_SYM(field, name) *(void **)(&a->field) = tb_sys_dlsym(a->lib, name)
    NV_SYM(init, "nvmlInit_v2");
    NV_SYM(shutdown, "nvmlShutdown");
    NV_SYM(count, "nvmlDeviceGetCount_v2");
    NV_SYM(handle, "nvmlDeviceGetHandleByIndex_v2");
    NV_SYM(energy, "nvmlDeviceGetTotalEnergyConsumption");
    NV_SYM(power, "nvmlDeviceGetPowerUsage");
    NV_SYM(errstr, "nvmlErrorString");
    NV_SYM(driver, "nvmlSystemGetDriverVersion");
#undef NV_SYM
    if (!a->init || !a->count || !a->handle || !a->shutdown) {
        tb_fmt(why, len, "%s lacks nvmlInit_v2/nvmlDeviceGetCount_v2", NV_LIB);
        a->shutdown = NULL;
        nv_unload(a);
        return -EOPNOTSUPP;
    }
    nv_ret r = a->init();
    if (r != NV_SUCCESS) {
        tb_fmt(why, len, "nvmlInit_v2: %s (%d)", nv_err(a, r), r);
        a->shutdown = NULL;
        nv_unload(a);
        return r == NV_ERROR_NO_PERMISSION ? -EACCES : -ENODEV;
    }
    return 0;
}

static void nv_close(void *vctx)
{
    nv_ctx *c = vctx;
    if (!c)
        return;
    nv_unload(&c->api);
    free(c);
}

static int nv_open_impl(nv_ctx **out, tb_chan *ch, int max, int *nch, char *version, size_t vlen,
                        char *why, size_t len)
{
    *out = NULL;
    *nch = 0;
    nv_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int rc = nv_load(&c->api, why, len);
    if (rc < 0) {
        free(c);
        return rc;
    }
    nv_api *a = &c->api;
    if (version && a->driver) {
        char v[80] = "";
        if (a->driver(v, sizeof v) == NV_SUCCESS)
            tb_fmt(version, vlen, "NVML driver %s", v);
    }
    unsigned n = 0;
    nv_ret r = a->count(&n);
    if (r != NV_SUCCESS || n == 0) {
        tb_fmt(why, len, r != NV_SUCCESS ? "nvmlDeviceGetCount_v2: %s" : "no NVIDIA devices%s",
               r != NV_SUCCESS ? nv_err(a, r) : "");
        rc = -ENODEV;
        goto fail;
    }
    for (unsigned i = 0; i < n && i < NV_MAX_DEV; i++) {
        nv_dev d;
        if (a->handle(i, &d) != NV_SUCCESS)
            continue;
        unsigned long long mj;
        unsigned mw;
        if (a->energy && a->energy(d, &mj) == NV_SUCCESS && c->nch < max && c->nch < TB_MAX_CHANNELS) {
            tb_chan *q = &ch[c->nch];
            memset(q, 0, sizeof *q);
            snprintf(q->name, sizeof q->name, "gpu-%u", i);
            snprintf(q->unit, sizeof q->unit, "J");
            q->kind = TB_CHAN_ENERGY;
            snprintf(q->domain, sizeof q->domain, "gpu");
            q->wrap = 0;        /* u64 mJ since driver load */
            q->scale = 1e-3;    /* mJ -> J */
            q->update_s = 0.1;  /* counter updates about every 100 ms */
            c->dev[c->nch] = d;
            c->is_power[c->nch++] = 0;
        }
        if (a->power && a->power(d, &mw) == NV_SUCCESS && c->nch < max && c->nch < TB_MAX_CHANNELS) {
            tb_chan *q = &ch[c->nch];
            memset(q, 0, sizeof *q);
            snprintf(q->name, sizeof q->name, "gpu-%u-power", i);
            snprintf(q->unit, sizeof q->unit, "W");
            q->kind = TB_CHAN_POWER;
            snprintf(q->domain, sizeof q->domain, "gpu");
            q->scale = 1e-3;    /* mW -> W */
            q->update_s = 1.0;  /* 1 s average on Ampere+ */
            c->dev[c->nch] = d;
            c->is_power[c->nch++] = 1;
        }
    }
    if (c->nch == 0) {
        tb_fmt(why, len, "%u NVIDIA device(s), none reports energy or power (NOT_SUPPORTED)", n);
        rc = -EOPNOTSUPP;
        goto fail;
    }
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    nv_close(c);
    return rc;
}

static int nv_read(void *vctx, tb_raw *vals)
{
    nv_ctx *c = vctx;
    int err = 0;
    for (int i = 0; i < c->nch; i++) {
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
        if (c->is_power[i]) {
            unsigned mw = 0;
            if (c->api.power(c->dev[i], &mw) != NV_SUCCESS)
                err = -EIO;
            vals[i].value = mw;
        } else {
            unsigned long long mj = 0;
            if (c->api.energy(c->dev[i], &mj) != NV_SUCCESS)
                err = -EIO;
            vals[i].value = mj;
        }
    }
    return err;
}

static int nv_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    char why[256] = "";
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0;
    nv_ctx *c = NULL;
    int rc = nv_open_impl(&c, ch, TB_MAX_CHANNELS, &nch, p->version, sizeof p->version, why, sizeof why);
    if (rc < 0) {
        int st = (rc == -ENODEV) ? TB_AVAIL_ABSENT : -1;
        return tb_probe_set(p, st, -rc, rc == -EACCES ? "run as a user allowed to open /dev/nvidia*" : NV_FIX,
                            "%s", why);
    }
    nv_close(c);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", "");
}

static int nv_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    nv_ctx *c = NULL;
    int rc = nv_open_impl(&c, ch, max, nch, NULL, 0, why, len);
    *ctx = c;
    return rc;
}

const tb_sampler tb_sampler_nvml = {
    .name = "nvml",
    .layer = TB_LAYER_ENERGY,
    .probe = nv_probe,
    .open = nv_open,
    .read = nv_read,
    .close = nv_close,
};
