/* model-configs.c - the built-in decoder shapes (tb-model.h): the BitNet
 * b1.58 paper's sizes, LLaMA-2, BitNet b1.58 2B4T and bitnet.cpp's dummy
 * test models, from results/reference/model_configs.csv (a copy of
 * ../shared/reference/model_configs.csv; each row's `source` below names
 * the csv row it comes from and every value the csv does not state).
 * Also the consistency check and the command-line spec parser
 * ("hidden=256,ffn=688,layers=2,heads=4,kv_heads=2,vocab=512,...").
 * Read-only tables: thread-safe. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tb-model.h"

/* LLaMA-style defaults where the csv is silent: vocab 32000 (LLaMA's
 * tokenizer), kv_heads = heads (no GQA), rope theta 10000, RMSNorm eps
 * 1e-5 (LLaMA-2 and 1bitLLM's config.json), context 2048 (the paper's
 * sequence length). */
#define PAPER(nm, h, f, l, nh, src)                                                      \
    { .name = nm, .source = src, .hidden = h, .ffn = f, .layers = l, .heads = nh,         \
      .kv_heads = nh, .head_dim = (h) / (nh), .vocab = 32000, .max_ctx = 2048,            \
      .rope_theta = 10000.0, .norm_eps = 1e-5, .act = TB_FFN_SILU }
#define LLAMA2(nm, h, f, l, nh, nkv, src)                                                \
    { .name = nm, .source = src, .hidden = h, .ffn = f, .layers = l, .heads = nh,         \
      .kv_heads = nkv, .head_dim = (h) / (nh), .vocab = 32000, .max_ctx = 4096,           \
      .rope_theta = 10000.0, .norm_eps = 1e-5, .act = TB_FFN_SILU }
#define BNCPP(nm, h, f, l, nh, src) PAPER(nm, h, f, l, nh, src)

#define SRC_FAQ "model_configs.csv: b1.58 FAQ Table 1; vocab 32000, kv_heads=heads, theta 1e4, eps 1e-5, ctx 2048 not stated (LLaMA defaults)"
#define SRC_L2 "model_configs.csv: HF config of meta-llama/Llama-2 (third-party copies); theta 1e4, eps 1e-5, ctx 4096"
#define SRC_BNCPP "model_configs.csv: arXiv 2410.16144 App. A dummy model; vocab 32000, kv_heads=heads, theta 1e4, eps 1e-5 not stated"

static const tb_model_config builtin[] = {
    PAPER("700M", 1536, 4096, 24, 24, SRC_FAQ),
    PAPER("1.3B", 2048, 5460, 24, 32, SRC_FAQ),
    PAPER("3B", 3200, 8640, 26, 32, SRC_FAQ),
    PAPER("3.9B", 3200, 12800, 26, 32, SRC_FAQ),
    LLAMA2("7B", 4096, 11008, 32, 32, 32, SRC_L2),
    LLAMA2("13B", 5120, 13824, 40, 40, 40, SRC_L2),
    LLAMA2("70B", 8192, 28672, 80, 64, 8, SRC_L2),
    { .name = "2B4T",
      .source = "model_configs.csv: microsoft/BitNet gpu/model.py ModelArgs + HF card (ctx 4096, tied embeddings)",
      .hidden = 2560, .ffn = 6912, .layers = 30, .heads = 20, .kv_heads = 5, .head_dim = 128,
      .vocab = 128256, .max_ctx = 4096, .rope_theta = 500000.0, .norm_eps = 1e-5,
      .act = TB_FFN_RELU2, .subln = 1, .tied = 1 },
    BNCPP("bitnetcpp-125M", 768, 3072, 11, 12, SRC_BNCPP),
    BNCPP("bitnetcpp-350M", 1024, 3072, 24, 16, SRC_BNCPP),
    BNCPP("bitnetcpp-700M", 1536, 4096, 24, 16, SRC_BNCPP),
    BNCPP("bitnetcpp-1B", 2048, 3584, 24, 32, SRC_BNCPP),
    BNCPP("bitnetcpp-1.5B", 1536, 9216, 28, 32, SRC_BNCPP),
    BNCPP("bitnetcpp-2.5B", 2560, 6912, 30, 20, SRC_BNCPP),
    BNCPP("bitnetcpp-3.8B", 3840, 8192, 24, 32, SRC_BNCPP),
    BNCPP("bitnetcpp-7B", 4096, 12032, 32, 32, SRC_BNCPP),
    BNCPP("bitnetcpp-13B", 5120, 13824, 40, 40, SRC_BNCPP),
    BNCPP("bitnetcpp-30B", 6656, 16384, 60, 52, SRC_BNCPP),
    BNCPP("bitnetcpp-70B", 8192, 24576, 80, 64, SRC_BNCPP),
    BNCPP("bitnetcpp-100B", 8192, 45568, 72, 64, SRC_BNCPP),
};
#define NBUILTIN ((int)(sizeof builtin / sizeof builtin[0]))

