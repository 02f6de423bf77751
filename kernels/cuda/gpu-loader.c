/* gpu-loader.c - owns finding and loading the CUDA plugin (tb-gpu.h): the
 * driver check through libcuda.so.1 (dlopen, cuInit, cuDeviceGetCount), the
 * plugin's dlopen, ABI check and init, and the one-line status. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tb-cuda-abi.h"
#include "tb-gpu.h"
#include "tb-isa.h"

#ifndef TB_CUDA_BUILT
#define TB_CUDA_BUILT 0
#endif
#ifndef TB_CUDA_BUILD_PLUGIN
#define TB_CUDA_BUILD_PLUGIN "" /* the plugin in the build tree (set by CMake) */
#endif
#define TB_CUDA_PLUGIN_NAME "libtritbench-cuda.so"

static const char *g_path;
static tb_gpu_status g_status;
static int g_probed;
static const tb_cuda_plugin *g_plugin;
static void *g_lib; /* the live plugin's handle (for its decoder table) */
static double g_event_ns;

void tb_gpu_set_plugin_path(const char *path) { g_path = path && *path ? path : NULL; }

static const char *cu_err_name(int rc)
{
    switch (rc) {
    case 100: return "CUDA_ERROR_NO_DEVICE";
    case 35: return "CUDA_ERROR_INSUFFICIENT_DRIVER";
    case 3: return "CUDA_ERROR_NOT_INITIALIZED";
    case 999: return "CUDA_ERROR_UNKNOWN";
    case 304: return "CUDA_ERROR_OPERATING_SYSTEM";
    default: return "CUDA error";
    }
}

/* Default plugin path: beside the running executable, else the build tree's. */
static void default_path(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, len, "%s/%s", exe, TB_CUDA_PLUGIN_NAME);
            if (access(buf, F_OK) == 0)
                return;
        }
    }
    snprintf(buf, len, "%s", TB_CUDA_BUILD_PLUGIN[0] ? TB_CUDA_BUILD_PLUGIN : TB_CUDA_PLUGIN_NAME);
}

/* The probe; keeps the plugin open when `keep` and it is live. */
static void probe(int built, const char *plugin, const char *libcuda, int keep, tb_gpu_status *s,
                  const tb_cuda_plugin **api, void **handle)
{
    memset(s, 0, sizeof *s);
    if (!built) {
        s->state = TB_GPU_NOT_BUILT;
        snprintf(s->line, sizeof s->line, "plugin not built (configured with TRITBENCH_CUDA=OFF or without nvcc)");
        return;
    }
    snprintf(s->plugin, sizeof s->plugin, "%s", plugin);
    void *cu = dlopen(libcuda, RTLD_NOW | RTLD_LOCAL);
    if (!cu) {
        const char *e = dlerror();
        s->state = TB_GPU_NO_DRIVER;
        snprintf(s->line, sizeof s->line, "%s absent (no NVIDIA driver): %s", libcuda, e ? e : "dlopen failed");
        return;
    }
    int (*cu_init)(unsigned) = NULL;
    int (*cu_count)(int *) = NULL;
    *(void **)&cu_init = dlsym(cu, "cuInit");
    *(void **)&cu_count = dlsym(cu, "cuDeviceGetCount");
    int rc = cu_init ? cu_init(0) : -1, count = 0;
    if (rc == 0 && cu_count)
        rc = cu_count(&count);
    if (!cu_init || !cu_count) {
        s->state = TB_GPU_NO_DRIVER;
        snprintf(s->line, sizeof s->line, "%s lacks cuInit/cuDeviceGetCount (not the NVIDIA driver?)", libcuda);
    } else if (rc != 0) {
        s->state = TB_GPU_NO_DEVICE;
        snprintf(s->line, sizeof s->line, "no device visible (cuInit: %s, %d)", cu_err_name(rc), rc);
    } else if (count < 1) {
        s->state = TB_GPU_NO_DEVICE;
        snprintf(s->line, sizeof s->line, "no device visible (the driver reports 0 devices)");
    }
    if (s->state == TB_GPU_NO_DRIVER || s->state == TB_GPU_NO_DEVICE) {
        dlclose(cu);
        return;
    }
    /* libcuda stays open for the process: the plugin's runtime uses it */
    void *lib = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        s->state = TB_GPU_PLUGIN_BAD;
        snprintf(s->line, sizeof s->line, "plugin %s not loadable: %s", plugin, e ? e : "dlopen failed");
        return;
    }
    const tb_cuda_plugin *(*get)(int) = NULL;
    *(void **)&get = dlsym(lib, TB_CUDA_ENTRY);
    const tb_cuda_plugin *p = get ? get(TB_CUDA_ABI) : NULL;
    if (!p || p->abi != TB_CUDA_ABI) {
        s->state = TB_GPU_PLUGIN_BAD;
        snprintf(s->line, sizeof s->line, "plugin %s: %s (tritbench expects ABI %d)", plugin,
                 !get ? "no entry point " TB_CUDA_ENTRY : "another ABI version", TB_CUDA_ABI);
        dlclose(lib);
        return;
    }
    char desc[160] = "", why[160] = "";
    if (p->init(desc, sizeof desc, why, sizeof why) < 0) {
        s->state = TB_GPU_NO_DEVICE;
        snprintf(s->line, sizeof s->line, "no device usable: %s", why);
        dlclose(lib);
        return;
    }
    s->state = TB_GPU_LIVE;
    snprintf(s->line, sizeof s->line, "%d device(s); using device 0: %s", count, desc);
    if (keep) {
        *api = p;
        *handle = lib;
    } else
        dlclose(lib);
}

