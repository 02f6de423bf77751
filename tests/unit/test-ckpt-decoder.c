/* test-ckpt-decoder.c - a real checkpoint decodes like the same weights
 * built in memory, and `tritbench ppl` reads it:
 *   - a tiny model (SwiGLU GQA; and ReLU^2 + sub-norm + tied embeddings)
 *     is written as an F32 safetensors checkpoint with its config.json from
 *     the seeded random source (tests/tb-test-ckpt.h);
 *   - config.json parses back to the same shape;
 *   - for fp16, int8 and tq2 the decoder built from the checkpoint gives
 *     logits bit-identical (memcmp) to the decoder built from the random
 *     source (F32 stores the very floats), after a prefill and a decode;
 *   - a BF16 checkpoint of the same weights loads and stays close (NMSE);
 *   - `tritbench ppl --model DIR --tokens FILE` exits 0 and prints a
 *     finite perplexity; a token beyond the vocabulary, a bad character and
 *     a missing config.json exit 2 with a one-line message. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tb-bench.h"
#include "tb-decoder.h"
#include "tb-isa.h"
#include "tb-model.h"
#include "tb-test-ckpt.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static const int32_t prompt[] = {5, 77, 300, 12, 450};
#define NPROMPT 5

/* Logits of the prompt's last token, then of one decode step. */
static void run(const tb_model_config *c, const tb_wsrc *src, const char *fmt, float *out)
{
    tb_decoder_opts o = {.format = fmt, .ctx = 16, .max_batch = 1, .max_prefill = NPROMPT, .copies = 1,
                         .max_threads = 1};
    tb_decoder *d = NULL;
    char err[512];
    int rc = tb_decoder_build(c, &o, src, &d, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "build %s: %s\n", fmt, err);
    CHECK(rc == 0);
    CHECK(tb_decoder_prefill(d, 0, prompt, NPROMPT, out, 1, tb_bench_pool(), 1) == 0);
    int32_t next = 99;
    CHECK(tb_decoder_decode(d, &next, 1, out + c->vocab, tb_bench_pool(), 1) == 0);
    tb_decoder_free(d);
}

static void check_model(const char *spec, const char *dir)
{
    tb_model_config c, j;
    char err[512], path[600];
    CHECK(tb_model_config_parse(spec, &c, err, sizeof err) == 0);
    CHECK(mkdir(dir, 0755) == 0);
    tb_wsrc rnd;
    CHECK(tb_wsrc_random(&c, 7, &rnd) == 0);
    CHECK(tbt_ckpt_write(dir, &c, &rnd, "F32") == 0);
    snprintf(path, sizeof path, "%s/config.json", dir);
    CHECK(tb_model_config_from_json(path, &j, err, sizeof err) == 0);
    CHECK(j.hidden == c.hidden && j.ffn == c.ffn && j.layers == c.layers && j.heads == c.heads &&
          j.kv_heads == c.kv_heads && j.head_dim == c.head_dim && j.vocab == c.vocab && j.act == c.act &&
          j.tied == c.tied && j.subln == c.subln);
    CHECK(tb_model_config_check(&j, err, sizeof err) == 0);

    const char *fmts[] = {"fp16", "int8", "tq2"};
    float *a = malloc(2 * (size_t)c.vocab * sizeof *a), *b = malloc(2 * (size_t)c.vocab * sizeof *b);
    CHECK(a && b);
    for (int f = 0; f < 3; f++) {
        tb_wsrc st;
        run(&c, &rnd, fmts[f], a);
        int rc = tb_wsrc_safetensors(dir, &j, &st, err, sizeof err);
        if (rc < 0)
            fprintf(stderr, "%s\n", err);
        CHECK(rc == 0);
        run(&j, &st, fmts[f], b);
        if (st.close)
            st.close(st.ctx);
        CHECK(memcmp(a, b, 2 * (size_t)c.vocab * sizeof *a) == 0);
    }
    if (rnd.close)
        rnd.close(rnd.ctx);
    free(a);
    free(b);
}

