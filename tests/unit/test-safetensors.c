/* test-safetensors.c - the safetensors weight source (bench/model/
 * model-safetensors.c, model-st-parse.c) on checkpoints this test writes:
 * F32/F16/BF16 round trips, a sharded index, a whole model checked against
 * its config (tied head, sub-norms under both spellings), and every
 * malformed file giving its one-line message naming file and tensor. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static char path_buf[4096];
static const char *at(const char *dir, const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

/* Opening dir must fail with exactly `want` (after "<dir>/" substitution of %s). */
static void expect_open_error(const char *dir, const tb_model_config *c, const char *fmt, const char *arg)
{
    char want[1024], err[1024] = "";
    snprintf(want, sizeof want, fmt, dir, arg);
    tb_wsrc w;
    int rc = tb_wsrc_safetensors(dir, c, &w, err, sizeof err);
    CHECK(rc < 0);
    if (rc == 0)
        w.close(w.ctx);
    CHECK_STR(err, want);
    CHECK(!strchr(err, '\n'));
}

/* ---- round trip of the three float dtypes ---- */
static void test_round_trip(void)
{
    char *dir = tbt_tmpdir("st");
    float a[15], b[15], v[7];
    for (int i = 0; i < 15; i++) {
        a[i] = (float)(i - 7) * 0.25f;          /* exact in every dtype */
        b[i] = 1.0f / (float)(i + 3) - 0.1f;    /* needs rounding in F16 / BF16 */
    }
    for (int i = 0; i < 7; i++)
        v[i] = 1.0f + (float)i / 1024.0f;
    const char *dt[3] = {"F32", "F16", "BF16"};
    for (int d = 0; d < 3; d++) {
        tbt_tensor t[3] = {
            {"exact", dt[d], 2, {3, 5}, a},
            {"rounded", dt[d], 2, {5, 3}, b},
            {"vec", dt[d], 1, {7}, v},
        };
        CHECK(tbt_st_write(at(dir, "model.safetensors"), t, 3) == 0);
        tb_wsrc w;
        char err[512] = "";
        int rc = tb_wsrc_safetensors(dir, NULL, &w, err, sizeof err);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "%s\n", err);
            continue;
        }
        float o[15];
        CHECK(w.fill(w.ctx, "exact", 3, 5, o, err, sizeof err) == 0);
        for (int i = 0; i < 15; i++)
            CHECK(o[i] == a[i]);
        for (int again = 0; again < 2; again++) { /* a second fill after the pages were dropped */
            CHECK(w.fill(w.ctx, "rounded", 5, 3, o, err, sizeof err) == 0);
            for (int i = 0; i < 15; i++) {
                float want = d == 0 ? b[i] : d == 1 ? tb_fp16_to_f32(tb_fp16_from_f32(b[i]))
                                                    : tb_bf16_to_f32(tb_bf16_from_f32(b[i]));
                CHECK(o[i] == want);
                CHECK_NEAR(o[i], b[i], d == 0 ? 0 : d == 1 ? 1e-3 : 4e-3);
            }
        }
        CHECK(w.fill(w.ctx, "vec", 1, 7, o, err, sizeof err) == 0);
        for (int i = 0; i < 7; i++)
            CHECK(o[i] == (d == 2 ? tb_bf16_to_f32(tb_bf16_from_f32(v[i])) : v[i]));
        w.close(w.ctx);
    }
    tbt_rmtree(dir);
}

