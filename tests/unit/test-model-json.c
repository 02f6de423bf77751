/* test-model-json.c - config.json -> tb_model_config (bench/model/
 * model-json.c): a LLaMA-2 7B style file with defaults to fill, BitNet
 * b1.58 2B4T (ReLU^2, tied head, GQA, sub-norms), a 1bitLLM release, and
 * each bad field giving "<path>: <field>: <problem>" on one line. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "tb-model-parse.h"
#include "tb-test-ckpt.h"
#include "tb-test.h"

#define CHECK_STR(got, want)                                                                  \
    do {                                                                                      \
        const char *g_ = (got), *w_ = (want);                                                 \
        if (strcmp(g_, w_)) {                                                                 \
            fprintf(stderr, "%s:%d: got  %s\n%*s want %s\n", __FILE__, __LINE__, g_,          \
                    (int)strlen(__FILE__) + 6, "", w_);                                       \
            tb_test_failures++;                                                               \
        }                                                                                     \
    } while (0)

/* LLaMA-2 7B's config.json as published (no num_key_value_heads, no
 * rope_theta, no head_dim: the defaults must apply; rope_scaling null). */
static const char llama2_7b[] =
    "{\n \"_name_or_path\": \"meta-llama/Llama-2-7b-hf\",\n \"architectures\": [\"LlamaForCausalLM\"],\n"
    " \"bos_token_id\": 1,\n \"eos_token_id\": 2,\n \"hidden_act\": \"silu\",\n \"hidden_size\": 4096,\n"
    " \"initializer_range\": 0.02,\n \"intermediate_size\": 11008,\n \"max_position_embeddings\": 4096,\n"
    " \"model_type\": \"llama\",\n \"num_attention_heads\": 32,\n \"num_hidden_layers\": 32,\n"
    " \"pretraining_tp\": 1,\n \"rms_norm_eps\": 1e-05,\n \"rope_scaling\": null,\n"
    " \"tie_word_embeddings\": false,\n \"torch_dtype\": \"float16\",\n \"transformers_version\": \"4.31.0.dev0\",\n"
    " \"use_cache\": true,\n \"vocab_size\": 32000\n}\n";

/* BitNet b1.58 2B4T's config.json fields (quantization_config kept out). */
static const char b2b4t[] =
    "{\"architectures\": [\"BitNetForCausalLM\"], \"attention_bias\": false, \"hidden_act\": \"relu2\","
    " \"hidden_size\": 2560, \"intermediate_size\": 6912, \"max_position_embeddings\": 4096,"
    " \"model_type\": \"bitnet\", \"num_attention_heads\": 20, \"num_hidden_layers\": 30,"
    " \"num_key_value_heads\": 5, \"rms_norm_eps\": 1e-05, \"rope_theta\": 500000.0,"
    " \"tie_word_embeddings\": true, \"torch_dtype\": \"bfloat16\", \"vocab_size\": 128256}";

static char *dir;

static int load(const char *text, tb_model_config *c, char *err, int errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (tbt_write_text(path, text))
        return -999;
    return tb_model_config_from_json(path, c, err, errlen);
}

/* text must be refused with "<dir>/config.json: " + tail. */
static void expect_error(const char *text, const char *tail)
{
    tb_model_config c;
    char err[512] = "", want[1024];
    snprintf(want, sizeof want, "%s/config.json: %s", dir, tail);
    CHECK(load(text, &c, err, sizeof err) == -EINVAL);
    CHECK_STR(err, want);
    CHECK(!strchr(err, '\n'));
}

/* llama2_7b with one field's value replaced by `val` (NULL: the member removed). */
static void expect_field_error(const char *field, const char *val, const char *tail)
{
    char text[2048], key[64];
    snprintf(key, sizeof key, "\"%s\": ", field);
    const char *at = strstr(llama2_7b, key);
    CHECK(at != NULL);
    if (!at)
        return;
    const char *end = strchr(at, '\n'); /* each member on its own line, ending ",\n" or "\n" */
    int len = (int)(at - llama2_7b);
    if (val)
        snprintf(text, sizeof text, "%.*s%s%s%s", len, llama2_7b, key, val, end[-1] == ',' ? end - 1 : end);
    else
        snprintf(text, sizeof text, "%.*s%s", len, llama2_7b, end + 1);
    expect_error(text, tail);
}

