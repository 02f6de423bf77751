/* fnv.c - FNV-1a 64-bit hash (output checksums, fingerprints) and the op
 * kind names of tb-workload.h. */
#include "tb-workload.h"

const char *const tb_op_kind_names[TB_OP__COUNT] = {
    "int8_add", "int8_mul", "fp16_add", "fp16_mul", "fp32_add", "fp32_mul",
};

uint64_t tb_fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
