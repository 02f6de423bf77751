/* model-json.c - a Hugging Face config.json -> tb_model_config, parsed
 * with cJSON.  Architectures: LlamaForCausalLM (no sub-layer norms) and
 * the BitNet b1.58 ones, BitnetForCausalLM (1bitLLM's releases) and
 * BitNetForCausalLM (2B4T), which carry the extra RMSNorms before o_proj
 * and down_proj (subln).  Field defaults follow transformers' LlamaConfig
 * where the brief allows one: num_key_value_heads = heads, head_dim =
 * hidden / heads, rope_theta = 10000, hidden_act = "silu",
 * tie_word_embeddings = false.  What this decoder cannot run (biases,
 * rope_scaling) is refused rather than silently ignored.  Thread-safe. */
#define _GNU_SOURCE
#include "tb-model-parse.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* config.json files are a few KB; anything this large is not one. */
#define TB_CONFIG_MAX_BYTES (4 << 20)

static const struct {
    const char *name;
    int subln;
} tb_archs[] = {
    {"LlamaForCausalLM", 0},
    {"BitnetForCausalLM", 1}, /* 1bitLLM/bitnet_b1_58-*: inner_attn_ln, ffn_layernorm */
    {"BitNetForCausalLM", 1}, /* microsoft/bitnet-b1.58-2B-4T: attn_sub_norm, ffn_sub_norm */
};

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

/* Absent or null members count as missing (configs write null for "unset"). */
static const cJSON *member(const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    return v && !cJSON_IsNull(v) ? v : NULL;
}

/* A positive integer field; `dflt` > 0 is used when it is missing, 0 makes it required. */
static int get_pos_int(const cJSON *root, const char *key, int64_t dflt, int64_t *out, const char *path, char *err,
                       int errlen)
{
    const cJSON *v = member(root, key);
    if (!v) {
        if (dflt > 0) {
            *out = dflt;
            return 0;
        }
        snprintf(err, (size_t)errlen, "%s: %s: missing", path, key);
        return -EINVAL;
    }
    if (!cJSON_IsNumber(v)) {
        snprintf(err, (size_t)errlen, "%s: %s: expected a positive integer, got %s", path, key, json_type(v));
        return -EINVAL;
    }
    double d = v->valuedouble;
    if (!(d > 0)) {
        snprintf(err, (size_t)errlen, "%s: %s: %g is not positive", path, key, d);
        return -EINVAL;
    }
    if (d != floor(d) || d > (double)(1LL << 40)) {
        snprintf(err, (size_t)errlen, "%s: %s: %g is not an integer in range", path, key, d);
        return -EINVAL;
    }
    *out = (int64_t)d;
    return 0;
}

/* A positive finite number; dflt > 0 when optional. */
static int get_pos_num(const cJSON *root, const char *key, double dflt, double *out, const char *path, char *err,
                       int errlen)
{
    const cJSON *v = member(root, key);
    if (!v) {
        if (dflt > 0) {
            *out = dflt;
            return 0;
        }
        snprintf(err, (size_t)errlen, "%s: %s: missing", path, key);
        return -EINVAL;
    }
    if (!cJSON_IsNumber(v)) {
        snprintf(err, (size_t)errlen, "%s: %s: expected a positive number, got %s", path, key, json_type(v));
        return -EINVAL;
    }
    if (!(v->valuedouble > 0) || !isfinite(v->valuedouble)) {
        snprintf(err, (size_t)errlen, "%s: %s: %g is not a positive number", path, key, v->valuedouble);
        return -EINVAL;
    }
    *out = v->valuedouble;
    return 0;
}

/* An optional boolean (missing = dflt). */
static int get_bool(const cJSON *root, const char *key, int dflt, int *out, const char *path, char *err, int errlen)
{
    const cJSON *v = member(root, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsBool(v)) {
        snprintf(err, (size_t)errlen, "%s: %s: expected true or false, got %s", path, key, json_type(v));
        return -EINVAL;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static int parse_arch(const cJSON *root, int *subln, const char *path, char *err, int errlen)
{
    const cJSON *a = member(root, "architectures");
    if (!a) {
        snprintf(err, (size_t)errlen, "%s: architectures: missing", path);
        return -EINVAL;
    }
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) {
        snprintf(err, (size_t)errlen, "%s: architectures: expected a non-empty array of names, got %s", path,
                 cJSON_IsArray(a) ? "an empty array" : json_type(a));
        return -EINVAL;
    }
    const cJSON *first = NULL;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!cJSON_IsString(e)) {
            snprintf(err, (size_t)errlen, "%s: architectures: expected names, got %s", path, json_type(e));
            return -EINVAL;
        }
        if (!first)
            first = e;
        for (size_t k = 0; k < sizeof tb_archs / sizeof tb_archs[0]; k++)
            if (!strcmp(e->valuestring, tb_archs[k].name)) {
                *subln = tb_archs[k].subln;
                return 0;
            }
    }
    char nb[64];
    snprintf(err, (size_t)errlen,
             "%s: architectures: unsupported architecture \"%s\" (LlamaForCausalLM, BitnetForCausalLM and "
             "BitNetForCausalLM are)",
             path, tb_st_printable(first->valuestring, nb, sizeof nb));
    return -EINVAL;
}

