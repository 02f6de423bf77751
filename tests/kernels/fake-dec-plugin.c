/* fake-dec-plugin.c - a stand-in for the CUDA plugin's decoder entry point
 * (tb_cuda_dec_get), built as a module for
 * tests/kernels/test-cuda-dec-loader.c: with TB_FAKE_DEC_MODE=old it
 * answers NULL (a plugin of another decoder ABI), else a table of the
 * current version whose functions are never called. */
#include <stdlib.h>
#include <string.h>

#include "cuda/tb-cuda-abi.h"

static const tb_cuda_dec_api table = {.abi = TB_CUDA_DEC_ABI};

__attribute__((visibility("default"))) const tb_cuda_dec_api *tb_cuda_dec_get(int abi)
{
    const char *m = getenv("TB_FAKE_DEC_MODE");
    if (m && !strcmp(m, "old"))
        return NULL;
    return abi == TB_CUDA_DEC_ABI ? &table : NULL;
}
