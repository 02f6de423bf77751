/* report-e2e.c - the decoder (e2e) cases in the report: loads each case's
 * parameters (case_params) and derived figures (metrics: tokens/s with its
 * CI, per-token latency p50/p90/p99, TTFT, weights, KV cache, energy per
 * token) into tb_rep_case.e2e, and renders them: the columns of the e2e
 * table in md and html, a second CSV table, and the "e2e" object of a
 * case in JSON.  Extrapolated rows (--layers K < the model's depth) say so
 * in their flags cell; an absent figure is "-" with its reason. */
#include "tb-report.h"
#include "tb-model.h"
#include "tb-store.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const tb_rep_e2e_col_names[TB_REP_NCOL] = {
    "case", "status", "decode tokens/s [95% CI]", "ms/token p50 / p90 / p99", "TTFT (prefill)",
    "prefill tokens/s", "roofline", "weights", "KV cache", "vs fp16 [95% CI]", "flags", "missing figures: why",
};

int tb_rep_e2e_numcol(int k) { return k >= 2 && k <= 9; }

double tb_rep_model_params(const char *model)
{
    const tb_model_config *c = tb_model_config_find(model);
    if (!c)
        return NAN;
    double attn = (double)c->hidden * (double)c->head_dim * (double)(2 * c->heads + 2 * c->kv_heads);
    double ffn = 3.0 * (double)c->hidden * (double)c->ffn;
    double emb = (double)c->vocab * (double)c->hidden * (c->tied ? 1 : 2);
    return (double)c->layers * (attn + ffn) + emb;
}

static tb_rep_case *find(tb_rep_run *run, int64_t id)
{
    for (int i = 0; i < run->ncases; i++)
        if (run->cases[i].id == id)
            return &run->cases[i];
    return NULL;
}

static void nan_all(tb_rep_e2e *e)
{
    double *v[] = {&e->params, &e->tps, &e->tps_lo, &e->tps_hi, &e->ms50, &e->ms90, &e->ms99, &e->ttft_ms,
                   &e->pp_tps, &e->model_bytes, &e->kv_bytes, &e->roof_tps, &e->tokens_per_iter, &e->e_cpu7,
                   &e->e_cpu45, &e->e_paper7, &e->e_paper45};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = NAN;
}

