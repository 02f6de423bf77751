/* msr.c - owns the direct-MSR RAPL energy sampler: /dev/cpu/N/msr_safe
 * (LLNL msr-safe) or /dev/cpu/N/msr, read with pread at offset = MSR
 * address, one CPU per package (physical_package_id).  Decodes the unit
 * register with the per-model quirks (energy-study s1, s3, Appendix A).
 * Fixtures: a regular file instead of the device holds MSR `a` as the
 * 8-byte word at offset 8*a (sparse).  Counters are 32 bits wide by default (TRITBENCH_MSR_WIDTH=64 for Zen4+
 * where the register is 64-bit); the set does the modular delta. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sys-shim.h"
#include "tb-sampler-internal.h"

#define MSR_FIX_ABSENT "modprobe msr (bare metal; guests do not virtualise RAPL)"
#define MSR_FIX_DENIED "root with CAP_SYS_RAWIO (setcap cap_sys_rawio=ep), or msr-safe with an allowlist"

/* Intel MSRs (SDM Vol.3B s14.9) */
#define MSR_RAPL_POWER_UNIT 0x606          /* 3:0 PU, 12:8 ESU, 19:16 TU */
#define MSR_PKG_ENERGY_STATUS 0x611        /* 31:0 package energy */
#define MSR_PP0_ENERGY_STATUS 0x639        /* 31:0 cores */
#define MSR_PP1_ENERGY_STATUS 0x641        /* 31:0 uncore / iGPU (clients) */
#define MSR_DRAM_ENERGY_STATUS 0x619       /* 31:0 DRAM */
#define MSR_PLATFORM_ENERGY_STATUS 0x64D   /* 31:0 psys (Skylake+ clients, SPR) */
/* AMD MSRs (Fam 17h/19h/1Ah PPR; kernel amd_energy.rst) */
#define MSR_AMD_RAPL_POWER_UNIT 0xC0010299 /* same layout as 0x606 */
#define MSR_AMD_CORE_ENERGY_STATUS 0xC001029A /* per core */
#define MSR_AMD_PKG_ENERGY_STATUS 0xC001029B  /* per socket */

#define MSR_MAX_PKG 8

int tb_msr_decode_units(uint64_t raw, int intel_model, tb_msr_units *u)
{
    unsigned pu = (unsigned)(raw & 0xf);           /* bits 3:0 */
    unsigned esu = (unsigned)((raw >> 8) & 0x1f);  /* bits 12:8 */
    unsigned tu = (unsigned)((raw >> 16) & 0xf);   /* bits 19:16 */
    if ((raw & 0xffffffffu) == 0)
        return -EINVAL;
    u->esu = (int)esu;
    u->power_w = ldexp(1.0, -(int)pu);
    u->time_s = ldexp(1.0, -(int)tu);
    switch (intel_model) {
    case 0x37: case 0x4A: case 0x4D: case 0x5A: case 0x5D: /* Silvermont */
    case 0x4C:                                            /* Airmont */
        /* Atom: energy unit is 2^ESU uJ (kernel rapl_check_unit_atom) */
        u->energy_j = ldexp(1.0, (int)esu) * 1e-6;
        break;
    default:
        u->energy_j = ldexp(1.0, -(int)esu);           /* 1/2^ESU J */
    }
    return 0;
}

double tb_msr_domain_unit(const char *domain, int intel_model, const tb_msr_units *u)
{
    if (!strcmp(domain, "dram")) {
        switch (intel_model) {
        case 0x3F:                         /* Haswell-X */
        case 0x4F: case 0x56:              /* Broadwell-X, -DE */
        case 0x55:                         /* Skylake-X / Cascade Lake */
        case 0x6A: case 0x6C:              /* Ice Lake-X, -D */
        case 0x57: case 0x85:              /* Xeon Phi KNL, KNM */
            /* fixed 15.3 uJ DRAM unit (kernel RAPL_UNIT_QUIRK_INTEL_HSW: 2^-16 J) */
            return ldexp(1.0, -16);
        }
    }
    if (!strcmp(domain, "psys")) {
        switch (intel_model) {
        case 0x8F:                         /* Sapphire Rapids-X */
        case 0xCF:                         /* Emerald Rapids-X */
            /* psys in 1 J units (kernel RAPL_UNIT_QUIRK_INTEL_SPR: 2^0 J) */
            return 1.0;
        }
    }
    return u->energy_j;
}

uint64_t tb_msr_kernel_uj(uint64_t raw, int esu)
{
    /* intel_rapl_common.c: energy_unit is integer nJ, value/1000 -> uJ */
    uint64_t unit_nj = 1000000000ull >> esu;
    return raw * unit_nj / 1000;
}

typedef struct msr_ctx {
    int nch;
    int fd[TB_MAX_CHANNELS];        /* not owned: index into fds */
    uint32_t addr[TB_MAX_CHANNELS];
    int width;
    int nfd;
    int fds[MSR_MAX_PKG];
} msr_ctx;

