/* report-paper.c - the paper's tables (arXiv 2402.17764, BitNet b1.58)
 * laid out row by row: the published figures from reference_figures next
 * to ours.  Ours come from the run's end-to-end decoder cases (workload
 * e2e, view v_params_e2e: model, format, test, batch, extrapolated, ...;
 * metrics ms_per_token, weight_bytes, kv_bytes, tokens_per_s; modelled
 * energy rows) when the run has them, else each row says why not.
 * Figure 3 left (arithmetic energy of one multiply-accumulate at 7 nm and
 * 45 nm) needs no decoder: it comes from the energy model
 * (harness/energy-model.c) applied to one MAC in the paper's accounting
 * (LLaMA: an fp16 multiply and an fp16 add; BitNet b1.58: an int8 add),
 * and to what this CPU's kernels execute per MAC (the run's matmul
 * counts).  Baseline: format fp16; ternary: the fastest ternary format
 * of the row (its name is shown); model names match the paper's sizes
 * ("700M", "3B", "70B"), decoding one sequence (batch 1, not a
 * --max-batch case).  Memory: the whole model's weights in the case's
 * format (model_bytes: projections, embedding, head, norms) + the KV
 * cache at the test's context, decimal GB.  Figure 3's energy for 512
 * tokens: the case's modelled 7 nm joules per token in the paper's
 * accounting (energy_paper_7nm_j_per_token: matmul MACs at the model's
 * full depth, extrapolated cases included) x 512; Table 3 takes, per
 * format, the largest decode batch whose case is ok and its throughput. */
#include "tb-report.h"
#include "tb-energy-model.h"
#include "tb-store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TERNARY "v.format NOT IN ('fp16','bf16','int8','fp32')"
/* Which case of a model and format class a row takes. */
#define FASTEST "(SELECT value FROM metrics x WHERE x.case_id=v.case_id AND x.name='ms_per_token')"
#define BIGGEST_BATCH "v.batch DESC"

typedef struct paper_ctx {
    tb_store *s;
    tb_report *r;
    int64_t run;
    int have_ref, have_e2e;
    char e2e_why[256];
    int cap;
} paper_ctx;

static int exists(tb_store *s, const char *name)
{
    tb_cursor *c = tb_store_select(s, "SELECT count(*) FROM sqlite_master WHERE name=?");
    if (!c)
        return -1;
    tb_cursor_bind_text(c, 1, name);
    int rc = tb_cursor_next(c), n = rc == 1 ? (int)tb_cursor_int(c, 0) : 0;
    tb_cursor_close(c);
    return rc < 0 ? -1 : n > 0;
}

static double ref(paper_ctx *p, const char *tbl, const char *label, const char *q)
{
    if (!p->have_ref)
        return NAN;
    tb_cursor *c = tb_store_select(p->s, "SELECT value FROM reference_figures WHERE tbl=? AND row_label=? AND quantity=?");
    if (!c)
        return NAN;
    tb_cursor_bind_text(c, 1, tbl);
    tb_cursor_bind_text(c, 2, label);
    tb_cursor_bind_text(c, 3, q);
    double v = tb_cursor_next(c) == 1 ? tb_cursor_real(c, 0) : NAN;
    tb_cursor_close(c);
    return v;
}

/* Our figure for model/format class: metric, or bytes metrics summed when
 * metric is "memory"; NAN and why when absent.  fmt_out gets the format. */