/* ---- sharded: index.json -> two files ---- */
static void test_sharded(void)
{
    char *dir = tbt_tmpdir("st");
    float a[6] = {1, 2, 3, 4, 5, 6}, b[4] = {-1, -2, -3, -4};
    tbt_tensor s1[2] = {{"x.weight", "F32", 2, {2, 3}, a}, {"n.weight", "BF16", 1, {4}, b}};
    tbt_tensor s2[1] = {{"y.weight", "F16", 2, {2, 2}, b}};
    CHECK(tbt_st_write(at(dir, "model-00001-of-00002.safetensors"), s1, 2) == 0);
    CHECK(tbt_st_write(at(dir, "model-00002-of-00002.safetensors"), s2, 1) == 0);
    const char *index = "{\"metadata\": {\"total_size\": 40}, \"weight_map\": {"
                        "\"x.weight\": \"model-00001-of-00002.safetensors\","
                        "\"y.weight\": \"model-00002-of-00002.safetensors\","
                        "\"n.weight\": \"model-00001-of-00002.safetensors\"}}";
    CHECK(tbt_write_text(at(dir, "model.safetensors.index.json"), index) == 0);
    tb_wsrc w;
    char err[512] = "";
    int rc = tb_wsrc_safetensors(dir, NULL, &w, err, sizeof err);
    CHECK(rc == 0);
    if (rc == 0) {
        float o[6];
        CHECK(w.fill(w.ctx, "x.weight", 2, 3, o, err, sizeof err) == 0);
        CHECK(o[0] == 1 && o[5] == 6);
        CHECK(w.fill(w.ctx, "y.weight", 2, 2, o, err, sizeof err) == 0);
        CHECK(o[0] == -1 && o[3] == -4);
        CHECK(w.fill(w.ctx, "n.weight", 1, 4, o, err, sizeof err) == 0);
        CHECK(o[2] == -3);
        w.close(w.ctx);
    }
    /* the index says y is in shard 1: it is not */
    char ipath[4096];
    snprintf(ipath, sizeof ipath, "%s/model.safetensors.index.json", dir);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": {\"x.weight\": \"model-00001-of-00002.safetensors\","
                                "\"y.weight\": \"model-00001-of-00002.safetensors\"}}") == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors.index.json: y.weight: listed in model-00001-of-00002.safetensors but "
                      "not there",
                      NULL);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": {\"x.weight\": \"model-00001-of-00002.safetensors\","
                                "\"n.weight\": \"model-00002-of-00002.safetensors\"}}") == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors.index.json: n.weight: listed in model-00002-of-00002.safetensors but "
                      "found in another shard",
                      NULL);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": {\"x.weight\": \"../model.safetensors\"}}") == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors.index.json: x.weight: shard must be a file name in the folder",
                      NULL);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": {\"x.weight\": \"model-00003-of-00002.safetensors\"}}") == 0);
    expect_open_error(dir, NULL, "%s/model-00003-of-00002.safetensors: cannot open: No such file or directory", NULL);
    CHECK(tbt_write_text(ipath, "{\"metadata\": {}}") == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors.index.json: weight_map: missing", NULL);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": ") == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors.index.json: not valid JSON (error at byte 14)", NULL);
    /* a tensor in two shards */
    tbt_tensor dup[1] = {{"x.weight", "F32", 2, {2, 3}, a}};
    CHECK(tbt_st_write(at(dir, "model-00002-of-00002.safetensors"), dup, 1) == 0);
    CHECK(tbt_write_text(ipath, "{\"weight_map\": {\"x.weight\": \"model-00001-of-00002.safetensors\","
                                "\"y.weight\": \"model-00002-of-00002.safetensors\"}}") == 0);
    char want[1024];
    snprintf(want, sizeof want,
             "%%s: x.weight: present twice (in %s/model-00001-of-00002.safetensors and "
             "%s/model-00002-of-00002.safetensors)",
             dir, dir);
    expect_open_error(dir, NULL, want, NULL);
    tbt_rmtree(dir);
}

