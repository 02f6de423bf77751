/* tb-gpu.h - is a CUDA device usable here, and through which plugin.
 *
 * The CUDA backends live in a plugin (libtritbench-cuda.so) that
 * kernels/cuda/gpu-loader.c loads with dlopen on first use, after checking
 * the driver itself (libcuda.so.1: cuInit, cuDeviceGetCount), so that the one
 * tritbench binary runs on machines without the NVIDIA driver and says in
 * one line why the GPU backends are unavailable:
 *   "plugin not built (configured with TRITBENCH_CUDA=OFF or without nvcc)"
 *   "libcuda.so.1 absent (no NVIDIA driver): <dlerror>"
 *   "no device visible (cuInit: CUDA_ERROR_NO_DEVICE)" / "... 0 devices"
 *   "plugin PATH not loadable: <dlerror>" / "plugin PATH: ABI n, expected m"
 * The state is probed once and cached (tb_gpu_bits is cheap afterwards).
 * kernels/ reads no environment variable: the CLI passes
 * TRITBENCH_CUDA_PLUGIN through tb_gpu_set_plugin_path before first use.
 * Not thread-safe before the first probe (call it from the main thread). */
#ifndef TB_GPU_H
#define TB_GPU_H

#include <stddef.h>
#include <stdint.h>

struct tb_cuda_plugin;
struct tb_cuda_dec_api;

typedef enum tb_gpu_state {
    TB_GPU_NOT_BUILT = 0,
    TB_GPU_NO_DRIVER = 1,
    TB_GPU_NO_DEVICE = 2,
    TB_GPU_PLUGIN_BAD = 3,
    TB_GPU_LIVE = 4,
} tb_gpu_state;

typedef struct tb_gpu_status {
    tb_gpu_state state;
    char line[256];    /* one line: the device, or why none */
    char plugin[256];  /* the plugin path tried ("" when not built) */
} tb_gpu_status;

/* Use this plugin file instead of the default (the directory of the running
 * executable, then the build directory).  NULL = default. */
void tb_gpu_set_plugin_path(const char *path);
/* Probe (once) and return the cached status. */
const tb_gpu_status *tb_gpu_status_get(void);
/* TB_ISA_CUDA when the plugin is live, else 0. */
uint32_t tb_gpu_bits(void);
/* The loaded plugin (NULL unless live). */
const struct tb_cuda_plugin *tb_gpu_plugin(void);
/* Uncached probe with explicit names, for tests: `plugin` the plugin file,
 * `libcuda` the driver library's soname; `built` 0 simulates a build
 * without the plugin.  Loads nothing it keeps (the plugin is closed). */
void tb_gpu_probe_with(int built, const char *plugin, const char *libcuda, tb_gpu_status *out);
/* The plugin's decoder table (tb-cuda-abi.h, TB_CUDA_DEC_ENTRY), or NULL
 * with one line in why: no live device, or a plugin without the decoder
 * entry point or with another decoder ABI version. */
const struct tb_cuda_dec_api *tb_gpu_dec_api(char *why, size_t len);
/* The lookup itself on an open library handle `lib` (named `path` in the
 * message), for tests: 0, or -ENOSYS with why. */
int tb_gpu_dec_lookup(void *lib, const char *path, const struct tb_cuda_dec_api **out, char *why, size_t len);
/* Process-wide sum of the CUDA-event time of every timed launch (ns). */
double tb_gpu_event_ns_total(void);
void tb_gpu_event_ns_add(double ns);

#endif
