/* fake-libcuda.c - a stand-in for the NVIDIA driver library, built as a
 * module for tests/kernels/test-cuda-host.c: cuInit returns the value of
 * TB_FAKE_CU_INIT (default 0), cuDeviceGetCount reports TB_FAKE_CU_COUNT
 * devices (default 1), so the loader's "no device" and "plugin not
 * loadable" paths can be reached on a machine without a GPU. */
#include <stdlib.h>

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v ? atoi(v) : dflt;
}

int cuInit(unsigned flags) { return env_int("TB_FAKE_CU_INIT", 0); }

int cuDeviceGetCount(int *count)
{
    *count = env_int("TB_FAKE_CU_COUNT", 1);
    return 0;
}