/* ---- malformed single files: one line naming file and tensor ---- */
static void test_malformed(void)
{
    char *dir = tbt_tmpdir("st");
    const char *file = at(dir, "model.safetensors");
    char f[4096];
    snprintf(f, sizeof f, "%s", file);
    uint8_t data[64] = {0};

    expect_open_error(dir, NULL, "%s: neither model.safetensors nor model.safetensors.index.json is there", NULL);

    CHECK(tbt_write_bytes(f, "\x10\0\0\0\0", 5) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: truncated: 5 bytes, shorter than the 8-byte header length",
                      NULL);

    CHECK(tbt_st_write_raw(f, 1000, "{\"a\":{}}", NULL, 0) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: header length 1000 runs past the end of the file (16 bytes): "
                      "truncated?",
                      NULL);

    CHECK(tbt_st_write_raw(f, (uint64_t)1 << 40, "{}", NULL, 0) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: header length 1099511627776 is over the format's limit of 104857600 "
                      "bytes",
                      NULL);

    CHECK(tbt_st_write_raw(f, 11, "{\"a\": {\"dty", NULL, 0) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: header is not valid JSON (error at byte 8 of 11)", NULL);

    CHECK(tbt_st_write_raw(f, 5, "[1,2]", NULL, 0) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: header is not a JSON object", NULL);

    const char *h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,100]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: w: data_offsets [0, 100] out of range (the data section holds 16 "
                      "bytes)",
                      NULL);

    h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[12,4]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: w: data_offsets [12, 4] out of range (the data section holds 16 bytes)",
                      NULL);

    h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: w: shape [2, 3] of F32 needs 24 bytes, data_offsets span 16",
                      NULL);

    h = "{\"w\":{\"dtype\":\"F16\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: w: shape [4294967296, 4294967296] of F16 needs over "
                      "18446744073709551615 bytes, data_offsets span 16",
                      NULL);

    h = "{\"w\":{\"dtype\":\"F12\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: w: unknown dtype \"F12\"", NULL);

    h = "{\"w\":{\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: w: dtype: missing", NULL);

    h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: w: shape: dimension 1 is not a non-negative integer", NULL);

    h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: w: data_offsets: expected [begin, end], two non-negative integers",
                      NULL);

    h = "{\"w\":[1]}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 0) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: w: expected an object with dtype, shape and data_offsets",
                      NULL);

    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 16) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: b: data_offsets [8, 16] overlap those of a [0, 12]", NULL);

    /* a control character in a name is not let through into the message */
    h = "{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 0) == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: a?b: unknown dtype \"X\"", NULL);

    /* a good file cut short: its last tensor runs out of the data section */
    float w[6] = {1, 2, 3, 4, 5, 6};
    tbt_tensor t[2] = {{"first", "F32", 1, {2}, w}, {"last", "F32", 2, {2, 2}, w + 2}};
    CHECK(tbt_st_write(f, t, 2) == 0);
    struct stat sb;
    CHECK(stat(f, &sb) == 0);
    CHECK(truncate(f, sb.st_size - 3) == 0);
    expect_open_error(dir, NULL,
                      "%s/model.safetensors: last: data_offsets [8, 24] out of range (the data section holds 21 "
                      "bytes)",
                      NULL);

    /* valid file: fill-time errors */
    float nanv[4] = {1, 2, NAN, 4};
    tbt_tensor g[2] = {{"m", "F16", 2, {2, 3}, w}, {"bad", "F32", 2, {2, 2}, nanv}};
    CHECK(tbt_st_write(f, g, 2) == 0);
    tb_wsrc src;
    char err[512] = "", want[1024];
    CHECK(tb_wsrc_safetensors(dir, NULL, &src, err, sizeof err) == 0);
    float o[8];
    CHECK(src.fill(src.ctx, "nope", 2, 3, o, err, sizeof err) == -ENOENT);
    snprintf(want, sizeof want, "%s: nope: not in the checkpoint", dir);
    CHECK_STR(err, want);
    CHECK(src.fill(src.ctx, "m", 3, 2, o, err, sizeof err) == -EINVAL);
    snprintf(want, sizeof want, "%s/model.safetensors: m: shape [2, 3], expected [3, 2]", dir);
    CHECK_STR(err, want);
    CHECK(src.fill(src.ctx, "m", 1, 6, o, err, sizeof err) == -EINVAL);
    snprintf(want, sizeof want, "%s/model.safetensors: m: shape [2, 3], expected [6]", dir);
    CHECK_STR(err, want);
    CHECK(src.fill(src.ctx, "bad", 2, 2, o, err, sizeof err) == -EINVAL);
    snprintf(want, sizeof want, "%s/model.safetensors: bad: element [1, 0] is NaN", dir);
    CHECK_STR(err, want);
    src.close(src.ctx);

    /* a non-float dtype is indexed (checkpoints carry such tensors) but not read as weights */
    h = "{\"__metadata__\":{\"format\":\"pt\"},\"q\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[0,4]}}";
    CHECK(tbt_st_write_raw(f, strlen(h), h, data, 4) == 0);
    CHECK(tb_wsrc_safetensors(dir, NULL, &src, err, sizeof err) == 0);
    CHECK(src.fill(src.ctx, "q", 2, 2, o, err, sizeof err) == -EINVAL);
    snprintf(want, sizeof want, "%s/model.safetensors: q: dtype I8 cannot be read as weights (F32, F16 and BF16 can)",
             dir);
    CHECK_STR(err, want);
    src.close(src.ctx);

    unlink(f);
    CHECK(tbt_write_text(at(dir, "model.safetensors"), "") == 0);
    expect_open_error(dir, NULL, "%s/model.safetensors: truncated: 0 bytes, shorter than the 8-byte header length",
                      NULL);
    expect_open_error(at(dir, "model.safetensors"), NULL,
                      "%s: not a folder (a checkpoint folder holding model.safetensors is expected)", NULL);
    tbt_rmtree(dir);
    expect_open_error("/nonexistent-tb-ckpt", NULL, "%s: No such file or directory", NULL);
}

