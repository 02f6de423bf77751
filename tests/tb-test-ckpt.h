/* tb-test-ckpt.h - a tiny Hugging Face checkpoint writer for tests, so they
 * build the checkpoints they read: safetensors files from float arrays
 * (F32, F16 or BF16, rounded to nearest even), raw bytes for malformed
 * files, config.json from a tb_model_config, and a whole checkpoint folder
 * from any weight source (e.g. the random one), which is how a test checks
 * that a loaded checkpoint decodes like the same weights built in memory.
 * Header-only, test code only (never linked into tritbench). */
#ifndef TB_TEST_CKPT_H
#define TB_TEST_CKPT_H

#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp16/fp16-internal.h" /* tb_fp16_from_f32, tb_bf16_from_f32 */
#include "tb-model.h"

typedef struct tbt_tensor {
    const char *name;
    const char *dtype;  /* "F32", "F16" or "BF16" */
    int ndim;           /* 1 or 2 */
    int64_t shape[2];
    const float *data;  /* shape[0] (* shape[1]) values */
} tbt_tensor;

static inline int64_t tbt_count(const tbt_tensor *t)
{
    return t->ndim == 1 ? t->shape[0] : t->shape[0] * t->shape[1];
}

static inline int tbt_esize(const char *dtype) { return strcmp(dtype, "F32") ? 2 : 4; }

static inline int tbt_write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static inline int tbt_write_text(const char *path, const char *text)
{
    return tbt_write_bytes(path, text, strlen(text));
}

/* A safetensors file: u64 LE header length, the JSON header padded with
 * spaces to a multiple of 8, then the tensors back to back in order. */
static inline int tbt_st_write(const char *path, const tbt_tensor *t, int n)
{
    size_t cap = 256 + (size_t)n * 512, len = 0;
    char *h = malloc(cap);
    uint64_t off = 0;
    if (!h)
        return -1;
    len += (size_t)snprintf(h + len, cap - len, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < n; i++) {
        uint64_t bytes = (uint64_t)tbt_count(&t[i]) * (uint64_t)tbt_esize(t[i].dtype);
        char shape[64];
        if (t[i].ndim == 1)
            snprintf(shape, sizeof shape, "[%lld]", (long long)t[i].shape[0]);
        else
            snprintf(shape, sizeof shape, "[%lld,%lld]", (long long)t[i].shape[0], (long long)t[i].shape[1]);
        len += (size_t)snprintf(h + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%llu,%llu]}",
                                t[i].name, t[i].dtype, shape, (unsigned long long)off,
                                (unsigned long long)(off + bytes));
        off += bytes;
    }
    len += (size_t)snprintf(h + len, cap - len, "}");
    while (len % 8)
        h[len++] = ' ';
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)len >> (8 * i));
    ok = ok && fwrite(le, 1, 8, f) == 8 && fwrite(h, 1, len, f) == len;
    for (int i = 0; ok && i < n; i++) {
        for (int64_t k = 0; ok && k < tbt_count(&t[i]); k++) {
            uint8_t b[4];
            float v = t[i].data[k];
            if (!strcmp(t[i].dtype, "F32")) {
                memcpy(b, &v, 4);
                ok = fwrite(b, 1, 4, f) == 4;
            } else {
                uint16_t x = !strcmp(t[i].dtype, "F16") ? tb_fp16_from_f32(v) : tb_bf16_from_f32(v);
                memcpy(b, &x, 2);
                ok = fwrite(b, 1, 2, f) == 2;
            }
        }
    }
    if (f && fclose(f) != 0)
        ok = 0;
    free(h);
    return ok ? 0 : -1;
}

/* A file image: u64 LE `hlen`, then `header` (its own length need not be
 * hlen: that is how tests lie), then `data` bytes. */
static inline int tbt_st_write_raw(const char *path, uint64_t hlen, const char *header, const void *data,
                                   size_t ndata)
{
    size_t hl = strlen(header);
    uint8_t *b = malloc(8 + hl + ndata + 1);
    if (!b)
        return -1;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(hlen >> (8 * i));
    memcpy(b + 8, header, hl);
    if (ndata)
        memcpy(b + 8 + hl, data, ndata);
    int rc = tbt_write_bytes(path, b, 8 + hl + ndata);
    free(b);
    return rc;
}

/* config.json for c, as Hugging Face writes it (BitNetForCausalLM when subln). */
static inline int tbt_config_write(const char *path, const tb_model_config *c)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\n  \"architectures\": [\"%s\"],\n  \"hidden_size\": %lld,\n  \"intermediate_size\": %lld,\n"
             "  \"num_hidden_layers\": %lld,\n  \"num_attention_heads\": %lld,\n  \"num_key_value_heads\": %lld,\n"
             "  \"head_dim\": %lld,\n  \"vocab_size\": %lld,\n  \"max_position_embeddings\": %lld,\n"
             "  \"rms_norm_eps\": %.17g,\n  \"rope_theta\": %.17g,\n  \"hidden_act\": \"%s\",\n"
             "  \"tie_word_embeddings\": %s,\n  \"torch_dtype\": \"float32\"\n}\n",
             c->subln ? "BitNetForCausalLM" : "LlamaForCausalLM", (long long)c->hidden, (long long)c->ffn,
             (long long)c->layers, (long long)c->heads, (long long)c->kv_heads, (long long)c->head_dim,
             (long long)c->vocab, (long long)c->max_ctx, c->norm_eps, c->rope_theta,
             c->act == TB_FFN_RELU2 ? "relu2" : "silu", c->tied ? "true" : "false");
    return tbt_write_text(path, buf);
}