static int parse_act(const cJSON *root, tb_ffn_act *act, const char *path, char *err, int errlen)
{
    const cJSON *v = member(root, "hidden_act");
    if (!v) {
        *act = TB_FFN_SILU;
        return 0;
    }
    if (!cJSON_IsString(v)) {
        snprintf(err, (size_t)errlen, "%s: hidden_act: expected a name, got %s", path, json_type(v));
        return -EINVAL;
    }
    if (!strcmp(v->valuestring, "silu"))
        *act = TB_FFN_SILU;
    else if (!strcmp(v->valuestring, "relu2"))
        *act = TB_FFN_RELU2;
    else {
        char nb[48];
        snprintf(err, (size_t)errlen, "%s: hidden_act: unsupported activation \"%s\" (silu and relu2 are)", path,
                 tb_st_printable(v->valuestring, nb, sizeof nb));
        return -EINVAL;
    }
    return 0;
}

/* Features the decoder does not have: refuse rather than compute something else. */
static int refuse_unsupported(const cJSON *root, const char *path, char *err, int errlen)
{
    static const char *const biases[] = {"attention_bias", "mlp_bias"};
    for (size_t k = 0; k < sizeof biases / sizeof biases[0]; k++) {
        int on = 0;
        int rc = get_bool(root, biases[k], 0, &on, path, err, errlen);
        if (rc)
            return rc;
        if (on) {
            snprintf(err, (size_t)errlen, "%s: %s: true is not supported (the decoder has no biases)", path,
                     biases[k]);
            return -EINVAL;
        }
    }
    if (member(root, "rope_scaling")) {
        snprintf(err, (size_t)errlen, "%s: rope_scaling: not supported (plain RoPE only)", path);
        return -EINVAL;
    }
    return 0;
}

/* The folder holding the config names the model ("bitnet_b1_58-large"). */
static void name_from_path(const char *path, char *name, size_t len)
{
    const char *end = strrchr(path, '/');
    if (!end) {
        snprintf(name, len, "config");
        return;
    }
    while (end > path && end[-1] == '/')
        end--;
    const char *start = end;
    while (start > path && start[-1] != '/')
        start--;
    if (end == start || (end - start == 1 && *start == '.'))
        snprintf(name, len, "config");
    else
        snprintf(name, len, "%.*s", (int)(end - start), start);
}

int tb_model_config_parse_json(const char *text, size_t len, const char *path, tb_model_config *out, char *err,
                          int errlen)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        snprintf(err, (size_t)errlen, "%s: not valid JSON (error at byte %td)", path,
                 end && end >= text ? end - text : (ptrdiff_t)0);
        return -EINVAL;
    }
    int rc = -EINVAL;
    tb_model_config c;
    memset(&c, 0, sizeof c);
    if (!cJSON_IsObject(root)) {
        snprintf(err, (size_t)errlen, "%s: expected a JSON object, got %s", path, json_type(root));
        goto fail;
    }
    if ((rc = parse_arch(root, &c.subln, path, err, errlen)) ||
        (rc = get_pos_int(root, "hidden_size", 0, &c.hidden, path, err, errlen)) ||
        (rc = get_pos_int(root, "intermediate_size", 0, &c.ffn, path, err, errlen)) ||
        (rc = get_pos_int(root, "num_hidden_layers", 0, &c.layers, path, err, errlen)) ||
        (rc = get_pos_int(root, "num_attention_heads", 0, &c.heads, path, err, errlen)) ||
        (rc = get_pos_int(root, "num_key_value_heads", c.heads, &c.kv_heads, path, err, errlen)))
        goto fail;
    if (!member(root, "head_dim") && c.hidden % c.heads) {
        snprintf(err, (size_t)errlen,
                 "%s: head_dim: missing, and hidden_size %lld is not a multiple of num_attention_heads %lld", path,
                 (long long)c.hidden, (long long)c.heads);
        rc = -EINVAL;
        goto fail;
    }
    if ((rc = get_pos_int(root, "head_dim", c.hidden / c.heads, &c.head_dim, path, err, errlen)) ||
        (rc = get_pos_int(root, "vocab_size", 0, &c.vocab, path, err, errlen)) ||
        (rc = get_pos_int(root, "max_position_embeddings", 0, &c.max_ctx, path, err, errlen)) ||
        (rc = get_pos_num(root, "rms_norm_eps", 0, &c.norm_eps, path, err, errlen)) ||
        (rc = get_pos_num(root, "rope_theta", 10000.0, &c.rope_theta, path, err, errlen)) ||
        (rc = parse_act(root, &c.act, path, err, errlen)) ||
        (rc = get_bool(root, "tie_word_embeddings", 0, &c.tied, path, err, errlen)) ||
        (rc = refuse_unsupported(root, path, err, errlen)))
        goto fail;
    name_from_path(path, c.name, sizeof c.name);
    snprintf(c.source, sizeof c.source, "%s", path);
    *out = c;
    rc = 0;
fail:
    cJSON_Delete(root);
    return rc;
}

int tb_model_config_from_json(const char *path, tb_model_config *out, char *err, int errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(err, (size_t)errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    char *buf = malloc(TB_CONFIG_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, (size_t)errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    size_t n = fread(buf, 1, TB_CONFIG_MAX_BYTES + 1, f);
    int rc;
    if (ferror(f)) {
        snprintf(err, (size_t)errlen, "%s: read error", path);
        rc = -EIO;
    } else if (n > TB_CONFIG_MAX_BYTES) {
        snprintf(err, (size_t)errlen, "%s: over %d MiB: not a model config", path, TB_CONFIG_MAX_BYTES >> 20);
        rc = -EINVAL;
    } else {
        rc = tb_model_config_parse_json(buf, n, path, out, err, errlen);
    }
    free(buf);
    fclose(f);
    return rc;
}