/* ---- a whole model against its config ---- */

/* A deterministic test source: every value a function of (name, index). */
static int det_fill(void *ctx, const char *name, int64_t rows, int64_t cols, float *out, char *err, int errlen)
{
    uint32_t h = 2166136261u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (int64_t i = 0; i < rows * cols; i++)
        out[i] = (float)((int)((h + (uint32_t)i * 2654435761u) % 2001u) - 1000) / 512.0f;
    return 0;
}

static tb_model_config tiny(int subln, int tied)
{
    tb_model_config c = {.name = "tiny", .hidden = 16, .ffn = 24, .layers = 2, .heads = 4, .kv_heads = 2,
                         .head_dim = 4, .vocab = 40, .max_ctx = 64, .rope_theta = 10000, .norm_eps = 1e-5,
                         .act = subln ? TB_FFN_RELU2 : TB_FFN_SILU, .subln = subln, .tied = tied};
    return c;
}

static void check_same_as_source(const tb_model_config *c, const char *dir, const char *dtype)
{
    tb_wsrc w;
    char err[512] = "";
    int rc = tb_wsrc_safetensors(dir, c, &w, err, sizeof err);
    CHECK(rc == 0);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    tbt_tname names[64];
    int n = tbt_model_tensors(c, names, 64);
    CHECK(n <= 64);
    for (int i = 0; i < n && i < 64; i++) {
        int64_t k = names[i].rows * names[i].cols;
        float *got = malloc((size_t)k * sizeof *got), *src = malloc((size_t)k * sizeof *src);
        CHECK(w.fill(w.ctx, names[i].name, names[i].rows, names[i].cols, got, err, sizeof err) == 0);
        det_fill(NULL, names[i].name, names[i].rows, names[i].cols, src, NULL, 0);
        int bad = 0;
        for (int64_t j = 0; j < k; j++) {
            float want = !strcmp(dtype, "F32")   ? src[j]
                         : !strcmp(dtype, "F16") ? tb_fp16_to_f32(tb_fp16_from_f32(src[j]))
                                                 : tb_bf16_to_f32(tb_bf16_from_f32(src[j]));
            bad += got[j] != want;
        }
        CHECK(bad == 0);
        free(got);
        free(src);
    }
    w.close(w.ctx);
}