static const struct { const char *alias, *name; } aliases[] = {
    { "llama2-7b", "7B" },   { "llama2-13b", "13B" },   { "llama2-70b", "70B" },
    { "bitnet-2b4t", "2B4T" }, { "b1.58-2b4t", "2B4T" }, { "b158-700m", "700M" },
    { "b158-1.3b", "1.3B" }, { "b158-3b", "3B" },       { "b158-3.9b", "3.9B" },
};

int tb_model_config_count(void)
{
    return NBUILTIN;
}

const tb_model_config *tb_model_config_at(int i)
{
    return i >= 0 && i < NBUILTIN ? &builtin[i] : NULL;
}

const tb_model_config *tb_model_config_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
        if (!strcasecmp(name, aliases[a].alias))
            name = aliases[a].name;
    for (int i = 0; i < NBUILTIN; i++)
        if (!strcasecmp(name, builtin[i].name))
            return &builtin[i];
    return NULL;
}

/* int8 keeps its int32 sums exact up to 65536 columns (kernels/README.md);
 * the decoder's inner sizes (hidden, heads*head_dim, ffn) are columns. */
#define TB_MODEL_MAX_COLS 65536

int tb_model_config_check(const tb_model_config *c, char *err, int errlen)
{
    const char *nm = c->name[0] ? c->name : "model";
#define BAD(...)                                            \
    do {                                                    \
        int o_ = snprintf(err, (size_t)errlen, "%s: ", nm); \
        if (o_ >= 0 && o_ < errlen)                          \
            snprintf(err + o_, (size_t)(errlen - o_), __VA_ARGS__); \
        return -EINVAL;                                     \
    } while (0)
    if (c->hidden <= 0 || c->hidden > TB_MODEL_MAX_COLS)
        BAD("hidden %lld out of range 1..%d", (long long)c->hidden, TB_MODEL_MAX_COLS);
    if (c->ffn <= 0 || c->ffn > TB_MODEL_MAX_COLS)
        BAD("ffn %lld out of range 1..%d", (long long)c->ffn, TB_MODEL_MAX_COLS);
    if (c->layers <= 0 || c->layers > 1000)
        BAD("layers %lld out of range 1..1000", (long long)c->layers);
    if (c->heads <= 0 || c->kv_heads <= 0)
        BAD("heads %lld and kv_heads %lld must be positive", (long long)c->heads, (long long)c->kv_heads);
    if (c->heads % c->kv_heads)
        BAD("heads %lld is not a multiple of kv_heads %lld", (long long)c->heads, (long long)c->kv_heads);
    if (c->head_dim <= 0 || c->head_dim % 2)
        BAD("head_dim %lld must be positive and even (rotary pairs)", (long long)c->head_dim);
    if (c->heads * c->head_dim > TB_MODEL_MAX_COLS)
        BAD("heads*head_dim %lld above %d", (long long)(c->heads * c->head_dim), TB_MODEL_MAX_COLS);
    if (c->vocab <= 1 || c->vocab > (1ll << 31) - 1)
        BAD("vocab %lld out of range 2..2^31-1", (long long)c->vocab);
    if (c->max_ctx <= 0 || c->max_ctx > (1ll << 24))
        BAD("max_ctx %lld out of range 1..2^24", (long long)c->max_ctx);
    if (!(c->rope_theta > 1.0) || c->rope_theta > 1e12)
        BAD("rope_theta %g out of range (1, 1e12]", c->rope_theta);
    if (!(c->norm_eps > 0) || c->norm_eps > 1)
        BAD("norm_eps %g out of range (0, 1]", c->norm_eps);
    if (c->act != TB_FFN_SILU && c->act != TB_FFN_RELU2)
        BAD("unknown FFN activation %d", (int)c->act);
    if ((c->subln != 0 && c->subln != 1) || (c->tied != 0 && c->tied != 1))
        BAD("subln and tied must be 0 or 1");
#undef BAD
    return 0;
}

