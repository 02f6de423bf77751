/* cli-ppl.c - `tritbench ppl --model M --tokens FILE`: perplexity of a
 * decoder over a file of token ids, in any projection format, so a user
 * holding the real weights (a checkpoint directory) can fill the paper's
 * PPL column.  The text is cut into windows of --ctx tokens; each window
 * is prefilled from an empty cache with the logits of every position, and
 * token i+1 is scored against the logits at i (so the first token of a
 * window is context only).  ppl = exp(mean negative log-likelihood).
 * Tokenisation stays outside tritbench (README: how to make the file). */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-decoder.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "tb-model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_MODEL = 1, P_TOKENS, P_FORMAT, P_HEAD, P_CTX, P_THREADS, P_ISA, P_SEED, P_MAX };

static const tb_opt ppl_opts[] = {
    {P_MODEL, "model", 'm', NULL, "M", "checkpoint directory (config.json + safetensors), built-in name or key=value "
     "spec (generated weights: a check of the pipeline, not a quality figure)", NULL},
    {P_TOKENS, "tokens", 0, NULL, "FILE", "token ids as decimal integers separated by whitespace or commas", NULL},
    {P_FORMAT, "format", 'f', NULL, "FORMAT", "projection weight format (quantised at load with the paper's recipe)",
     "fp16"},
    {P_HEAD, "head", 0, NULL, "FORMAT", "format of the output head", "fp16"},
    {P_CTX, "ctx", 0, NULL, "N", "window length in tokens", "512 (at most the model's context)"},
    {P_THREADS, "threads", 0, NULL, "N", "threads", "the CPUs this process may use"},
    {P_ISA, "isa", 0, NULL, "LEVEL", "cap kernel dispatch (as for run)", "native"},
    {P_SEED, "seed", 0, NULL, "N", "seed of generated weights (built-in or spec models only)", "1"},
    {P_MAX, "max-tokens", 0, NULL, "N", "score at most the first N tokens", "all"},
    {0},
};

static const tb_cmd_spec ppl_spec = {
    .name = "ppl",
    .about = "Perplexity of a decoder over a token file, in the chosen weight format.\n",
    .opts = ppl_opts,
    .footer = "Exit status: 0 ok, 1 the model could not be built, 2 bad option, model or token file.\n",
};