static void test_model(void)
{
    tb_wsrc det = {NULL, det_fill, NULL};
    const char *dt[3] = {"F32", "F16", "BF16"};
    for (int v = 0; v < 3; v++) {
        tb_model_config c = tiny(v == 2, v != 0);
        char *dir = tbt_tmpdir("st");
        CHECK(tbt_ckpt_write(dir, &c, &det, dt[v]) == 0);
        check_same_as_source(&c, dir, dt[v]);
        /* the config json written next to it parses back to the same shape */
        tb_model_config back;
        char err[512] = "";
        CHECK(tb_model_config_from_json(at(dir, "config.json"), &back, err, sizeof err) == 0);
        CHECK(back.hidden == c.hidden && back.ffn == c.ffn && back.layers == c.layers && back.heads == c.heads &&
              back.kv_heads == c.kv_heads && back.head_dim == c.head_dim && back.vocab == c.vocab &&
              back.act == c.act && back.subln == c.subln && back.tied == c.tied && back.norm_eps == c.norm_eps);
        /* mismatches between the config and the checkpoint, found at open */
        tb_model_config m = c;
        m.tied = 0;
        if (c.tied)
            expect_open_error(dir, &m, "%s: lm_head.weight: not in the checkpoint", NULL);
        m = c;
        m.vocab = 41;
        expect_open_error(dir, &m, "%s/model.safetensors: model.embed_tokens.weight: shape [40, 16], expected [41, 16]",
                          NULL);
        m = c;
        m.ffn = 32;
        expect_open_error(dir, &m,
                          "%s/model.safetensors: model.layers.0.mlp.gate_proj.weight: shape [24, 16], expected "
                          "[32, 16]",
                          NULL);
        m = c;
        m.layers = 3;
        expect_open_error(dir, &m, "%s: model.layers.2.input_layernorm.weight: not in the checkpoint", NULL);
        m = c;
        m.kv_heads = 4;
        expect_open_error(dir, &m,
                          "%s/model.safetensors: model.layers.0.self_attn.k_proj.weight: shape [8, 16], expected "
                          "[16, 16]",
                          NULL);
        if (!c.subln) {
            m = c;
            m.subln = 1;
            expect_open_error(dir, &m, "%s: model.layers.0.self_attn.attn_sub_norm.weight: not in the checkpoint",
                              NULL);
        }
        tbt_rmtree(dir);
    }

    /* 1bitLLM spells the sub-norms inner_attn_ln / ffn_layernorm */
    tb_model_config c = tiny(1, 1);
    c.layers = 1;
    char *dir = tbt_tmpdir("st");
    tbt_tname names[16];
    int n = tbt_model_tensors(&c, names, 16);
    tbt_tensor t[16];
    float *bufs[16];
    for (int i = 0; i < n; i++) {
        char *s;
        if ((s = strstr(names[i].name, "attn_sub_norm")))
            memcpy(names[i].name + (s - names[i].name), "inner_attn_ln.weight", 21);
        else if ((s = strstr(names[i].name, "ffn_sub_norm")))
            memcpy(names[i].name + (s - names[i].name), "ffn_layernorm.weight", 21);
        bufs[i] = malloc((size_t)(names[i].rows * names[i].cols) * sizeof(float));
        det_fill(NULL, names[i].name, names[i].rows, names[i].cols, bufs[i], NULL, 0);
        t[i] = (tbt_tensor){names[i].name, "F32", names[i].rows == 1 ? 1 : 2,
                            {names[i].rows == 1 ? names[i].cols : names[i].rows, names[i].cols}, bufs[i]};
    }
    CHECK(tbt_st_write(at(dir, "model.safetensors"), t, n) == 0);
    tb_wsrc w;
    char err[512] = "";
    int rc = tb_wsrc_safetensors(dir, &c, &w, err, sizeof err);
    CHECK(rc == 0);
    if (rc == 0) {
        float o[24], want[24];
        CHECK(w.fill(w.ctx, "model.layers.0.mlp.ffn_sub_norm.weight", 1, 24, o, err, sizeof err) == 0);
        det_fill(NULL, "model.layers.0.mlp.ffn_layernorm.weight", 1, 24, want, NULL, 0);
        CHECK(memcmp(o, want, sizeof o) == 0);
        CHECK(w.fill(w.ctx, "model.layers.0.self_attn.attn_sub_norm.weight", 1, 16, o, err, sizeof err) == 0);
        det_fill(NULL, "model.layers.0.self_attn.inner_attn_ln.weight", 1, 16, want, NULL, 0);
        CHECK(memcmp(o, want, 16 * sizeof(float)) == 0);
        w.close(w.ctx);
    } else {
        fprintf(stderr, "%s\n", err);
    }
    for (int i = 0; i < n; i++)
        free(bufs[i]);
    tbt_rmtree(dir);
}

/* RssFile of /proc/self/status in KiB; -1 when unknown. */
static long rss_file_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld kB", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

/* fill() gives the mapped pages of a converted tensor back: converting a
 * 32 MiB tensor must not leave 32 MiB of the file resident. */
static void test_pages_released(void)
{
    if (rss_file_kib() < 0) {
        fprintf(stderr, "test_pages_released: no RssFile in /proc/self/status, skipped\n");
        return;
    }
    enum { ROWS = 2048, COLS = 4096 }; /* 32 MiB of F32 */
    float *w = malloc((size_t)ROWS * COLS * sizeof *w), *o = malloc((size_t)ROWS * COLS * sizeof *o);
    for (int64_t i = 0; i < (int64_t)ROWS * COLS; i++)
        w[i] = (float)(i % 977) * 0.5f;
    char *dir = tbt_tmpdir("st");
    tbt_tensor t[1] = {{"big", "F32", 2, {ROWS, COLS}, w}};
    CHECK(tbt_st_write(at(dir, "model.safetensors"), t, 1) == 0);
    tb_wsrc src;
    char err[512] = "";
    CHECK(tb_wsrc_safetensors(dir, NULL, &src, err, sizeof err) == 0);
    memset(o, 0, (size_t)ROWS * COLS * sizeof *o); /* anonymous pages: not RssFile */
    long before = rss_file_kib();
    CHECK(src.fill(src.ctx, "big", ROWS, COLS, o, err, sizeof err) == 0);
    long after = rss_file_kib();
    CHECK(memcmp(o, w, (size_t)ROWS * COLS * sizeof *o) == 0);
    CHECK(after - before < 4096); /* KiB: well under the tensor's 32768 */
    src.close(src.ctx);
    tbt_rmtree(dir);
    free(w);
    free(o);
}

int main(void)
{
    test_round_trip();
    test_sharded();
    test_malformed();
    test_model();
    test_pages_released();
    TEST_DONE();
}
