/* tb-model.h - decoder model configurations and weight sources
 * (bench/model/).  A config is the shape of a LLaMA-style decoder as
 * BitNet b1.58 uses it; a weight source hands the model builder one tensor
 * at a time as fp32 (Hugging Face tensor names), so a model is packed into
 * its backend format matrix by matrix and never exists whole in fp32.
 * Sources: deterministic random weights from a seed (model-random.c) and
 * safetensors checkpoints (model-safetensors.c). */
#ifndef TB_MODEL_H
#define TB_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum tb_ffn_act {
    TB_FFN_SILU = 0,  /* SwiGLU: down(silu(gate x) * up x) - LLaMA, BitNet b1.58 */
    TB_FFN_RELU2 = 1, /* down(relu(gate x)^2 * up x) - BitNet b1.58 2B4T */
} tb_ffn_act;

typedef struct tb_model_config {
    char name[48];        /* "700M", "3B", "llama2-7b", "2b4t", "bitnetcpp-125m", ... */
    char source[160];     /* where the shape comes from (paper table, config.json path) */
    int64_t hidden;       /* d_model */
    int64_t ffn;          /* GLU inner size */
    int64_t layers;
    int64_t heads;        /* query heads */
    int64_t kv_heads;     /* key/value heads (GQA when < heads) */
    int64_t head_dim;     /* usually hidden / heads */
    int64_t vocab;
    int64_t max_ctx;      /* max_position_embeddings */
    double rope_theta;
    double norm_eps;
    tb_ffn_act act;
    int subln;            /* 1: extra RMSNorm before o_proj (attn_sub_norm) and
                           * before down_proj (ffn_sub_norm), as 2B4T */
    int tied;             /* 1: the output head is the embedding matrix */
} tb_model_config;

/* Built-in configs (model-configs.c): the paper's sizes, LLaMA-2, BitNet
 * b1.58 2B4T, bitnet.cpp's test shapes. */
int tb_model_config_count(void);
const tb_model_config *tb_model_config_at(int i);
/* By name, case-insensitive (aliases allowed); NULL if unknown. */
const tb_model_config *tb_model_config_find(const char *name);
/* Consistency (positive sizes, heads % kv_heads == 0, even head_dim, ...):
 * 0, or -EINVAL with a one-line reason. */
int tb_model_config_check(const tb_model_config *c, char *err, int errlen);
/* A config from the command line: comma-separated key=value, e.g.
 * "hidden=256,ffn=688,layers=2,heads=4,kv_heads=2,vocab=512,act=relu2,subln=1".
 * Keys: base=MODEL (first: start from a built-in), name, hidden, ffn,
 * layers, heads, kv_heads (default heads), head_dim (default hidden/heads),
 * vocab, ctx (default 2048), theta (10000), eps (1e-5), act (silu|relu2),
 * subln, tied (0|1).  Checked with tb_model_config_check: 0, or -EINVAL
 * with one line naming the spec and the problem. */
int tb_model_config_parse(const char *spec, tb_model_config *out, char *err, int errlen);
/* A Hugging Face config.json (LlamaForCausalLM, BitNetForCausalLM, ...),
 * parsed with cJSON: 0, or a negative errno with "<path>: <problem>". */
int tb_model_config_from_json(const char *path, tb_model_config *out, char *err, int errlen);

/* A --model item: a built-in name, a key=value spec (named
 * "custom-h<H>-l<L>" when it gives no name) or a checkpoint directory
 * (dir receives it; "" otherwise).  0, or -EINVAL with one line in err. */
int tb_model_resolve(const char *item, tb_model_config *cfg, char *dir, size_t dirlen, char *err, int errlen);

/* Tensor names (Hugging Face LLaMA naming):
 *   model.embed_tokens.weight                     [vocab][hidden]
 *   model.layers.<i>.input_layernorm.weight       [hidden]
 *   model.layers.<i>.self_attn.{q,k,v,o}_proj.weight
 *   model.layers.<i>.self_attn.attn_sub_norm.weight  (subln)
 *   model.layers.<i>.post_attention_layernorm.weight
 *   model.layers.<i>.mlp.{gate,up,down}_proj.weight
 *   model.layers.<i>.mlp.ffn_sub_norm.weight          (subln)
 *   model.norm.weight                             [hidden]
 *   lm_head.weight                                [vocab][hidden] (absent when tied)
 * A matrix is rows x cols = out_features x in_features (PyTorch Linear). */
typedef struct tb_wsrc {
    void *ctx;
    /* Fill out[rows * cols] (row-major fp32) with tensor `name`; vectors
     * have rows = 1.  0, or a negative errno with "<file>: <tensor>:
     * <problem>" in err (missing tensor, wrong shape, bad dtype, ...). */
    int (*fill)(void *ctx, const char *name, int64_t rows, int64_t cols, float *out, char *err, int errlen);
    void (*close)(void *ctx);
} tb_wsrc;

/* Deterministic random weights (model-random.c): every tensor is a pure
 * function of (seed, name), so any subset of layers can be built alone and
 * two builds of one config are identical, whatever the thread count.
 * Matrices (the embedding included) ~ uniform with mean 0 and standard
 * deviation 1/sqrt(cols), so every projection keeps activations O(1);
 * norm weights uniform in [0.9, 1.1].  Filled on the process-wide pool
 * (tb_bench_pool()); must not be called from inside a pool job. */
int tb_wsrc_random(const tb_model_config *c, uint64_t seed, tb_wsrc *out);
/* A safetensors checkpoint directory (model.safetensors or a sharded
 * model.safetensors.index.json), memory-mapped; F32, F16 and BF16 tensors
 * converted to fp32 on fill.  0, or a negative errno with a one-line
 * reason naming the file. */
int tb_wsrc_safetensors(const char *dir, const tb_model_config *c, tb_wsrc *out, char *err, int errlen);

#endif