static double ours(paper_ctx *p, const char *model, int ternary, const char *metric, const char *test_like,
                   const char *where, const char *order, char *fmt_out, int fmt_len, char *flags, int flags_len, char *why, int why_len)
{
    fmt_out[0] = 0;
    if (!p->have_e2e) {
        snprintf(why, (size_t)why_len, "not measured: %s", p->e2e_why);
        return NAN;
    }
    char sql[1400];
    snprintf(sql, sizeof sql,
             "SELECT v.format, v.status, coalesce(c.status_reason,''), coalesce(v.extrapolated,0),"
             " %s FROM v_params_e2e v JOIN cases c ON c.id=v.case_id"
             " WHERE v.run_id=?1 AND (v.model=?2 OR lower(v.model)=lower(?2)) AND v.test LIKE ?3 AND %s %s"
             " ORDER BY v.status<>'ok', %s LIMIT 1",
             !strcmp(metric, "max_batch") ? "v.batch"
             : !strcmp(metric, "memory")
                 ? "(SELECT sum(value) FROM metrics x WHERE x.case_id=v.case_id AND x.name IN ('model_bytes','kv_bytes'))/1e9"
                 : !strcmp(metric, "energy_512")
                 ? "(SELECT value FROM metrics x WHERE x.case_id=v.case_id AND x.name='energy_paper_7nm_j_per_token')"
                   " * 512.0"
                 : "(SELECT value FROM metrics x WHERE x.case_id=v.case_id AND x.name=?4)",
             ternary ? TERNARY : "v.format='fp16'", where, order);
    tb_cursor *c = tb_store_select(p->s, sql);
    if (!c) {
        snprintf(why, (size_t)why_len, "not measured: %s", tb_store_errmsg(p->s));
        return NAN;
    }
    tb_cursor_bind_int(c, 1, p->run);
    tb_cursor_bind_text(c, 2, model);
    tb_cursor_bind_text(c, 3, test_like);
    if (strcmp(metric, "memory") && strcmp(metric, "energy_512") && strcmp(metric, "max_batch"))
        tb_cursor_bind_text(c, 4, metric);
    double v = NAN;
    int rc = tb_cursor_next(c);
    if (rc == 1) {
        snprintf(fmt_out, (size_t)fmt_len, "%s", tb_cursor_text(c, 0));
        if (strcmp(tb_cursor_text(c, 1), "ok"))
            snprintf(why, (size_t)why_len, "%s %s: %s", fmt_out, tb_cursor_text(c, 1), tb_cursor_text(c, 2));
        else
            v = tb_cursor_real(c, 4);
        if (tb_cursor_int(c, 3)) {
            size_t o = strlen(flags);
            snprintf(flags + o, (size_t)flags_len - o, "%s%s extrapolated", o ? ", " : "", fmt_out);
        }
        if (isnan(v) && !why[0])
            snprintf(why, (size_t)why_len, "%s: no %s stored", fmt_out, metric);
    } else {
        snprintf(why, (size_t)why_len, "not measured: no %s e2e case of model %s in run %lld%s", ternary ? "ternary" : "fp16",
                 model, (long long)p->run, strstr(where, "full_model") ? " whose whole model fits the memory budget" : "");
    }
    tb_cursor_close(c);
    return v;
}

static tb_rep_paper_row *add(paper_ctx *p)
{
    tb_report *r = p->r;
    if (r->nprows == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 32;
        tb_rep_paper_row *n = realloc(r->prows, (size_t)p->cap * sizeof *n);
        if (!n)
            return NULL;
        r->prows = n;
    }
    tb_rep_paper_row *row = &r->prows[r->nprows++];
    memset(row, 0, sizeof *row);
    return row;
}

