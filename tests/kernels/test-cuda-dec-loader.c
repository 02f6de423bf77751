/* test-cuda-dec-loader.c - finding the GPU decoder's table in the CUDA
 * plugin (tb_gpu_dec_lookup, tb_gpu_dec_api; kernels/cuda/gpu-loader.c)
 * without a GPU: a library without the entry point (a plugin older than
 * the decoder), one answering for another decoder ABI, one of the right
 * version; and tb_gpu_dec_api's one line where no device is live. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/tb-cuda-abi.h"
#include "tb-gpu.h"
#include "tb-test.h"

int main(void)
{
    char why[512];
    const tb_cuda_dec_api *a = (const tb_cuda_dec_api *)1;
    /* the fake driver library: loadable, no decoder entry point */
    void *lib = dlopen(TB_FAKE_LIBCUDA, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib != NULL);
    CHECK(tb_gpu_dec_lookup(lib, "/p/libtritbench-cuda.so", &a, why, sizeof why) == -ENOSYS);
    printf("%s\n", why);
    CHECK(a == NULL);
    CHECK(strstr(why, "/p/libtritbench-cuda.so") && strstr(why, "no entry point " TB_CUDA_DEC_ENTRY) &&
          strstr(why, "rebuild"));
    dlclose(lib);
    /* no handle at all */
    CHECK(tb_gpu_dec_lookup(NULL, "x.so", &a, why, sizeof why) == -ENOSYS && a == NULL);

    lib = dlopen(TB_FAKE_DEC_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib != NULL);
    setenv("TB_FAKE_DEC_MODE", "old", 1);
    CHECK(tb_gpu_dec_lookup(lib, "old.so", &a, why, sizeof why) == -ENOSYS && a == NULL);
    printf("%s\n", why);
    CHECK(strstr(why, "another version") && strstr(why, "decoder ABI 1"));
    unsetenv("TB_FAKE_DEC_MODE");
    CHECK(tb_gpu_dec_lookup(lib, "ok.so", &a, why, sizeof why) == 0 && a && a->abi == TB_CUDA_DEC_ABI);
    dlclose(lib);

    /* the process's own probe: where no device is live, one line saying why */
    const tb_gpu_status *s = tb_gpu_status_get();
    a = tb_gpu_dec_api(why, sizeof why);
    if (s->state != TB_GPU_LIVE) {
        printf("%s\n", why);
        CHECK(a == NULL && !strncmp(why, "no CUDA device usable: ", 23) && strstr(why, s->line));
    } else {
        CHECK(a != NULL && a->abi == TB_CUDA_DEC_ABI); /* the built plugin carries the decoder */
    }
    TEST_DONE();
}
