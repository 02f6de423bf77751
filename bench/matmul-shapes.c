/* matmul-shapes.c - every linear projection of one decoder layer of the
 * models the BitNet b1.58 paper compares, as (rows = out features, cols =
 * in features).  Source: /work/shared/reference/model_configs.csv (copied
 * into the project's reference data), columns hidden_size, ffn_size,
 * num_heads, num_kv_heads:
 *   b158-700m   1536 / 4096,  24 heads           (FAQ Table 1, VERIFIED)
 *   b158-1.3b   2048 / 5460,  32 heads           (FAQ Table 1, VERIFIED)
 *   b158-3b     3200 / 8640,  32 heads           (FAQ Table 1, VERIFIED)
 *   b158-3.9b   3200 / 12800, 32 heads           (FAQ Table 1, VERIFIED)
 *   llama2-7b   4096 / 11008, 32 heads, 32 kv    (HF config, SECONDARY)
 *   llama2-13b  5120 / 13824, 40 heads, 40 kv    (HF config, SECONDARY)
 *   llama2-70b  8192 / 28672, 64 heads, 8 kv     (HF config, SECONDARY; GQA:
 *               k/v project to 8 * 128 = 1024)
 * q, o: hidden x hidden; k, v: kv_heads * head_dim x hidden; gate, up:
 * ffn x hidden; down: hidden x ffn (SwiGLU, no biases). */
#include "matmul-shapes.h"

#define TB_MODEL(name, hidden, ffn, kvdim)                                                     \
    {name, "q", hidden, hidden}, {name, "k", kvdim, hidden}, {name, "v", kvdim, hidden},       \
        {name, "o", hidden, hidden}, {name, "gate", ffn, hidden}, {name, "up", ffn, hidden},   \
        {name, "down", hidden, ffn}

const tb_mm_shape tb_mm_shapes[] = {
    TB_MODEL("b158-700m", 1536, 4096, 1536),
    TB_MODEL("b158-1.3b", 2048, 5460, 2048),
    TB_MODEL("b158-3b", 3200, 8640, 3200),
    TB_MODEL("b158-3.9b", 3200, 12800, 3200),
    TB_MODEL("llama2-7b", 4096, 11008, 4096),
    TB_MODEL("llama2-13b", 5120, 13824, 5120),
    TB_MODEL("llama2-70b", 8192, 28672, 1024),
};

const int tb_mm_nshapes = (int)(sizeof tb_mm_shapes / sizeof tb_mm_shapes[0]);