/* Read every token id; -1 with the error printed (file, position, problem). */
static int read_tokens(const char *path, int64_t vocab, int32_t **out, int64_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return tb_die(TB_EXIT_USAGE, "--tokens %s: %s", tb_clip(path), strerror(errno)), -1;
    int64_t cap = 4096, cnt = 0, pos = 0;
    int32_t *v = malloc((size_t)cap * sizeof *v);
    int c, rc = 0;
    char num[32];
    size_t nl = 0;
    if (!v) {
        fclose(f);
        return tb_die(TB_EXIT_FAIL, "ppl: out of memory"), -1;
    }
    for (;;) {
        c = fgetc(f);
        pos++;
        if (c >= '0' && c <= '9') {
            if (nl + 1 >= sizeof num) {
                tb_die(TB_EXIT_USAGE, "--tokens %s: byte %lld: number too long", tb_clip(path), (long long)pos);
                rc = -1;
                break;
            }
            num[nl++] = (char)c;
            continue;
        }
        if (nl) {
            num[nl] = 0;
            long long t = strtoll(num, NULL, 10);
            if (t >= vocab) {
                tb_die(TB_EXIT_USAGE, "--tokens %s: token %lld (number %lld) is not below the model's vocabulary of "
                       "%lld", tb_clip(path), t, (long long)cnt + 1, (long long)vocab);
                rc = -1;
                break;
            }
            if (cnt == cap) {
                int32_t *nv = realloc(v, (size_t)(cap *= 2) * sizeof *v);
                if (!nv) {
                    tb_die(TB_EXIT_FAIL, "ppl: out of memory");
                    rc = -1;
                    break;
                }
                v = nv;
            }
            v[cnt++] = (int32_t)t;
            nl = 0;
        }
        if (c == EOF)
            break;
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',') {
            tb_die(TB_EXIT_USAGE, "--tokens %s: byte %lld: '%c' is not part of a token id (expected decimal integers "
                   "separated by whitespace or commas)", tb_clip(path), (long long)pos, c >= 32 && c < 127 ? c : '?');
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        tb_die(TB_EXIT_USAGE, "--tokens %s: read error", tb_clip(path));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && cnt < 2) {
        tb_die(TB_EXIT_USAGE, "--tokens %s: %lld token(s); perplexity needs at least 2", tb_clip(path),
               (long long)cnt);
        rc = -1;
    }
    if (rc < 0) {
        free(v);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
}

int tb_cmd_ppl(int argc, char **argv)
{
    const char *model = NULL, *tokens = NULL, *format = "fp16", *head = "fp16";
    long ctx = 512, threads = tb_bench_cpus_available(), seed = 1, maxtok = 0;
    uint32_t cap = 0xffffffffu;
    tb_optparse p;
    tb_opt_init(&p, &ppl_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        int bad = 0;
        switch (id) {
        case TB_OPT_HELP:
        case TB_OPT_ERROR: return tb_opt_exit(id);
        case TB_OPT_ARG: return tb_die(TB_EXIT_USAGE, "ppl: unexpected argument '%s'", tb_clip(p.arg));
        case P_MODEL: model = p.arg; break;
        case P_TOKENS: tokens = p.arg; break;
        case P_FORMAT: format = p.arg; bad = tb_check_formats(p.opt, p.arg); break;
        case P_HEAD: head = p.arg; bad = tb_check_formats(p.opt, p.arg); break;
        case P_CTX: bad = tb_parse_int(p.opt, p.arg, 2, 1 << 16, &ctx); break;
        case P_THREADS: bad = tb_parse_int(p.opt, p.arg, 1, 256, &threads); break;
        case P_SEED: bad = tb_parse_int(p.opt, p.arg, 0, 2147483647L, &seed); break;
        case P_MAX: bad = tb_parse_int(p.opt, p.arg, 2, 2147483647L, &maxtok); break;
        case P_ISA:
            if (tb_isa_parse(p.arg, &cap) < 0)
                return tb_die(TB_EXIT_USAGE, "--isa %s: unknown ISA level (try: tritbench run --help)", tb_clip(p.arg));
            break;
        }
        if (bad < 0)
            return TB_EXIT_USAGE;
    }
    if (!model || !tokens)
        return tb_die(TB_EXIT_USAGE, "ppl: %s is required (try: tritbench ppl --help)", !model ? "--model" : "--tokens");
    if (strchr(format, ',') || strchr(head, ','))
        return tb_die(TB_EXIT_USAGE, "ppl: one --format and one --head at a time");
    tb_isa_set_cap(cap);
    tb_model_config cfg;
    char err[512], dir[1024];
    if (tb_model_resolve(model, &cfg, dir, sizeof dir, err, sizeof err) < 0)
        return tb_die(TB_EXIT_USAGE, "%s", err);
    const int is_dir = dir[0] != 0;
    if (tb_model_config_check(&cfg, err, sizeof err) < 0)
        return tb_die(TB_EXIT_USAGE, "--model %s: %s", tb_clip(model), err);
    if (ctx > cfg.max_ctx && cfg.max_ctx > 0)
        ctx = cfg.max_ctx;
    int32_t *tok;
    int64_t ntok;
    if (read_tokens(tokens, cfg.vocab, &tok, &ntok) < 0)
        return TB_EXIT_USAGE;
    if (maxtok > 0 && ntok > maxtok)
        ntok = maxtok;

    int rc = TB_EXIT_FAIL;
    tb_decoder *d = NULL;
    float *logits = NULL;
    tb_wsrc src = {0};
    tb_decoder_opts o = {.format = format, .head_format = head, .isa_allowed = tb_isa_allowed(), .ctx = ctx,
                         .max_batch = 1, .max_prefill = ctx, .copies = 1, .max_threads = (int)threads};
    int src_rc = is_dir ? tb_wsrc_safetensors(model, &cfg, &src, err, sizeof err)
                        : tb_wsrc_random(&cfg, (uint64_t)seed, &src);
    if (src_rc < 0) {
        rc = tb_die(is_dir ? TB_EXIT_USAGE : TB_EXIT_FAIL, "%s", err);
        goto out;
    }
    int brc = tb_decoder_build(&cfg, &o, &src, &d, err, sizeof err);
    if (src.close)
        src.close(src.ctx);
    if (brc < 0) {
        /* a bad tensor in the checkpoint is the input's fault */
        rc = tb_die(brc == -ENOMEM ? TB_EXIT_FAIL : TB_EXIT_USAGE, "%s", err);
        goto out;
    }
    if (tb_bench_pool_init((int)threads, 1) < 0) {
        rc = tb_die(TB_EXIT_FAIL, "ppl: cannot create %ld threads", threads);
        goto out;
    }
    logits = malloc((size_t)ctx * (size_t)cfg.vocab * sizeof *logits);
    if (!logits) {
        rc = tb_die(TB_EXIT_FAIL, "ppl: out of memory for %ld x %lld logits", ctx, (long long)cfg.vocab);
        goto out;
    }
    double nll = 0;
    int64_t scored = 0;
    for (int64_t w = 0; w + 1 < ntok; w += ctx) {
        int64_t n = ntok - w < ctx ? ntok - w : ctx;
        if (n < 2)
            break;
        tb_decoder_reset(d);
        if (tb_decoder_prefill(d, 0, tok + w, n, logits, n, tb_bench_pool(), (int)threads) < 0) {
            rc = tb_die(TB_EXIT_FAIL, "ppl: the decoder refused a window of %lld tokens", (long long)n);
            goto out;
        }
        for (int64_t i = 0; i + 1 < n; i++) {
            const float *l = logits + i * cfg.vocab;
            double mx = l[0], s = 0;
            for (int64_t v = 1; v < cfg.vocab; v++)
                mx = l[v] > mx ? l[v] : mx;
            for (int64_t v = 0; v < cfg.vocab; v++)
                s += exp((double)l[v] - mx);
            nll += mx + log(s) - l[tok[w + i + 1]];
            scored++;
        }
    }
    printf("model %s (%s), format %s (%s), head %s, windows of %ld tokens, %lld tokens scored\n", cfg.name,
           is_dir ? model : "generated weights", format, tb_decoder_kernel(d)->name, head, ctx, (long long)scored);
    printf("ppl %.4f  (mean NLL %.5f nats)\n", exp(nll / (double)scored), nll / (double)scored);
    if (!is_dir)
        puts("note: generated weights: this checks the pipeline; perplexity means something only for trained "
             "weights (--model DIR)");
    rc = tb_stdout_done("ppl", TB_EXIT_OK);
out:
    free(logits);
    tb_decoder_free(d);
    free(tok);
    tb_bench_pool_free();
    return rc;
}
