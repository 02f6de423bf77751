/* test-gpu-copy-probe.c - the device's copy bandwidth, measured in the same
 * run as the GEMVs so they can be judged against it: cudaMemcpyAsync
 * device-to-device of 1 GiB (read + write = 2 GiB of traffic per copy),
 * 20 batches of 5 copies timed with CUDA events, the best batch reported
 * (GB/s = 2 * bytes * copies / event time).  Checks only that the figure is
 * positive and finite; prints it for scripts/device-check.sh.  Exits 77
 * where no device is visible. */
#include <math.h>
#include <stdio.h>

#include "cuda/tb-cuda-abi.h"
#include "tb-gpu.h"
#include "tb-test.h"

int main(void)
{
    const tb_gpu_status *g = tb_gpu_status_get();
    if (g->state != TB_GPU_LIVE) {
        printf("skipped: cuda %s\n", g->line);
        return 77;
    }
    const tb_cuda_plugin *p = tb_gpu_plugin();
    const size_t bytes = (size_t)1 << 30;
    double best = 0, ns = 0;
    CHECK(p->copy(bytes, 2, &ns) == 0); /* warm-up */
    for (int r = 0; r < 20; r++) {
        if (p->copy(bytes, 5, &ns) < 0) {
            fprintf(stderr, "copy probe: %s\n", p->last_error());
            CHECK(0);
            break;
        }
        double gbps = 2.0 * (double)bytes * 5 / ns;
        if (gbps > best)
            best = gbps;
    }
    p->copy(0, 0, &ns);
    CHECK(best > 0 && isfinite(best));
    printf("gpu_copy_gbps %.1f (device-to-device 1 GiB, read+write, best of 20 batches of 5, CUDA events)\n", best);
    TEST_DONE();
}
