/* test-model-configs.c - built-in model configs (every one passes the
 * check, names case-insensitive, the shapes of the reference csv), the
 * command-line spec parser (defaults, one-line errors), and the random
 * weight source (deterministic per name and seed, independent of the
 * thread count, scaled 1/sqrt(cols), norms near 1, wrong names and shapes
 * refused). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench.h"
#include "tb-model.h"

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

static void test_builtins(void)
{
    char err[256];
    CHECK(tb_model_config_count() >= 20);
    for (int i = 0; i < tb_model_config_count(); i++) {
        const tb_model_config *c = tb_model_config_at(i);
        if (tb_model_config_check(c, err, sizeof err) < 0) {
            fprintf(stderr, "builtin %s: %s\n", c->name, err);
            exit(1);
        }
        CHECK(tb_model_config_find(c->name) == c);
        CHECK(c->source[0]);
    }
    CHECK(tb_model_config_at(-1) == NULL && tb_model_config_at(tb_model_config_count()) == NULL);
    const tb_model_config *c = tb_model_config_find("2b4t");
    CHECK(c && c->hidden == 2560 && c->ffn == 6912 && c->layers == 30 && c->heads == 20 && c->kv_heads == 5);
    CHECK(c->vocab == 128256 && c->rope_theta == 500000.0 && c->act == TB_FFN_RELU2 && c->subln && c->tied);
    c = tb_model_config_find("3b");
    CHECK(c && c->hidden == 3200 && c->ffn == 8640 && c->layers == 26 && c->head_dim == 100 && c->vocab == 32000);
    CHECK(strstr(c->source, "not stated"));
    c = tb_model_config_find("LLAMA2-70B");
    CHECK(c && c->kv_heads == 8 && c->ffn == 28672 && c->layers == 80);
    c = tb_model_config_find("BitNetCpp-125m");
    CHECK(c && c->hidden == 768 && c->layers == 11);
    CHECK(tb_model_config_find("100b") == NULL);
    CHECK(tb_model_config_find("bitnetcpp-100B")->ffn == 45568);
    CHECK(tb_model_config_find("nope") == NULL && tb_model_config_find(NULL) == NULL);
}

static void bad_spec(const char *spec, const char *want)
{
    char err[256];
    tb_model_config c;
    err[0] = 0;
    CHECK(tb_model_config_parse(spec, &c, err, sizeof err) < 0);
    if (!strstr(err, want) || strchr(err, '\n')) {
        fprintf(stderr, "spec '%s': error '%s' lacks '%s'\n", spec, err, want);
        exit(1);
    }
}

static void test_parse(void)
{
    char err[256];
    tb_model_config c;
    CHECK(tb_model_config_parse("hidden=256,ffn=688,layers=2,heads=4,kv_heads=2,vocab=512", &c, err, sizeof err) == 0);
    CHECK(c.hidden == 256 && c.ffn == 688 && c.layers == 2 && c.heads == 4 && c.kv_heads == 2 && c.vocab == 512);
    CHECK(c.head_dim == 64 && c.max_ctx == 2048 && c.rope_theta == 10000.0 && c.norm_eps == 1e-5);
    CHECK(c.act == TB_FFN_SILU && !c.subln && !c.tied && !strcmp(c.name, "custom"));
    CHECK(tb_model_config_parse("hidden=192,ffn=520,layers=1,heads=6,vocab=300,act=relu2,subln=1,tied=1,"
                                "theta=500000,ctx=128,name=tiny", &c, err, sizeof err) == 0);
    CHECK(c.kv_heads == 6 && c.head_dim == 32 && c.act == TB_FFN_RELU2 && c.subln && c.tied && c.max_ctx == 128);
    CHECK(c.rope_theta == 500000.0 && !strcmp(c.name, "tiny"));
    CHECK(tb_model_config_parse("base=7B,layers=2", &c, err, sizeof err) == 0);
    CHECK(c.hidden == 4096 && c.layers == 2 && c.vocab == 32000);
    bad_spec("hidden=256", "needs hidden, ffn, layers, heads and vocab");
    bad_spec("hidden=256,ffn=688,layers=2,heads=4,kv_heads=3,vocab=512", "not a multiple of kv_heads");
    bad_spec("hidden=250,ffn=688,layers=2,heads=4,vocab=512", "not a multiple of heads");
    bad_spec("hidden=256,ffn=688,layers=2,heads=4,vocab=512,head_dim=63", "even");
    bad_spec("hidden=256,ffn=688,layers=2,heads=4,vocab=512,colour=red", "colour: unknown key");
    bad_spec("hidden=25x,ffn=688,layers=2,heads=4,vocab=512", "hidden=25x: expected an integer");
    bad_spec("hidden=256,ffn=0,layers=2,heads=4,vocab=512", "ffn 0 out of range");
    bad_spec("hidden=256,ffn=688,layers=2,heads=4,vocab=512,act=gelu", "act=gelu");
    bad_spec("layers=2,base=7B", "must come first");
    bad_spec("base=9B", "unknown model");
    bad_spec("hidden", "not key=value");
    bad_spec("", "empty");
}

static void test_random(void)
{
    char err[256];
    tb_model_config c;
    tb_wsrc s;
    CHECK(tb_model_config_parse("hidden=256,ffn=688,layers=2,heads=4,kv_heads=2,vocab=512", &c, err, sizeof err) == 0);
    CHECK(tb_wsrc_random(&c, 7, &s) == 0);
    int64_t n = 688 * 256;
    float *a = malloc(sizeof(float) * (size_t)n), *b = malloc(sizeof(float) * (size_t)n);
    CHECK(a && b);
    CHECK(s.fill(s.ctx, "model.layers.1.mlp.down_proj.weight", 256, 688, a, err, sizeof err) == 0);
    /* the same with a 2-thread pool: thread count does not matter */
    tb_bench_pool_free();
    CHECK(tb_bench_pool_init(2, 0) == 0);
    CHECK(s.fill(s.ctx, "model.layers.1.mlp.down_proj.weight", 256, 688, b, err, sizeof err) == 0);
    CHECK(!memcmp(a, b, sizeof(float) * (size_t)n));
    double s2 = 0, s1 = 0;
    for (int64_t i = 0; i < n; i++)
        s1 += a[i], s2 += (double)a[i] * a[i];
    double sd = sqrt(s2 / (double)n - (s1 / (double)n) * (s1 / (double)n));
    CHECK(fabs(sd * sqrt(688.0) - 1.0) < 0.02 && fabs(s1 / (double)n) < 0.01 / sqrt(688.0) * 10);
    CHECK(s.fill(s.ctx, "model.layers.0.mlp.down_proj.weight", 256, 688, b, err, sizeof err) == 0);
    CHECK(memcmp(a, b, sizeof(float) * (size_t)n) != 0);
    tb_wsrc s8;
    CHECK(tb_wsrc_random(&c, 8, &s8) == 0);
    CHECK(s8.fill(s8.ctx, "model.layers.1.mlp.down_proj.weight", 256, 688, b, err, sizeof err) == 0);
    CHECK(memcmp(a, b, sizeof(float) * (size_t)n) != 0);
    s8.close(s8.ctx);
    CHECK(s.fill(s.ctx, "model.norm.weight", 1, 256, a, err, sizeof err) == 0);
    for (int i = 0; i < 256; i++)
        CHECK(a[i] >= 0.9f && a[i] <= 1.1f);
    CHECK(s.fill(s.ctx, "model.layers.2.mlp.up_proj.weight", 688, 256, a, err, sizeof err) < 0);
    CHECK(strstr(err, "no such tensor"));
    CHECK(s.fill(s.ctx, "model.layers.0.self_attn.k_proj.weight", 256, 256, a, err, sizeof err) < 0);
    CHECK(strstr(err, "shape 256x256 asked, model has 128x256"));
    CHECK(s.fill(s.ctx, "model.layers.0.mlp.ffn_sub_norm.weight", 1, 688, a, err, sizeof err) < 0);
    s.close(s.ctx);
    free(a);
    free(b);
    tb_bench_pool_free();
}

int main(void)
{
    test_builtins();
    test_parse();
    test_random();
    printf("test-model-configs: ok\n");
    return 0;
}
