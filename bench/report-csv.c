/* report-csv.c - the CSV report: one header row, then one row per case of
 * every run reported, always the same 27 columns (raw numbers in base
 * units: ns, GB/s, GOP/s, %, J per iteration; empty = absent, the reason
 * in `missing`).  Decoder (e2e) cases, when there are any, follow in a
 * table of their own after an empty line (report-e2e.c).  Paper rows, when asked for, follow in a second table
 * after an empty line, with its own header. */
#include "tb-report.h"

#include <math.h>
#include <string.h>

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
}

static void text(FILE *f, const char *s)
{
    tb_rep_put_csv(f, s);
}

int tb_report_csv(const tb_report *r, FILE *f)
{
    fputs("run_id,machine,commit,started_at,case_key,workload,format,shape,n,threads,cache_mode,status,"
          "status_reason,median_ns,ci_lo_ns,ci_hi_ns,gbps,gops,roofline_pct,speedup_vs_fp16,speedup_ci_lo,"
          "speedup_ci_hi,energy_7nm_j,energy_45nm_j,energy_measured_j,flags,missing\n", f);
    static char miss[4096];
    for (int ri = 0; ri < r->nruns; ri++) {
        const tb_rep_run *run = &r->runs[ri];
        for (int i = 0; i < run->ncases; i++) {
            const tb_rep_case *c = &run->cases[i];
            fprintf(f, "%lld,", (long long)run->id);
            text(f, run->fingerprint);
            fputc(',', f);
            text(f, run->commit);
            fputc(',', f);
            text(f, run->started);
            fputc(',', f);
            text(f, c->key);
            fputc(',', f);
            text(f, c->workload);
            fputc(',', f);
            text(f, c->format);
            fputc(',', f);
            text(f, c->shape);
            fputc(',', f);
            if (c->n >= 0)
                fprintf(f, "%ld", c->n);
            fprintf(f, ",%d,", c->threads);
            text(f, c->cache);
            fputc(',', f);
            text(f, c->status);
            fputc(',', f);
            text(f, c->status_reason);
            double v[] = {c->median, c->ci_lo, c->ci_hi, c->gbps, c->gops, c->roof, c->speedup, c->sp_lo,
                          c->sp_hi, c->e7, c->e45, c->emeas};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
                fputc(',', f);
                num(f, v[k]);
            }
            fputc(',', f);
            text(f, c->flags);
            fputc(',', f);
            tb_rep_missing_all(run, c, miss, sizeof miss);
            char e[1200];
            if (tb_rep_missing(run, c, "energy_measured", e, sizeof e)) {
                size_t o = strlen(miss);
                snprintf(miss + o, sizeof miss - o, "%senergy_measured: %s", o ? "; " : "", e);
            }
            text(f, miss);
            fputc('\n', f);
        }
    }
    tb_rep_e2e_csv(r, f);
    if (r->paper && r->nprows) {
        fputs("\ntable,row,quantity,unit,base,ternary,paper_base,paper_ternary,paper_ratio,ours_base,ours_ternary,"
              "our_ratio,flags,why\n", f);
        for (int i = 0; i < r->nprows; i++) {
            const tb_rep_paper_row *p = &r->prows[i];
            const char *t[] = {p->table, p->label, p->quantity, p->unit, p->base_name, p->tern_name};
            for (size_t k = 0; k < 6; k++) {
                text(f, t[k]);
                fputc(',', f);
            }
            double v[] = {p->paper_base, p->paper_tern, p->paper_ratio, p->ours_base, p->ours_tern, p->our_ratio};
            for (size_t k = 0; k < 6; k++) {
                num(f, v[k]);
                fputc(',', f);
            }
            text(f, p->our_flags);
            fputc(',', f);
            text(f, p->why);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}