static void msr_close(void *vctx)
{
    msr_ctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nfd; i++)
        tb_sys_close(c->fds[i]);
    free(c);
}

static int msr_open_dev(int cpu, char *why, size_t len)
{
    char p[64];
    snprintf(p, sizeof p, "/dev/cpu/%d/msr_safe", cpu);
    int fd = tb_sys_open(p, O_RDONLY);
    if (fd >= 0)
        return fd;
    snprintf(p, sizeof p, "/dev/cpu/%d/msr", cpu);
    fd = tb_sys_open(p, O_RDONLY);
    if (fd < 0)
        tb_fmt(why, len, "%s: %s", p, tb_plat_strerror(fd));
    return fd;
}

/* Offset of MSR `addr`: the device takes the address itself; a recorded
 * fixture (a regular file) holds word i at byte 8*i, because consecutive
 * MSRs (AMD 0xC001029A/0xC001029B) would overlap at offset = address. */
static off_t msr_offset(int fd, uint32_t addr)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        return (off_t)addr * 8;
    return (off_t)addr;
}

static int msr_rd(int fd, uint32_t addr, uint64_t *v)
{
    ssize_t n = tb_sys_pread(fd, v, sizeof *v, msr_offset(fd, addr));
    if (n < 0)
        return (int)n;
    return n == (ssize_t)sizeof *v ? 0 : -EIO; /* EOF of a fixture = no such MSR */
}

/* First CPU of each package (physical_package_id); cpu 0 when unknown. */
static int msr_package_cpus(int *cpu, int *pkg, int max)
{
    int n = 0, misses = 0;
    for (int c = 0; c < 4096 && n < max && misses < 64; c++) {
        char p[128], buf[32];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
        if (tb_sys_read_text(p, buf, sizeof buf) <= 0) {
            if (c == 0)
                break;
            misses++; /* offline CPUs have no topology: tolerate gaps */
            continue;
        }
        misses = 0;
        int id = atoi(buf), seen = 0;
        for (int i = 0; i < n; i++)
            seen |= pkg[i] == id;
        if (!seen) {
            cpu[n] = c;
            pkg[n] = id;
            n++;
        }
    }
    if (n == 0) {
        cpu[0] = 0;
        pkg[0] = 0;
        n = 1;
    }
    return n;
}

static int msr_width(void)
{
    const char *e = tb_env("TRITBENCH_MSR_WIDTH");
    int w = e ? atoi(e) : 32;
    return (w > 0 && w <= 64) ? w : 32;
}