int tb_rep_e2e_load(tb_store *s, tb_rep_run *run)
{
    int any = 0;
    for (int i = 0; i < run->ncases; i++)
        if (!strcmp(run->cases[i].workload, "e2e")) {
            run->cases[i].e2e.is_e2e = 1;
            nan_all(&run->cases[i].e2e);
            any = 1;
        }
    if (!any)
        return 0;
    tb_cursor *c = tb_store_select(s, "SELECT p.case_id, p.name, p.value FROM case_params p JOIN cases c"
                                      " ON c.id=p.case_id WHERE c.run_id=? AND c.workload='e2e'");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run->id);
    int rc;
    while ((rc = tb_cursor_next(c)) == 1) {
        tb_rep_case *k = find(run, tb_cursor_int(c, 0));
        if (!k)
            continue;
        tb_rep_e2e *e = &k->e2e;
        const char *n = tb_cursor_text(c, 1), *v = tb_cursor_text(c, 2);
        long x = v ? (long)tb_cursor_int(c, 2) : 0;
        if (!n)
            continue;
        if (!strcmp(n, "test"))
            snprintf(e->test, sizeof e->test, "%s", v ? v : "");
        else if (!strcmp(n, "head"))
            snprintf(e->head, sizeof e->head, "%s", v ? v : "");
        else if (!strcmp(n, "model"))
            snprintf(k->model, sizeof k->model, "%s", v ? v : "");
        else if (!strcmp(n, "n_prompt"))
            e->n_prompt = x;
        else if (!strcmp(n, "n_gen"))
            e->n_gen = x;
        else if (!strcmp(n, "batch"))
            e->batch = x;
        else if (!strcmp(n, "ctx"))
            e->ctx = x;
        else if (!strcmp(n, "layers"))
            e->layers = x;
        else if (!strcmp(n, "layers_total"))
            e->layers_total = x;
        else if (!strcmp(n, "extrapolated"))
            e->extrapolated = x != 0;
        else if (!strcmp(n, "max_batch"))
            e->max_batch = x != 0;
    }
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    c = tb_store_select(s, "SELECT m.case_id, m.name, m.value FROM metrics m JOIN cases c ON c.id=m.case_id"
                           " WHERE c.run_id=? AND c.workload='e2e'");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run->id);
    static const struct { const char *name; size_t off; } map[] = {
        {"tokens_per_s", offsetof(tb_rep_e2e, tps)},
        {"tokens_per_s_ci_lo", offsetof(tb_rep_e2e, tps_lo)},
        {"tokens_per_s_ci_hi", offsetof(tb_rep_e2e, tps_hi)},
        {"ms_per_token", offsetof(tb_rep_e2e, ms50)},
        {"tpot_p90_ms", offsetof(tb_rep_e2e, ms90)},
        {"tpot_p99_ms", offsetof(tb_rep_e2e, ms99)},
        {"ttft_ms", offsetof(tb_rep_e2e, ttft_ms)},
        {"pp_tokens_per_s", offsetof(tb_rep_e2e, pp_tps)},
        {"model_bytes", offsetof(tb_rep_e2e, model_bytes)},
        {"kv_bytes", offsetof(tb_rep_e2e, kv_bytes)},
        {"roofline_tokens_per_s", offsetof(tb_rep_e2e, roof_tps)},
        {"tokens_per_iter", offsetof(tb_rep_e2e, tokens_per_iter)},
        {"energy_cpu_7nm_j_per_token", offsetof(tb_rep_e2e, e_cpu7)},
        {"energy_cpu_45nm_j_per_token", offsetof(tb_rep_e2e, e_cpu45)},
        {"energy_paper_7nm_j_per_token", offsetof(tb_rep_e2e, e_paper7)},
        {"energy_paper_45nm_j_per_token", offsetof(tb_rep_e2e, e_paper45)},
    };
    /* parameters when the model is not built in: packed projections back
     * to weights, plus embedding (fp16) and head */
    while ((rc = tb_cursor_next(c)) == 1) {
        tb_rep_case *k = find(run, tb_cursor_int(c, 0));
        const char *n = tb_cursor_text(c, 1);
        if (!k || !n)
            continue;
        double v = tb_cursor_real(c, 2);
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(n, map[i].name))
                *(double *)((char *)&k->e2e + map[i].off) = v;
    }
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    c = tb_store_select(s, "SELECT c.id, (SELECT value FROM metrics WHERE case_id=c.id AND name='weight_bytes_proj') * 8"
                           " / (SELECT value FROM metrics WHERE case_id=c.id AND name='bits_per_weight')"
                           " + (SELECT value FROM metrics WHERE case_id=c.id AND name='head_weights')"
                           " + (SELECT value FROM metrics WHERE case_id=c.id AND name='weight_bytes_embed') / 2"
                           " FROM cases c WHERE c.run_id=? AND c.workload='e2e'");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run->id);
    while ((rc = tb_cursor_next(c)) == 1) {
        tb_rep_case *k = find(run, tb_cursor_int(c, 0));
        if (!k)
            continue;
        k->e2e.params = tb_rep_model_params(k->model);
        if (isnan(k->e2e.params))
            k->e2e.params = tb_cursor_real(c, 1);
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* A rate or time for a reader: no exponents. */
static const char *num_h(double v, char *buf, int len)
{
    if (isnan(v))
        snprintf(buf, (size_t)len, "-");
    else if (fabs(v) >= 100)
        snprintf(buf, (size_t)len, "%.0f", v);
    else
        snprintf(buf, (size_t)len, "%.3g", v);
    return buf;
}

static const char *bytes_h(double b, char *buf, int len)
{
    if (isnan(b))
        snprintf(buf, (size_t)len, "-");
    else if (b >= 1e9)
        snprintf(buf, (size_t)len, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        snprintf(buf, (size_t)len, "%.1f MB", b / 1e6);
    else
        snprintf(buf, (size_t)len, "%.0f kB", b / 1e3);
    return buf;
}

void tb_rep_e2e_cells(const tb_rep_run *run, const tb_rep_case *c, char cells[TB_REP_NCOL][TB_REP_CELL])
{
    const tb_rep_e2e *e = &c->e2e;
    char a[48], b[48], d[48];
    const char *x = e->extrapolated ? "~" : ""; /* extrapolated figures */
    snprintf(cells[0], TB_REP_CELL, "%s", c->key);
    snprintf(cells[1], TB_REP_CELL, "%s", c->status);
    if (isnan(e->tps))
        snprintf(cells[2], TB_REP_CELL, "-");
    else if (isnan(e->tps_lo) || isnan(e->tps_hi))
        snprintf(cells[2], TB_REP_CELL, "%s%s (no CI)", x, num_h(e->tps, a, sizeof a));
    else
        snprintf(cells[2], TB_REP_CELL, "%s%s [%s, %s]", x, num_h(e->tps, a, sizeof a), num_h(e->tps_lo, b, sizeof b),
                 num_h(e->tps_hi, d, sizeof d));
    if (isnan(e->ms50))
        snprintf(cells[3], TB_REP_CELL, "-");
    else
        snprintf(cells[3], TB_REP_CELL, "%s%s / %s / %s ms", x, tb_rep_num(e->ms50, "%.3g", a, sizeof a),
                 tb_rep_num(e->ms90, "%.3g", b, sizeof b), tb_rep_num(e->ms99, "%.3g", d, sizeof d));
    if (isnan(e->ttft_ms))
        snprintf(cells[4], TB_REP_CELL, "-");
    else
        snprintf(cells[4], TB_REP_CELL, "%s%s ms", x, num_h(e->ttft_ms, a, sizeof a));
    snprintf(cells[5], TB_REP_CELL, "%s%s", isnan(e->pp_tps) ? "" : x, num_h(e->pp_tps, a, sizeof a));
    if (strstr(c->flags, "ceiling_suspect"))
        snprintf(cells[6], TB_REP_CELL, "suspect");
    else
        snprintf(cells[6], TB_REP_CELL, "%s", tb_rep_num(c->roof, "%.0f%%", a, sizeof a));
    snprintf(cells[7], TB_REP_CELL, "%s", bytes_h(e->model_bytes, a, sizeof a));
    snprintf(cells[8], TB_REP_CELL, "%s", bytes_h(e->kv_bytes, a, sizeof a));
    if (c->is_baseline)
        snprintf(cells[9], TB_REP_CELL, "baseline");
    else if (isnan(c->speedup))
        snprintf(cells[9], TB_REP_CELL, "-");
    else if (isnan(c->sp_lo))
        snprintf(cells[9], TB_REP_CELL, "%.2fx", c->speedup);
    else
        snprintf(cells[9], TB_REP_CELL, "%.2fx [%.2f, %.2f]", c->speedup, c->sp_lo, c->sp_hi);
    char fl[TB_REP_CELL - 200];
    tb_rep_flags_words(c, fl, sizeof fl);
    size_t o = 0;
    cells[10][0] = 0;
    if (e->extrapolated)
        o += (size_t)snprintf(cells[10] + o, TB_REP_CELL - o, "EXTRAPOLATED (~) from %ld of %ld layers",
                              e->layers, e->layers_total);
    if (e->max_batch && o < TB_REP_CELL)
        o += (size_t)snprintf(cells[10] + o, TB_REP_CELL - o, "%slargest batch in the memory budget",
                              o ? "; " : "");
    if (fl[0] && o < TB_REP_CELL)
        snprintf(cells[10] + o, TB_REP_CELL - o, "%s%s", o ? "; " : "", fl);
    tb_rep_missing_all(run, c, cells[11], TB_REP_CELL);
}

static void num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.9g", v);
}

void tb_rep_e2e_csv(const tb_report *r, FILE *f)
{
    int any = 0;
    for (int ri = 0; ri < r->nruns; ri++)
        for (int i = 0; i < r->runs[ri].ncases; i++)
            any |= r->runs[ri].cases[i].e2e.is_e2e;
    if (!any)
        return;
    fputs("\nrun_id,case_key,model,format,head,test,batch,layers,layers_total,extrapolated,max_batch,threads,"
          "cache_mode,status,params,tokens_per_s,tokens_per_s_ci_lo,tokens_per_s_ci_hi,ms_per_token_p50,"
          "ms_per_token_p90,ms_per_token_p99,ttft_ms,pp_tokens_per_s,roofline_pct,model_bytes,kv_bytes,"
          "speedup_vs_fp16,speedup_ci_lo,speedup_ci_hi,energy_cpu_7nm_j_per_token,energy_paper_7nm_j_per_token,"
          "status_reason\n", f);
    for (int ri = 0; ri < r->nruns; ri++) {
        const tb_rep_run *run = &r->runs[ri];
        for (int i = 0; i < run->ncases; i++) {
            const tb_rep_case *c = &run->cases[i];
            const tb_rep_e2e *e = &c->e2e;
            if (!e->is_e2e)
                continue;
            fprintf(f, "%lld,", (long long)run->id);
            const char *t[] = {c->key, c->model, c->format, e->head, e->test};
            for (size_t k = 0; k < 5; k++) {
                tb_rep_put_csv(f, t[k]);
                fputc(',', f);
            }
            fprintf(f, "%ld,%ld,%ld,%d,%d,%d,", e->batch, e->layers, e->layers_total, e->extrapolated, e->max_batch,
                    c->threads);
            tb_rep_put_csv(f, c->cache);
            fputc(',', f);
            tb_rep_put_csv(f, c->status);
            double v[] = {e->params, e->tps, e->tps_lo, e->tps_hi, e->ms50, e->ms90, e->ms99, e->ttft_ms, e->pp_tps,
                          c->roof, e->model_bytes, e->kv_bytes, c->speedup, c->sp_lo, c->sp_hi, e->e_cpu7,
                          e->e_paper7};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
                num(f, v[k]);
            fputc(',', f);
            tb_rep_put_csv(f, c->status_reason);
            fputc('\n', f);
        }
    }
}

static void json_kn(FILE *f, const char *k, double v)
{
    fprintf(f, ",\"%s\":", k);
    tb_rep_put_json_num(f, v);
}

void tb_rep_e2e_json(const tb_rep_case *c, FILE *f)
{
    const tb_rep_e2e *e = &c->e2e;
    if (!e->is_e2e) {
        fputs(",\"e2e\":null", f);
        return;
    }
    fputs(",\"e2e\":{\"model\":", f);
    tb_rep_put_json_str(f, c->model);
    fputs(",\"test\":", f);
    tb_rep_put_json_str(f, e->test);
    fputs(",\"head\":", f);
    tb_rep_put_json_str(f, e->head);
    fprintf(f, ",\"batch\":%ld,\"ctx\":%ld,\"layers\":%ld,\"layers_total\":%ld,\"extrapolated\":%s,\"max_batch\":%s",
            e->batch, e->ctx, e->layers, e->layers_total, e->extrapolated ? "true" : "false",
            e->max_batch ? "true" : "false");
    json_kn(f, "params", e->params);
    json_kn(f, "tokens_per_s", e->tps);
    json_kn(f, "tokens_per_s_ci_lo", e->tps_lo);
    json_kn(f, "tokens_per_s_ci_hi", e->tps_hi);
    json_kn(f, "ms_per_token_p50", e->ms50);
    json_kn(f, "ms_per_token_p90", e->ms90);
    json_kn(f, "ms_per_token_p99", e->ms99);
    json_kn(f, "ttft_ms", e->ttft_ms);
    json_kn(f, "pp_tokens_per_s", e->pp_tps);
    json_kn(f, "model_bytes", e->model_bytes);
    json_kn(f, "kv_bytes", e->kv_bytes);
    json_kn(f, "roofline_tokens_per_s", e->roof_tps);
    json_kn(f, "energy_cpu_7nm_j_per_token", e->e_cpu7);
    json_kn(f, "energy_cpu_45nm_j_per_token", e->e_cpu45);
    json_kn(f, "energy_paper_7nm_j_per_token", e->e_paper7);
    json_kn(f, "energy_paper_45nm_j_per_token", e->e_paper45);
    fputc('}', f);
}