int main(void)
{
    char err[512] = "";
    tb_model_config c;
    char *base = tbt_tmpdir("cfg");
    CHECK(base != NULL);
    if (!base)
        TEST_DONE();
    /* a model folder named like the release, to check the config's name */
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/Llama-2-7b-hf", base);
    CHECK(mkdir(sub, 0700) == 0);
    dir = sub;

    CHECK(load(llama2_7b, &c, err, sizeof err) == 0);
    CHECK_STR(err, "");
    CHECK_STR(c.name, "Llama-2-7b-hf");
    CHECK(c.hidden == 4096 && c.ffn == 11008 && c.layers == 32 && c.heads == 32);
    CHECK(c.kv_heads == 32 && c.head_dim == 128 && c.vocab == 32000 && c.max_ctx == 4096);
    CHECK(c.rope_theta == 10000.0 && c.norm_eps == 1e-5 && c.act == TB_FFN_SILU && !c.subln && !c.tied);
    CHECK(strstr(c.source, "Llama-2-7b-hf/config.json") != NULL);

    CHECK(load(b2b4t, &c, err, sizeof err) == 0);
    CHECK(c.hidden == 2560 && c.ffn == 6912 && c.layers == 30 && c.heads == 20 && c.kv_heads == 5);
    CHECK(c.head_dim == 128 && c.vocab == 128256 && c.rope_theta == 500000.0);
    CHECK(c.act == TB_FFN_RELU2 && c.subln == 1 && c.tied == 1);

    /* 1bitLLM/bitnet_b1_58-large: BitnetForCausalLM, LLaMA fields, SiLU, sub-norms */
    CHECK(load("{\"architectures\": [\"BitnetForCausalLM\"], \"hidden_act\": \"silu\", \"hidden_size\": 1536,"
               " \"intermediate_size\": 4096, \"max_position_embeddings\": 2048, \"num_attention_heads\": 16,"
               " \"num_hidden_layers\": 24, \"num_key_value_heads\": 16, \"rms_norm_eps\": 1e-05,"
               " \"rope_theta\": 10000.0, \"tie_word_embeddings\": false, \"vocab_size\": 32002,"
               " \"input_bits\": 8, \"weight_bits\": 1}",
               &c, err, sizeof err) == 0);
    CHECK(c.hidden == 1536 && c.head_dim == 96 && c.vocab == 32002 && c.subln == 1 && c.act == TB_FFN_SILU);

    /* explicit head_dim (hidden not a multiple of heads is then fine) */
    CHECK(load("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 100, \"intermediate_size\": 300,"
               " \"num_hidden_layers\": 1, \"num_attention_heads\": 3, \"head_dim\": 32, \"vocab_size\": 10,"
               " \"max_position_embeddings\": 16, \"rms_norm_eps\": 1e-6}",
               &c, err, sizeof err) == 0);
    CHECK(c.head_dim == 32 && c.kv_heads == 3 && c.act == TB_FFN_SILU);

    /* each field's problems */
    expect_field_error("hidden_size", NULL, "hidden_size: missing");
    expect_field_error("hidden_size", "\"4096\"", "hidden_size: expected a positive integer, got a string");
    expect_field_error("hidden_size", "0", "hidden_size: 0 is not positive");
    expect_field_error("intermediate_size", "-11008", "intermediate_size: -11008 is not positive");
    expect_field_error("num_hidden_layers", "2.5", "num_hidden_layers: 2.5 is not an integer in range");
    expect_field_error("num_attention_heads", "null", "num_attention_heads: missing");
    expect_field_error("num_attention_heads", "30",
                       "head_dim: missing, and hidden_size 4096 is not a multiple of num_attention_heads 30");
    expect_field_error("vocab_size", "[32000]", "vocab_size: expected a positive integer, got an array");
    expect_field_error("max_position_embeddings", NULL, "max_position_embeddings: missing");
    expect_field_error("rms_norm_eps", NULL, "rms_norm_eps: missing");
    expect_field_error("rms_norm_eps", "0", "rms_norm_eps: 0 is not a positive number");
    expect_field_error("architectures", NULL, "architectures: missing");
    expect_field_error("architectures", "[\"GPT2LMHeadModel\"]",
                       "architectures: unsupported architecture \"GPT2LMHeadModel\" (LlamaForCausalLM, "
                       "BitnetForCausalLM and BitNetForCausalLM are)");
    expect_field_error("architectures", "[]", "architectures: expected a non-empty array of names, got an empty array");
    expect_field_error("architectures", "\"LlamaForCausalLM\"",
                       "architectures: expected a non-empty array of names, got a string");
    expect_field_error("hidden_act", "\"gelu\"", "hidden_act: unsupported activation \"gelu\" (silu and relu2 are)");
    expect_field_error("hidden_act", "1", "hidden_act: expected a name, got a number");
    expect_field_error("tie_word_embeddings", "\"yes\"", "tie_word_embeddings: expected true or false, got a string");
    expect_field_error("rope_scaling", "{\"type\": \"linear\", \"factor\": 2.0}",
                       "rope_scaling: not supported (plain RoPE only)");
    expect_field_error("pretraining_tp", "1, \"attention_bias\": true",
                       "attention_bias: true is not supported (the decoder has no biases)");
    expect_error("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 8,",
                 "not valid JSON (error at byte 56)");
    expect_error("[1, 2]", "expected a JSON object, got an array");
    expect_error("", "not valid JSON (error at byte 0)");

    /* the file itself */
    char missing[4096];
    snprintf(missing, sizeof missing, "%s/nothing.json", base);
    CHECK(tb_model_config_from_json(missing, &c, err, sizeof err) == -ENOENT);
    char want[4200];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
    CHECK_STR(err, want);
    CHECK(tb_model_config_from_json(base, &c, err, sizeof err) < 0);
    CHECK(strncmp(err, base, strlen(base)) == 0);

    /* in memory, exactly len bytes, no NUL after them (ASan sees an over-read) */
    size_t n = strlen(b2b4t);
    char *copy = malloc(n);
    memcpy(copy, b2b4t, n);
    CHECK(tb_model_config_parse_json(copy, n, "mem", &c, err, sizeof err) == 0);
    free(copy);
    CHECK(c.kv_heads == 5 && c.tied == 1);
    CHECK_STR(c.name, "config");

    char p[4096];
    snprintf(p, sizeof p, "%s/config.json", sub);
    unlink(p);
    rmdir(sub);
    tbt_rmtree(base);
    TEST_DONE();
}