/* Every tensor config c implies: name, rows (1 = a vector), cols; returns
 * the count (at most max; 3 + 11 per layer is enough). */
typedef struct tbt_tname {
    char name[96];
    int64_t rows, cols;
} tbt_tname;

static inline int tbt_model_tensors(const tb_model_config *c, tbt_tname *out, int max)
{
    int n = 0;
    int64_t q = c->heads * c->head_dim, kv = c->kv_heads * c->head_dim;
#define TBT_ADD(r, k, ...)                                                    \
    do {                                                                      \
        if (n < max) {                                                        \
            snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__);           \
            out[n].rows = (r);                                                \
            out[n].cols = (k);                                                \
        }                                                                     \
        n++;                                                                  \
    } while (0)
    TBT_ADD(c->vocab, c->hidden, "model.embed_tokens.weight");
    for (int64_t l = 0; l < c->layers; l++) {
        TBT_ADD(1, c->hidden, "model.layers.%lld.input_layernorm.weight", (long long)l);
        TBT_ADD(q, c->hidden, "model.layers.%lld.self_attn.q_proj.weight", (long long)l);
        TBT_ADD(kv, c->hidden, "model.layers.%lld.self_attn.k_proj.weight", (long long)l);
        TBT_ADD(kv, c->hidden, "model.layers.%lld.self_attn.v_proj.weight", (long long)l);
        if (c->subln)
            TBT_ADD(1, q, "model.layers.%lld.self_attn.attn_sub_norm.weight", (long long)l);
        TBT_ADD(c->hidden, q, "model.layers.%lld.self_attn.o_proj.weight", (long long)l);
        TBT_ADD(1, c->hidden, "model.layers.%lld.post_attention_layernorm.weight", (long long)l);
        TBT_ADD(c->ffn, c->hidden, "model.layers.%lld.mlp.gate_proj.weight", (long long)l);
        TBT_ADD(c->ffn, c->hidden, "model.layers.%lld.mlp.up_proj.weight", (long long)l);
        if (c->subln)
            TBT_ADD(1, c->ffn, "model.layers.%lld.mlp.ffn_sub_norm.weight", (long long)l);
        TBT_ADD(c->hidden, c->ffn, "model.layers.%lld.mlp.down_proj.weight", (long long)l);
    }
    TBT_ADD(1, c->hidden, "model.norm.weight");
    if (!c->tied)
        TBT_ADD(c->vocab, c->hidden, "lm_head.weight");
#undef TBT_ADD
    return n;
}

/* dir/config.json and dir/model.safetensors holding every tensor of c as
 * `src` fills it, stored as dtype.  0, or -1 with a line on stderr. */
static inline int tbt_ckpt_write(const char *dir, const tb_model_config *c, const tb_wsrc *src, const char *dtype)
{
    int n = tbt_model_tensors(c, NULL, 0);
    tbt_tname *names = calloc((size_t)n, sizeof *names);
    tbt_tensor *t = calloc((size_t)n, sizeof *t);
    int rc = names && t ? 0 : -1;
    if (!rc)
        tbt_model_tensors(c, names, n);
    for (int i = 0; !rc && i < n; i++) {
        float *w = malloc((size_t)(names[i].rows * names[i].cols) * sizeof *w);
        char err[256];
        if (!w || src->fill(src->ctx, names[i].name, names[i].rows, names[i].cols, w, err, sizeof err)) {
            fprintf(stderr, "tbt_ckpt_write: %s: %s\n", names[i].name, w ? err : "out of memory");
            free(w);
            rc = -1;
            break;
        }
        t[i] = (tbt_tensor){names[i].name, dtype, names[i].rows == 1 ? 1 : 2,
                            {names[i].rows == 1 ? names[i].cols : names[i].rows, names[i].cols}, w};
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!rc && tbt_st_write(path, t, n)) {
        fprintf(stderr, "tbt_ckpt_write: %s: cannot write\n", path);
        rc = -1;
    }
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!rc && tbt_config_write(path, c)) {
        fprintf(stderr, "tbt_ckpt_write: %s: cannot write\n", path);
        rc = -1;
    }
    for (int i = 0; t && i < n; i++)
        free((void *)t[i].data);
    free(t);
    free(names);
    return rc;
}

/* A fresh folder under $TMPDIR (or /tmp); NULL on failure. malloc'd. */
static inline char *tbt_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    if (!p)
        return NULL;
    snprintf(p, 4096, "%s/tb-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

/* Removes the files of a folder made by tbt_tmpdir, then the folder; frees dir. */
static inline void tbt_rmtree(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[4352];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

#endif