/* One row comparing fp16 and the best ternary format. */
static int row_e2e_by(paper_ctx *p, const char *table, const char *size, const char *quantity, const char *unit,
                      double pb, double pt, double pr, const char *metric, const char *test_like, int ratio_inverse,
                      const char *order)
{
    tb_rep_paper_row *w = add(p);
    if (!w)
        return -1;
    snprintf(w->table, sizeof w->table, "%s", table);
    snprintf(w->label, sizeof w->label, "%s", size);
    snprintf(w->quantity, sizeof w->quantity, "%s", quantity);
    snprintf(w->unit, sizeof w->unit, "%s", unit);
    w->paper_base = pb;
    w->paper_tern = pt;
    w->paper_ratio = pr;
    char fb[32], ft[32], wb[384] = "", wt[384] = "";
    /* Table 3 takes any decode batch the whole model could hold (a batch
     * measured on --layers K of a model above the memory budget is
     * flagged full_model_does_not_fit and left out); the others decode
     * one sequence (not a --max-batch case) */
    const char *where = !strcmp(order, BIGGEST_BATCH)
                            ? "AND v.n_gen > 0 AND coalesce(c.flags,'') NOT LIKE '%full_model_does_not_fit%'"
                            : "AND v.batch=1 AND v.max_batch=0";
    w->ours_base = ours(p, size, 0, metric, test_like, where, order, fb, sizeof fb, w->our_flags, sizeof w->our_flags, wb, sizeof wb);
    w->ours_tern = ours(p, size, 1, metric, test_like, where, order, ft, sizeof ft, w->our_flags, sizeof w->our_flags, wt, sizeof wt);
    snprintf(w->base_name, sizeof w->base_name, "LLaMA %s", fb[0] ? fb : "fp16");
    snprintf(w->tern_name, sizeof w->tern_name, "BitNet %s", ft[0] ? ft : "ternary");
    w->our_ratio = ratio_inverse ? w->ours_tern / w->ours_base : w->ours_base / w->ours_tern;
    if (wb[0] && wt[0] && !strcmp(wb, wt))
        snprintf(w->why, sizeof w->why, "%s", wb);
    else if (wb[0] || wt[0])
        snprintf(w->why, sizeof w->why, "%s%s%s", wb, wb[0] && wt[0] ? "; " : "", wt);
    return 0;
}

static int row_e2e(paper_ctx *p, const char *table, const char *size, const char *quantity, const char *unit,
                   double pb, double pt, double pr, const char *metric, const char *test_like, int ratio_inverse)
{
    return row_e2e_by(p, table, size, quantity, unit, pb, pt, pr, metric, test_like, ratio_inverse, FASTEST);
}

static int table1(paper_ctx *p)
{
    static const char *const sizes[] = {"700M", "1.3B", "3B", "3.9B"};
    const char *t = "b158_table1_ppl_memory_latency";
    for (size_t i = 0; i < 4; i++) {
        char l[64], b[64];
        snprintf(l, sizeof l, "LLaMA LLM | %s", sizes[i]);
        snprintf(b, sizeof b, "BitNet b1.58 | %s", sizes[i]);
        if (row_e2e(p, "Table 1", sizes[i], "memory", "GB", ref(p, t, l, "memory_gb"), ref(p, t, b, "memory_gb"),
                    ref(p, t, b, "memory_reduction_x"), "memory", "tg%", 0) < 0 ||
            row_e2e(p, "Table 1", sizes[i], "decode latency", "ms/token", ref(p, t, l, "latency_ms"),
                    ref(p, t, b, "latency_ms"), ref(p, t, b, "latency_speedup_x"), "ms_per_token", "tg%", 0) < 0)
            return -1;
    }
    return 0;
}

static int figure2_3(paper_ctx *p)
{
    static const char *const sizes[] = {"1.3B", "3B", "7B", "13B", "70B"};
    const char *t2 = "b158_fig2_latency_memory", *t3 = "b158_fig3_energy";
    for (size_t i = 0; i < 5; i++) {
        const char *z = sizes[i];
        if (row_e2e(p, "Figure 2", z, "decode latency", "ms/token", ref(p, t2, z, "llama_latency_ms_digitized"),
                    ref(p, t2, z, "bitnet_latency_ms_digitized"), ref(p, t2, z, "latency_speedup_x_printed"),
                    "ms_per_token", "tg%", 0) < 0 ||
            row_e2e(p, "Figure 2", z, "memory", "GB", ref(p, t2, z, "llama_memory_gb_digitized"),
                    ref(p, t2, z, "bitnet_memory_gb_digitized"), ref(p, t2, z, "memory_reduction_x_printed"), "memory",
                    "tg%", 0) < 0)
            return -1;
    }
    for (size_t i = 0; i < 5; i++) {
        const char *z = sizes[i];
        if (row_e2e(p, "Figure 3", z, "energy, 512 tokens, 7 nm model", "J", ref(p, t3, z, "llama_energy_j_digitized"),
                    ref(p, t3, z, "bitnet_energy_j_digitized"), ref(p, t3, z, "e2e_energy_reduction_x_printed"),
                    "energy_512", "tg%", 0) < 0)
            return -1;
    }
    return 0;
}

