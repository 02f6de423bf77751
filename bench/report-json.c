/* report-json.c - the JSON report, layout "tritbench-report/1" (described
 * in README "Reports and figures"):
 *   {"layout":"tritbench-report/1","database":PATH,
 *    "runs":[{"run":{id,suite,status,started_at,ended_at,argv},
 *             "machine":{fingerprint,cpu,cores,threads,l1d_bytes,l2_bytes,l3_bytes,mem_bytes,hypervisor,kernel},
 *             "build":{commit,dirty,build_type,compiler,binary_sha256},
 *             "facts":[{fact,reason}], "samplers":[{sampler,state,reason,fix}],
 *             "energy_measured_missing":REASON|null,
 *             "cases":[{id,key,workload,params,format,shape,n,threads,cache_mode,status,status_reason,
 *                       median_ns,ci_lo_ns,ci_hi_ns,gbps,gops,roofline_pct,speedup,speedup_ci:[lo,hi],
 *                       energy_j_per_iter:{model_7nm,model_45nm,measured},flags,flags_reason,
 *                       e2e:{model,test,head,batch,ctx,layers,layers_total,extrapolated,max_batch,params,
 *                            tokens_per_s,tokens_per_s_ci_lo,tokens_per_s_ci_hi,ms_per_token_p50,_p90,_p99,
 *                            ttft_ms,pp_tokens_per_s,model_bytes,kv_bytes,roofline_tokens_per_s,
 *                            energy_{cpu,paper}_{7nm,45nm}_j_per_token}|null (decoder cases only),
 *                       missing:{FIGURE:REASON,...}}]}],
 *    "paper":{"why":TEXT|null,"rows":[{table,row,quantity,unit,base,ternary,paper_base,paper_ternary,
 *             paper_ratio,ours_base,ours_ternary,our_ratio,flags,why}]}|null,
 *    "figures":{"rendered":[NAME...],"skipped":REASON|null}}
 * Absent numbers are null, never 0; each has its reason under "missing". */
#include "tb-report.h"

#include <string.h>

static void ks(FILE *f, const char *k, const char *v, int comma)
{
    fprintf(f, "%s\"%s\":", comma ? "," : "", k);
    tb_rep_put_json_str(f, v);
}

static void kn(FILE *f, const char *k, double v)
{
    fprintf(f, ",\"%s\":", k);
    tb_rep_put_json_num(f, v);
}