void tb_gpu_probe_with(int built, const char *plugin, const char *libcuda, tb_gpu_status *out)
{
    probe(built, plugin, libcuda, 0, out, NULL, NULL);
}

const tb_gpu_status *tb_gpu_status_get(void)
{
    if (!g_probed) {
        char path[PATH_MAX + 32];
        if (g_path)
            snprintf(path, sizeof path, "%s", g_path);
        else
            default_path(path, sizeof path);
        probe(TB_CUDA_BUILT, path, "libcuda.so.1", 1, &g_status, &g_plugin, &g_lib);
        g_probed = 1;
    }
    return &g_status;
}

uint32_t tb_gpu_bits(void) { return tb_gpu_status_get()->state == TB_GPU_LIVE ? TB_ISA_CUDA : 0; }

const tb_cuda_plugin *tb_gpu_plugin(void) { return tb_gpu_bits() ? g_plugin : NULL; }

double tb_gpu_event_ns_total(void) { return g_event_ns; }

void tb_gpu_event_ns_add(double ns) { g_event_ns += ns; }

int tb_gpu_dec_lookup(void *lib, const char *path, const tb_cuda_dec_api **out, char *why, size_t len)
{
    *out = NULL;
    const tb_cuda_dec_api *(*get)(int) = NULL;
    *(void **)&get = lib ? dlsym(lib, TB_CUDA_DEC_ENTRY) : NULL;
    if (!get) {
        snprintf(why, len, "plugin %s has no decoder (no entry point " TB_CUDA_DEC_ENTRY
                 "): it predates the GPU decoder; rebuild it with this tritbench", path);
        return -ENOSYS;
    }
    const tb_cuda_dec_api *a = get(TB_CUDA_DEC_ABI);
    if (!a || a->abi != TB_CUDA_DEC_ABI) {
        snprintf(why, len, "plugin %s: decoder table of another version (tritbench expects decoder ABI %d); "
                 "rebuild it with this tritbench", path, TB_CUDA_DEC_ABI);
        return -ENOSYS;
    }
    *out = a;
    return 0;
}

const tb_cuda_dec_api *tb_gpu_dec_api(char *why, size_t len)
{
    const tb_gpu_status *s = tb_gpu_status_get();
    if (s->state != TB_GPU_LIVE) {
        snprintf(why, len, "no CUDA device usable: %s", s->line);
        return NULL;
    }
    const tb_cuda_dec_api *a = NULL;
    tb_gpu_dec_lookup(g_lib, s->plugin, &a, why, len);
    return a;
}