/* Open and fill channels; on failure *state gets the availability. */
static int msr_open_impl(msr_ctx **out, tb_chan *ch, int max, int *nch, int *state, char *why, size_t len)
{
    *out = NULL;
    *nch = 0;
    *state = -1;
    msr_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int rc;
    c->width = msr_width();
    tb_cpu_id id;
    if ((rc = tb_sys_cpu_id(&id)) < 0) {
        tb_fmt(why, len, "cannot read /proc/cpuinfo: %s", tb_plat_strerror(rc));
        goto fail;
    }
    int intel = !strcmp(id.vendor, "GenuineIntel");
    int amd = (!strcmp(id.vendor, "AuthenticAMD") && (id.family == 0x17 || id.family == 0x19 || id.family == 0x1A)) ||
              (!strcmp(id.vendor, "HygonGenuine") && id.family == 0x18);
    if (!intel && !amd) {
        rc = -EOPNOTSUPP;
        *state = TB_AVAIL_UNSUPPORTED;
        tb_fmt(why, len, "no RAPL MSRs known for vendor '%s' family 0x%x", id.vendor, id.family);
        goto fail;
    }
    int cpus[MSR_MAX_PKG], pkgs[MSR_MAX_PKG];
    int npkg = msr_package_cpus(cpus, pkgs, MSR_MAX_PKG);
    static const struct { const char *dom; uint32_t addr; } intel_dom[] = {
        { "package", MSR_PKG_ENERGY_STATUS }, { "core", MSR_PP0_ENERGY_STATUS },
        { "uncore", MSR_PP1_ENERGY_STATUS }, { "dram", MSR_DRAM_ENERGY_STATUS },
        { "psys", MSR_PLATFORM_ENERGY_STATUS },
    }, amd_dom[] = {
        { "package", MSR_AMD_PKG_ENERGY_STATUS }, { "core", MSR_AMD_CORE_ENERGY_STATUS },
    };
    for (int k = 0; k < npkg; k++) {
        int fd = msr_open_dev(cpus[k], why, len);
        if (fd < 0) {
            rc = fd;
            goto fail;
        }
        c->fds[c->nfd++] = fd;
        uint64_t uraw = 0;
        rc = msr_rd(fd, intel ? MSR_RAPL_POWER_UNIT : MSR_AMD_RAPL_POWER_UNIT, &uraw);
        tb_msr_units u;
        if (rc < 0 || tb_msr_decode_units(uraw, intel ? id.model : -1, &u) < 0) {
            if (rc == 0)
                rc = -EIO;
            *state = id.hypervisor ? TB_AVAIL_VIRTUALIZED : TB_AVAIL_IO_ERROR;
            tb_fmt(why, len, "cpu %d: RAPL unit MSR 0x%x %s%s", cpus[k],
                   intel ? MSR_RAPL_POWER_UNIT : MSR_AMD_RAPL_POWER_UNIT,
                   uraw == 0 && rc == -EIO ? "unreadable or 0" : tb_plat_strerror(rc),
                   id.hypervisor ? " (guest: hypervisor flag)" : "");
            goto fail;
        }
        int ndom = intel ? 5 : 2;
        for (int d = 0; d < ndom && c->nch < max && c->nch < TB_MAX_CHANNELS; d++) {
            const char *dom = intel ? intel_dom[d].dom : amd_dom[d].dom;
            uint32_t addr = intel ? intel_dom[d].addr : amd_dom[d].addr;
            if (!strcmp(dom, "psys") && k > 0)
                continue; /* platform-wide */
            uint64_t v;
            if (msr_rd(fd, addr, &v) < 0)
                continue; /* EIO: this CPU lacks the domain */
            tb_chan *q = &ch[c->nch];
            memset(q, 0, sizeof *q);
            if (!strcmp(dom, "psys"))
                snprintf(q->name, sizeof q->name, "psys");
            else
                snprintf(q->name, sizeof q->name, "%s-%d", dom, pkgs[k]);
            snprintf(q->unit, sizeof q->unit, "J");
            q->kind = TB_CHAN_ENERGY;
            snprintf(q->domain, sizeof q->domain, "%s", dom);
            q->wrap = c->width >= 64 ? 0 : (UINT64_C(1) << c->width);
            q->scale = intel ? tb_msr_domain_unit(dom, id.model, &u) : u.energy_j;
            q->update_s = 1e-3; /* "updated every ~1 msec" */
            if (amd && !strcmp(dom, "core"))
                snprintf(q->note, sizeof q->note, "one_core_only");
            c->fd[c->nch] = fd;
            c->addr[c->nch] = addr;
            c->nch++;
        }
    }
    if (c->nch == 0) {
        rc = -ENOENT;
        tb_fmt(why, len, "no RAPL energy MSR readable");
        goto fail;
    }
    *nch = c->nch;
    *out = c;
    return 0;
fail:
    msr_close(c);
    return rc;
}

static int msr_read(void *vctx, tb_raw *vals)
{
    msr_ctx *c = vctx;
    int err = 0;
    for (int i = 0; i < c->nch; i++) {
        uint64_t v = 0;
        int rc = msr_rd(c->fd[i], c->addr[i], &v);
        if (rc < 0)
            err = rc;
        /* Intel: upper 32 bits reserved, not guaranteed zero */
        vals[i].value = tb_counter_mask(v, c->width);
        vals[i].has_times = 0; /* no enabled/running times */
        vals[i].enabled_ns = vals[i].running_ns = 0;
    }
    return err;
}

static int msr_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->version, sizeof p->version, "/dev/cpu/N/msr, width %d", msr_width());
    char why[256] = "";
    tb_chan ch[TB_MAX_CHANNELS];
    int nch = 0, state = -1;
    msr_ctx *c = NULL;
    int rc = msr_open_impl(&c, ch, TB_MAX_CHANNELS, &nch, &state, why, sizeof why);
    if (rc < 0) {
        tb_avail a = state >= 0 ? (tb_avail)state : tb_avail_from_errno(rc);
        const char *fix = a == TB_AVAIL_DENIED ? MSR_FIX_DENIED : a == TB_AVAIL_ABSENT ? MSR_FIX_ABSENT : "";
        return tb_probe_set(p, (int)a, -rc, fix, "%s", why);
    }
    tb_raw v[TB_MAX_CHANNELS];
    memset(v, 0, sizeof v);
    msr_read(c, v);
    msr_close(c);
    tb_cpu_id id;
    if (v[0].value == 0 && tb_sys_cpu_id(&id) == 0 && id.hypervisor)
        return tb_probe_set(p, TB_AVAIL_VIRTUALIZED, ENODEV, MSR_FIX_ABSENT,
                            "%s reads 0 in a guest (hypervisor flag)", ch[0].name);
    return tb_probe_set(p, TB_AVAIL_LIVE, 0, "", "%s", "");
}

static int msr_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    msr_ctx *c = NULL;
    int state;
    int rc = msr_open_impl(&c, ch, max, nch, &state, why, len);
    *ctx = c;
    return rc;
}

const tb_sampler tb_sampler_msr = {
    .name = "msr",
    .layer = TB_LAYER_ENERGY,
    .probe = msr_probe,
    .open = msr_open,
    .read = msr_read,
    .close = msr_close,
};
