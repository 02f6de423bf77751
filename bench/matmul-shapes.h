/* matmul-shapes.h - the projection shapes of the paper's models (table in
 * matmul-shapes.c), used by the matmul workload's "full" case list. */
#ifndef TB_MATMUL_SHAPES_H
#define TB_MATMUL_SHAPES_H

#include <stdint.h>

typedef struct tb_mm_shape {
    const char *model; /* short config name, e.g. "llama2-7b" */
    const char *proj;  /* "q", "k", "v", "o", "gate", "up", "down" */
    int64_t rows;      /* output features */
    int64_t cols;      /* input features */
} tb_mm_shape;

extern const tb_mm_shape tb_mm_shapes[];
extern const int tb_mm_nshapes;

#endif