static void run_json(const tb_rep_run *run, FILE *f)
{
    fprintf(f, "{\"run\":{\"id\":%lld", (long long)run->id);
    ks(f, "suite", run->suite, 1);
    ks(f, "status", run->status, 1);
    ks(f, "started_at", run->started, 1);
    ks(f, "ended_at", run->ended[0] ? run->ended : NULL, 1);
    ks(f, "argv", run->argv, 1);
    fputs("},\"machine\":{", f);
    ks(f, "fingerprint", run->fingerprint, 0);
    ks(f, "cpu", run->cpu, 1);
    fprintf(f, ",\"cores\":%ld,\"threads\":%ld", run->cores, run->threads);
    kn(f, "l1d_bytes", run->l1d);
    kn(f, "l2_bytes", run->l2);
    kn(f, "l3_bytes", run->l3);
    kn(f, "mem_bytes", run->mem);
    ks(f, "hypervisor", run->hypervisor, 1);
    ks(f, "kernel", run->kernel, 1);
    fputs("},\"build\":{", f);
    ks(f, "commit", run->commit, 0);
    fprintf(f, ",\"dirty\":%s", run->dirty ? "true" : "false");
    ks(f, "build_type", run->build_type, 1);
    ks(f, "compiler", run->compiler, 1);
    ks(f, "binary_sha256", run->sha256, 1);
    fputs("},\"facts\":[", f);
    for (int i = 0; i < run->nfacts; i++) {
        fputs(i ? ",{" : "{", f);
        ks(f, "fact", run->facts[i].name, 0);
        ks(f, "reason", run->facts[i].reason, 1);
        fputc('}', f);
    }
    fputs("],\"samplers\":[", f);
    for (int i = 0; i < run->nsamplers; i++) {
        fputs(i ? ",{" : "{", f);
        ks(f, "sampler", run->samplers[i].name, 0);
        ks(f, "state", run->samplers[i].state, 1);
        ks(f, "reason", run->samplers[i].reason[0] ? run->samplers[i].reason : NULL, 1);
        ks(f, "fix", run->samplers[i].fix[0] ? run->samplers[i].fix : NULL, 1);
        fputc('}', f);
    }
    fputs("]", f);
    ks(f, "energy_measured_missing", run->energy_why[0] ? run->energy_why : NULL, 1);
    fputs(",\"cases\":[", f);
    static const char *const figs[] = {"median", "ci", "gbps", "gops", "roofline_pct", "speedup",
                                       "energy_modelled", "energy_measured"};
    char why[1400];
    for (int i = 0; i < run->ncases; i++) {
        const tb_rep_case *c = &run->cases[i];
        fprintf(f, "%s{\"id\":%lld", i ? "," : "", (long long)c->id);
        ks(f, "key", c->key, 1);
        ks(f, "workload", c->workload, 1);
        ks(f, "params", c->params, 1);
        ks(f, "format", c->format[0] ? c->format : NULL, 1);
        ks(f, "shape", c->shape[0] ? c->shape : NULL, 1);
        if (c->n >= 0)
            fprintf(f, ",\"n\":%ld", c->n);
        else
            fputs(",\"n\":null", f);
        fprintf(f, ",\"threads\":%d", c->threads);
        ks(f, "cache_mode", c->cache[0] ? c->cache : NULL, 1);
        ks(f, "status", c->status, 1);
        ks(f, "status_reason", c->status_reason[0] ? c->status_reason : NULL, 1);
        kn(f, "median_ns", c->median);
        kn(f, "ci_lo_ns", c->ci_lo);
        kn(f, "ci_hi_ns", c->ci_hi);
        kn(f, "gbps", c->gbps);
        kn(f, "gops", c->gops);
        kn(f, "roofline_pct", c->roof);
        kn(f, "speedup", c->speedup);
        fputs(",\"speedup_ci\":[", f);
        tb_rep_put_json_num(f, c->sp_lo);
        fputc(',', f);
        tb_rep_put_json_num(f, c->sp_hi);
        fputs("],\"energy_j_per_iter\":{\"model_7nm\":", f);
        tb_rep_put_json_num(f, c->e7);
        kn(f, "model_45nm", c->e45);
        kn(f, "measured", c->emeas);
        fputc('}', f);
        ks(f, "flags", c->flags, 1);
        ks(f, "flags_reason", c->flags_reason[0] ? c->flags_reason : NULL, 1);
        tb_rep_e2e_json(c, f);
        fputs(",\"missing\":{", f);
        int m = 0;
        for (size_t k = 0; k < sizeof figs / sizeof figs[0]; k++)
            if (tb_rep_applies(c, figs[k]) && tb_rep_missing(run, c, figs[k], why, sizeof why))
                ks(f, figs[k], why, m++ > 0);
        fputs("}}", f);
    }
    fputs("]}", f);
}

int tb_report_json(const tb_report *r, FILE *f)
{
    fputs("{\"layout\":\"" TB_REPORT_LAYOUT "\"", f);
    ks(f, "database", r->db, 1);
    fputs(",\"runs\":[", f);
    for (int i = 0; i < r->nruns; i++) {
        if (i)
            fputc(',', f);
        run_json(&r->runs[i], f);
    }
    fputs("],\"paper\":", f);
    if (!r->paper) {
        fputs("null", f);
    } else {
        fputc('{', f);
        ks(f, "why", r->paper_why[0] ? r->paper_why : NULL, 0);
        fputs(",\"rows\":[", f);
        for (int i = 0; i < r->nprows; i++) {
            const tb_rep_paper_row *p = &r->prows[i];
            fputs(i ? ",{" : "{", f);
            ks(f, "table", p->table, 0);
            ks(f, "row", p->label, 1);
            ks(f, "quantity", p->quantity, 1);
            ks(f, "unit", p->unit, 1);
            ks(f, "base", p->base_name, 1);
            ks(f, "ternary", p->tern_name, 1);
            kn(f, "paper_base", p->paper_base);
            kn(f, "paper_ternary", p->paper_tern);
            kn(f, "paper_ratio", p->paper_ratio);
            kn(f, "ours_base", p->ours_base);
            kn(f, "ours_ternary", p->ours_tern);
            kn(f, "our_ratio", p->our_ratio);
            ks(f, "flags", p->our_flags, 1);
            ks(f, "why", p->why[0] ? p->why : NULL, 1);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs(",\"figures\":{\"rendered\":[", f);
    for (int i = 0; i < r->nfigs; i++) {
        if (i)
            fputc(',', f);
        tb_rep_put_json_str(f, r->figs[i]);
    }
    fputs("]", f);
    ks(f, "skipped", r->figs_why[0] ? r->figs_why : NULL, 1);
    fputs("}}\n", f);
    return ferror(f) ? -1 : 0;
}