static int table3(paper_ctx *p)
{
    const char *t = "b158_table3_70b_throughput";
    if (row_e2e_by(p, "Table 3", "70B", "max batch", "sequences", ref(p, t, "LLaMA LLM | 70B", "max_batch_size"),
                   ref(p, t, "BitNet b1.58 | 70B", "max_batch_size"), ref(p, t, "BitNet b1.58 | 70B", "batch_factor_x"),
                   "max_batch", "%", 1, BIGGEST_BATCH) < 0 ||
        row_e2e_by(p, "Table 3", "70B", "throughput", "tokens/s", ref(p, t, "LLaMA LLM | 70B", "throughput_tokens_per_s"),
                   ref(p, t, "BitNet b1.58 | 70B", "throughput_tokens_per_s"),
                   ref(p, t, "BitNet b1.58 | 70B", "throughput_factor_x"), "tokens_per_s", "%", 1, BIGGEST_BATCH) < 0)
        return -1;
    return 0;
}

/* Energy of one MAC from the model, in pJ: the paper's accounting. */
static double mac_pj(const tb_counts *k, const char *source)
{
    tb_model_energy e[4];
    int n = tb_energy_model(k, e, 4);
    for (int i = 0; i < n; i++)
        if (!strcmp(e[i].source, source))
            return e[i].joules * 1e12;
    return NAN;
}

static int figure3_left(paper_ctx *p)
{
    const char *t = "b158_fig3_left_matmul_op_energy_7nm";
    static const char *const nodes[] = {"model-7nm", "model-45nm"};
    for (int i = 0; i < 2; i++) {
        tb_counts fp16 = {{0}}, tern = {{0}};
        fp16.v[TB_CNT_FP16_MUL] = 1;
        fp16.v[TB_CNT_FP16_ADD] = 1;
        tern.v[TB_CNT_INT8_ADD] = 1;
        tb_rep_paper_row *w = add(p);
        if (!w)
            return -1;
        snprintf(w->table, sizeof w->table, "Figure 3 left");
        snprintf(w->label, sizeof w->label, "one MAC, %s", i ? "45 nm" : "7 nm");
        snprintf(w->quantity, sizeof w->quantity, "arithmetic energy per MAC");
        snprintf(w->unit, sizeof w->unit, "pJ");
        snprintf(w->base_name, sizeof w->base_name, "LLaMA fp16 mul+add");
        snprintf(w->tern_name, sizeof w->tern_name, "BitNet int8 add");
        if (i == 0) {
            w->paper_base = ref(p, t, "LLaMA LLM | FP16 Add", "energy_pj_per_op_7nm") +
                            ref(p, t, "LLaMA LLM | FP16 Mul", "energy_pj_per_op_7nm");
            w->paper_tern = ref(p, t, "BitNet b1.58 | INT8 Add", "energy_pj_per_op_7nm");
            w->paper_ratio = ref(p, t, "ratio | LLaMA total / BitNet total", "energy_pj_per_op_7nm");
        } else {
            w->paper_base = w->paper_tern = w->paper_ratio = NAN;
            snprintf(w->our_flags, sizeof w->our_flags, "the paper draws 7 nm only");
        }
        w->ours_base = mac_pj(&fp16, nodes[i]);
        w->ours_tern = mac_pj(&tern, nodes[i]);
        w->our_ratio = w->ours_base / w->ours_tern;
        if (!i)
            snprintf(w->our_flags, sizeof w->our_flags, "energy model (arXiv 2310.11453 Table 2), not a measurement");
    }
    /* What this CPU's kernels execute per MAC: the run's matmul cases'
     * modelled energy over their MACs (rows x cols x n), fp16 vs the
     * fastest ternary format of the largest GEMV. */
    if (exists(p->s, "v_params_matmul") != 1)
        return 0;
    tb_cursor *c = NULL;
    for (int i = 0; i < 2; i++) {
        tb_cursor_close(c);
        c = tb_store_select(
            p->s, "SELECT v.format, v.shape, e.joules * 1e12 / (v.rows * v.cols * v.n) FROM v_params_matmul v"
                  " JOIN energy e ON e.case_id=v.case_id AND e.source=?2 AND e.kind='modelled'"
                  " WHERE v.run_id=?1 AND v.n=1 AND v.status='ok' AND (v.format='fp16' OR " TERNARY ")"
                  " ORDER BY v.rows * v.cols DESC, v.format<>'fp16', v.format");
        if (!c)
            break;
        tb_cursor_bind_int(c, 1, p->run);
        tb_cursor_bind_text(c, 2, nodes[i]);
        double base = NAN, tern = NAN;
        char shape[48] = "", tname[32] = "";
        while (tb_cursor_next(c) == 1) {
            if (!shape[0])
                snprintf(shape, sizeof shape, "%s", tb_cursor_text(c, 1));
            if (strcmp(shape, tb_cursor_text(c, 1)))
                break;
            if (!strcmp(tb_cursor_text(c, 0), "fp16"))
                base = tb_cursor_real(c, 2);
            else if (isnan(tern) || tb_cursor_real(c, 2) < tern) {
                tern = tb_cursor_real(c, 2);
                snprintf(tname, sizeof tname, "%s", tb_cursor_text(c, 0));
            }
        }
        tb_rep_paper_row *w = add(p);
        if (!w)
            break;
        snprintf(w->table, sizeof w->table, "Figure 3 left");
        snprintf(w->label, sizeof w->label, "this CPU's kernels, %s", i ? "45 nm" : "7 nm");
        snprintf(w->quantity, sizeof w->quantity, "arithmetic energy per MAC");
        snprintf(w->unit, sizeof w->unit, "pJ");
        snprintf(w->base_name, sizeof w->base_name, "fp16 kernel");
        snprintf(w->tern_name, sizeof w->tern_name, "%s kernel", tname[0] ? tname : "ternary");
        w->paper_base = w->paper_tern = w->paper_ratio = NAN;
        w->ours_base = base;
        w->ours_tern = tern;
        w->our_ratio = base / tern;
        if (!shape[0])
            snprintf(w->why, sizeof w->why, "not measured: run %lld has no matmul GEMV (n = 1) with modelled energy",
                     (long long)p->run);
        else
            snprintf(w->our_flags, sizeof w->our_flags, "ops the kernels execute on %s, priced by the energy model",
                     shape);
    }
    tb_cursor_close(c);
    return 0;
}