/* One "key=value" of a spec into c; 0 or -EINVAL with err. */
static int parse_kv(tb_model_config *c, const char *key, const char *val, int *have, char *err, int errlen)
{
    static const struct { const char *key; size_t off; int bit; } ints[] = {
        { "hidden", offsetof(tb_model_config, hidden), 1 },
        { "ffn", offsetof(tb_model_config, ffn), 2 },
        { "layers", offsetof(tb_model_config, layers), 4 },
        { "heads", offsetof(tb_model_config, heads), 8 },
        { "kv_heads", offsetof(tb_model_config, kv_heads), 16 },
        { "head_dim", offsetof(tb_model_config, head_dim), 32 },
        { "vocab", offsetof(tb_model_config, vocab), 64 },
        { "ctx", offsetof(tb_model_config, max_ctx), 0 },
        { "max_ctx", offsetof(tb_model_config, max_ctx), 0 },
    };
    char *end;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strcmp(key, ints[i].key))
            continue;
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (errno || end == val || *end) {
            snprintf(err, (size_t)errlen, "%s=%s: expected an integer", key, val);
            return -EINVAL;
        }
        *(int64_t *)(void *)((char *)c + ints[i].off) = v;
        *have |= ints[i].bit;
        return 0;
    }
    if (!strcmp(key, "theta") || !strcmp(key, "rope_theta") || !strcmp(key, "eps") || !strcmp(key, "norm_eps")) {
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end) {
            snprintf(err, (size_t)errlen, "%s=%s: expected a number", key, val);
            return -EINVAL;
        }
        if (key[0] == 't' || key[0] == 'r')
            c->rope_theta = v;
        else
            c->norm_eps = v;
        return 0;
    }
    if (!strcmp(key, "act")) {
        if (!strcasecmp(val, "silu") || !strcasecmp(val, "swiglu"))
            c->act = TB_FFN_SILU;
        else if (!strcasecmp(val, "relu2"))
            c->act = TB_FFN_RELU2;
        else {
            snprintf(err, (size_t)errlen, "act=%s: expected silu or relu2", val);
            return -EINVAL;
        }
        return 0;
    }
    if (!strcmp(key, "subln") || !strcmp(key, "tied")) {
        if (strcmp(val, "0") && strcmp(val, "1")) {
            snprintf(err, (size_t)errlen, "%s=%s: expected 0 or 1", key, val);
            return -EINVAL;
        }
        *(key[0] == 's' ? &c->subln : &c->tied) = val[0] - '0';
        return 0;
    }
    if (!strcmp(key, "name")) {
        if (!*val || strlen(val) >= sizeof c->name) {
            snprintf(err, (size_t)errlen, "name=%s: 1 to %zu characters", val, sizeof c->name - 1);
            return -EINVAL;
        }
        snprintf(c->name, sizeof c->name, "%s", val);
        *have |= 128;
        return 0;
    }
    snprintf(err, (size_t)errlen,
             "%s: unknown key (known: base, name, hidden, ffn, layers, heads, kv_heads, head_dim, vocab, ctx, "
             "theta, eps, act, subln, tied)", key);
    return -EINVAL;
}

int tb_model_config_parse(const char *spec, tb_model_config *out, char *err, int errlen)
{
    char buf[512];
    tb_model_config c = { .max_ctx = 2048, .rope_theta = 10000.0, .norm_eps = 1e-5, .act = TB_FFN_SILU };
    int have = 0, based = 0;
    if (!spec || !*spec || strlen(spec) >= sizeof buf) {
        snprintf(err, (size_t)errlen, "model spec: empty or longer than %zu characters", sizeof buf - 1);
        return -EINVAL;
    }
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(it, '=');
        if (!eq || eq == it) {
            snprintf(err, (size_t)errlen, "model spec '%s': '%s' is not key=value", spec, it);
            return -EINVAL;
        }
        *eq = 0;
        if (!strcmp(it, "base")) {
            const tb_model_config *b = tb_model_config_find(eq + 1);
            if (!b || have || based) {
                snprintf(err, (size_t)errlen, "model spec '%s': base=%s: %s", spec, eq + 1,
                         b ? "must come first" : "unknown model");
                return -EINVAL;
            }
            c = *b;
            based = 1;
            continue;
        }
        char e2[200];
        if (parse_kv(&c, it, eq + 1, &have, e2, sizeof e2) < 0) {
            snprintf(err, (size_t)errlen, "model spec '%s': %s", spec, e2);
            return -EINVAL;
        }
    }
    if (!based && (have & (1 | 2 | 4 | 8 | 64)) != (1 | 2 | 4 | 8 | 64)) {
        snprintf(err, (size_t)errlen, "model spec '%s': needs hidden, ffn, layers, heads and vocab (or base=MODEL)",
                 spec);
        return -EINVAL;
    }
    if (!based && !(have & 16))
        c.kv_heads = c.heads;
    if (!(have & 32)) { /* head_dim follows hidden/heads unless given */
        if (c.heads <= 0 || c.hidden % c.heads) {
            snprintf(err, (size_t)errlen, "model spec '%s': hidden %lld is not a multiple of heads %lld (give head_dim)",
                     spec, (long long)c.hidden, (long long)c.heads);
            return -EINVAL;
        }
        c.head_dim = c.hidden / c.heads;
    }
    if (!(have & 128))
        snprintf(c.name, sizeof c.name, "custom");
    snprintf(c.source, sizeof c.source, "command line: %.140s", spec);
    char e2[200];
    if (tb_model_config_check(&c, e2, sizeof e2) < 0) {
        snprintf(err, (size_t)errlen, "model spec '%s': %s", spec, e2);
        return -EINVAL;
    }
    *out = c;
    return 0;
}
