/* platform-env.c - owns the registry of every environment variable that
 * changes what tritbench does, their one prefix (TRITBENCH_), the
 * deprecated TB_* aliases and their once-per-process warning, and the
 * runs.env_json record (see tb-platform.h).  The only getenv() of the
 * harness and bench; kernels/ stays free of the harness and reads none
 * through here. */
#include "tb-platform.h"
#include "tb-json.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grow by adding a row; tests/unit/test-platform.c checks that every
 * tb_env("...") in harness/ and bench/ names a row. */
static const tb_env_var registry[] = {
    {"TRITBENCH_ISA", "TB_ISA", "cap kernel dispatch: scalar, avx2, avxvnni, avx512, avx512vnni, avx512bf16; neon, neondot, neoni8mm (as --isa)"},
    {"TRITBENCH_MATMUL_VARIANTS", "TB_MATMUL_VARIANTS",
     "matmul full case list: best (best variant per format), default, or all"},
    {"TRITBENCH_BW_MIB", NULL, "bandwidth probe array size in MiB (default 4 x LLC, 64 MiB to 1 GiB)"},
    {"TRITBENCH_PMAX_W", NULL, "maximum power (W) assumed by every energy channel's wrap period"},
    {"TRITBENCH_MSR_WIDTH", NULL, "RAPL energy counter width in bits for the msr sampler (default 32)"},
    {"TRITBENCH_SYSFS_ROOT", NULL, "directory read instead of /sys (fixture trees in tests)"},
    {"TRITBENCH_PROC_ROOT", NULL, "directory read instead of /proc (fixture trees in tests)"},
    {"TRITBENCH_DEV_ROOT", NULL, "directory read instead of /dev (recorded MSR files in tests)"},
    {"TRITBENCH_CUDA_PLUGIN", NULL, "the CUDA plugin file (default: libtritbench-cuda.so beside the binary)"},
    {"OMP_NUM_THREADS", NULL, "not read (the pool is sized by --threads); recorded for provenance"},
};
#define TB_NENV ((int)(sizeof registry / sizeof registry[0]))

static _Atomic int warned[TB_NENV];

static int find(const char *name)
{
    for (int i = 0; i < TB_NENV; i++)
        if (!strcmp(registry[i].name, name))
            return i;
    return -1;
}

const char *tb_env(const char *name)
{
    int i = find(name);
    assert(i >= 0 && "tb_env: variable missing from the registry in platform-env.c");
    if (i < 0)
        return getenv(name);
    const tb_env_var *e = &registry[i];
    const char *v = getenv(e->name), *old = e->alias ? getenv(e->alias) : NULL;
    if (old && !atomic_exchange(&warned[i], 1)) {
        if (v)
            fprintf(stderr, "tritbench: %s is deprecated and ignored (%s is set)\n", e->alias, e->name);
        else
            fprintf(stderr, "tritbench: %s is deprecated, use %s\n", e->alias, e->name);
    }
    return v ? v : old;
}

int tb_env_json(char *buf, size_t len)
{
    if (len < 3)
        return -ENOSPC;
    tb_json j;
    int cap = len > (size_t)1 << 30 ? 1 << 30 : (int)len;
    tb_json_init(&j, buf, cap);
    tb_json_obj_begin(&j);
    for (int i = 0; i < TB_NENV; i++) {
        const char *v = tb_env(registry[i].name);
        if (v)
            tb_json_kv_str(&j, registry[i].name, v);
    }
    tb_json_obj_end(&j);
    int n = tb_json_len(&j);
    return !tb_json_ok(&j) || n < 0 ? -ENOSPC : n; /* the writer reports an overflow */
}

int tb_env_count(void) { return TB_NENV; }

const tb_env_var *tb_env_at(int i) { return i >= 0 && i < TB_NENV ? &registry[i] : NULL; }