int tb_report_paper_load(tb_store *s, tb_report *r, char *err, int errlen)
{
    paper_ctx p = {.s = s, .r = r};
    r->paper = 1;
    if (!r->nruns) {
        snprintf(err, (size_t)errlen, "no run to lay the paper's tables out for");
        return -1;
    }
    p.run = r->runs[0].id;
    int e = exists(s, "reference_figures");
    if (e < 0) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    if (e) {
        tb_cursor *c = tb_store_select(s, "SELECT count(*) FROM reference_figures");
        p.have_ref = c && tb_cursor_next(c) == 1 && tb_cursor_int(c, 0) > 0;
        tb_cursor_close(c);
    }
    if (!p.have_ref)
        snprintf(r->paper_why, sizeof r->paper_why,
                 "the published figures are not in this database (any `tritbench run` of this version loads them"
                 " into reference_figures); the paper's columns are empty");
    int v = exists(s, "v_params_e2e");
    if (v == 1) {
        tb_cursor *c = tb_store_select(s, "SELECT count(*) FROM v_params_e2e WHERE run_id=?");
        if (c) {
            tb_cursor_bind_int(c, 1, p.run);
            p.have_e2e = tb_cursor_next(c) == 1 && tb_cursor_int(c, 0) > 0;
        }
        tb_cursor_close(c);
    }
    if (!p.have_e2e)
        snprintf(p.e2e_why, sizeof p.e2e_why, "run %lld (suite %s) has no end-to-end decoder (e2e) cases",
                 (long long)p.run, r->runs[0].suite);
    if (table1(&p) < 0 || figure2_3(&p) < 0 || table3(&p) < 0 || figure3_left(&p) < 0) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    return 0;
}