/* tritbench's exit status for args (stdout/stderr to files in dir). */
static int cli(const char *dir, const char *args, char *errline, size_t len)
{
    char cmd[2048], path[700];
    snprintf(cmd, sizeof cmd, "%s %s >%s/out 2>%s/err", TB_BINARY, args, dir, dir);
    int st = system(cmd);
    snprintf(path, sizeof path, "%s/err", dir);
    errline[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(errline, (int)len, f))
            errline[0] = 0;
        fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
    char tmp[] = "/tmp/tb-ckpt-dec-XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char d1[700], d2[700], d3[700];
    snprintf(d1, sizeof d1, "%s/llama", tmp);
    snprintf(d2, sizeof d2, "%s/bitnet", tmp);
    snprintf(d3, sizeof d3, "%s/bf16", tmp);
    check_model("name=t,hidden=128,ffn=344,layers=2,heads=4,kv_heads=2,vocab=512,ctx=64", d1);
    check_model("name=s,hidden=192,ffn=520,layers=2,heads=6,kv_heads=3,vocab=512,ctx=64,act=relu2,subln=1,tied=1",
                d2);

    /* BF16: the same weights rounded; the decoder stays close */
    tb_model_config c;
    char err[512];
    CHECK(tb_model_config_parse("name=t,hidden=128,ffn=344,layers=2,heads=4,kv_heads=2,vocab=512,ctx=64", &c, err,
                                sizeof err) == 0);
    CHECK(mkdir(d3, 0755) == 0);
    tb_wsrc rnd, st;
    CHECK(tb_wsrc_random(&c, 7, &rnd) == 0);
    CHECK(tbt_ckpt_write(d3, &c, &rnd, "BF16") == 0);
    CHECK(tb_wsrc_safetensors(d3, &c, &st, err, sizeof err) == 0);
    float *a = malloc(2 * (size_t)c.vocab * sizeof *a), *b = malloc(2 * (size_t)c.vocab * sizeof *b);
    CHECK(a && b);
    run(&c, &rnd, "fp16", a);
    run(&c, &st, "fp16", b);
    double e = 0, s = 0;
    for (int64_t i = 0; i < 2 * c.vocab; i++) {
        e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        s += (double)a[i] * a[i];
    }
    CHECK(s > 0 && e / s < 1e-3 && e > 0); /* rounded (not identical), close */
    if (st.close)
        st.close(st.ctx);
    if (rnd.close)
        rnd.close(rnd.ctx);
    free(a);
    free(b);

    /* ppl through the CLI */
    char tok[700], args[2048], line[1024];
    snprintf(tok, sizeof tok, "%s/tokens.txt", tmp);
    FILE *f = fopen(tok, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 100; i++)
        fprintf(f, "%d%s", (i * 37 + 11) % 512, i % 10 == 9 ? "\n" : " ");
    fclose(f);
    snprintf(args, sizeof args, "ppl --model %s --tokens %s --format tq2 --ctx 32 --threads 1", d1, tok);
    CHECK(cli(tmp, args, line, sizeof line) == 0);
    char outp[700];
    snprintf(outp, sizeof outp, "%s/out", tmp);
    f = fopen(outp, "r");
    CHECK(f != NULL);
    double ppl = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "ppl ", 4))
            ppl = strtod(line + 4, NULL);
    fclose(f);
    CHECK(isfinite(ppl) && ppl > 1);
    f = fopen(tok, "w");
    CHECK(f != NULL);
    fputs("1 2 3 999\n", f);
    fclose(f);
    CHECK(cli(tmp, args, line, sizeof line) == 2 && strstr(line, "not below the model's vocabulary"));
    f = fopen(tok, "w");
    CHECK(f != NULL);
    fputs("1 2 x 3\n", f);
    fclose(f);
    CHECK(cli(tmp, args, line, sizeof line) == 2 && strstr(line, "is not part of a token id"));
    snprintf(args, sizeof args, "ppl --model %s --tokens %s", tmp, tok);
    CHECK(cli(tmp, args, line, sizeof line) == 2 && strstr(line, "config.json"));

    snprintf(args, sizeof args, "rm -rf %s", tmp);
    CHECK(system(args) == 0);
    puts("test-ckpt-decoder: ok");
    return 0;
}
