/* report-md.c - the Markdown report: per run a header (machine, build,
 * date, run facts, samplers that are not live and why), then one table
 * per workload (report-table.c's columns), then the paper section and the
 * figures (linked PNGs, or why they were skipped). */
#include "tb-report.h"

#include <math.h>
#include <string.h>

static void row(FILE *f, char cells[][TB_REP_CELL], int n)
{
    fputc('|', f);
    for (int i = 0; i < n; i++) {
        fputc(' ', f);
        tb_rep_put_md(f, cells[i]);
        fputs(" |", f);
    }
    fputc('\n', f);
}

static void paper_md(const tb_report *r, FILE *f)
{
    fputs("\n## The paper's tables on this machine\n\n", f);
    if (r->paper_why[0])
        fprintf(f, "%s\n\n", r->paper_why);
    if (!r->nprows)
        return;
    fputs("| table | row | quantity | paper (base / ternary) | paper ratio | ours (base / ternary) | our ratio | note |\n"
          "|---|---|---|---|---|---|---|---|\n", f);
    for (int i = 0; i < r->nprows; i++) {
        const tb_rep_paper_row *p = &r->prows[i];
        char a[32], b[32], c[32], d[32], e[32], g[32];
        fprintf(f, "| %s | %s | %s (%s) | %s: %s / %s: %s | %s | ", p->table, p->label, p->quantity, p->unit,
                p->base_name, tb_rep_num(p->paper_base, "%.4g", a, sizeof a), p->tern_name,
                tb_rep_num(p->paper_tern, "%.4g", b, sizeof b), tb_rep_num(p->paper_ratio, "%.3gx", c, sizeof c));
        if (p->why[0] && isnan(p->ours_base) && isnan(p->ours_tern))
            fputs("not measured | - | ", f);
        else
            fprintf(f, "%s / %s | %s | ", tb_rep_num(p->ours_base, "%.4g", d, sizeof d),
                    tb_rep_num(p->ours_tern, "%.4g", e, sizeof e), tb_rep_num(p->our_ratio, "%.3gx", g, sizeof g));
        tb_rep_put_md(f, p->why[0] ? p->why : p->our_flags);
        if (p->why[0] && p->our_flags[0]) {
            fputs("; ", f);
            tb_rep_put_md(f, p->our_flags);
        }
        fputs(" |\n", f);
    }
}

int tb_report_md(const tb_report *r, FILE *f)
{
    fprintf(f, "# tritbench report\n\ndatabase `%s`, layout %s\n", r->db, TB_REPORT_LAYOUT);
    for (int ri = 0; ri < r->nruns; ri++) {
        const tb_rep_run *run = &r->runs[ri];
        char line[2048];
        fprintf(f, "\n## Run %lld (%s)\n\n", (long long)run->id, run->suite);
        for (int i = 0; tb_rep_header_line(run, i, line, sizeof line); i++) {
            fputs("- ", f);
            tb_rep_put_md(f, line);
            fputc('\n', f);
        }
        int shown = 0;
        for (int i = 0; i < run->nsamplers; i++) {
            const tb_rep_kv *k = &run->samplers[i];
            if (!strcmp(k->state, "live") && !k->reason[0])
                continue;
            if (!shown++)
                fputs("\nSamplers (state: reason; fix):\n\n", f);
            fprintf(f, "- %s %s: ", k->name, k->state);
            tb_rep_put_md(f, k->reason);
            if (k->fix[0]) {
                fputs("; fix: ", f);
                tb_rep_put_md(f, k->fix);
            }
            fputc('\n', f);
        }
        static char cells[TB_REP_NCOL][TB_REP_CELL];
        const char *wl = "";
        for (int i = 0; i < run->ncases; i++) {
            const tb_rep_case *c = &run->cases[i];
            if (strcmp(c->workload, wl)) {
                wl = c->workload;
                const int e2e = c->e2e.is_e2e;
                fprintf(f, "\n### %s\n\n|", e2e ? "decoder (e2e)" : wl);
                for (int k = 0; k < TB_REP_NCOL; k++)
                    fprintf(f, " %s |", e2e ? tb_rep_e2e_col_names[k] : tb_rep_col_names[k]);
                fputs("\n|", f);
                for (int k = 0; k < TB_REP_NCOL; k++)
                    fputs((e2e ? tb_rep_e2e_numcol(k) : k >= 4 && k <= 9) ? "---:|" : "---|", f);
                fputc('\n', f);
            }
            if (c->e2e.is_e2e)
                tb_rep_e2e_cells(run, c, cells);
            else
                tb_rep_cells(run, c, cells);
            row(f, cells, TB_REP_NCOL);
        }
        if (!run->ncases)
            fputs("\nNo cases stored for this run.\n", f);
        for (int i = 0; i < run->ncases; i++)
            if (run->cases[i].e2e.is_e2e) {
                fputs("\ndecoder: decode tokens/s = batch x generated tokens / decode time (median over repetitions,"
                      " 95% CI); ms/token: decode step time p50/p90/p99; TTFT: prefill of the prompt; roofline: bytes"
                      " one decode step reads / this run's DRAM read ceiling over the median step; weights: the whole"
                      " model in its format; ~: EXTRAPOLATED from the layers measured to the model's depth.\n", f);
                break;
            }
        fputs("\nroofline: max(bytes / read-bandwidth ceiling, MACs / MAC-peak ceiling) / median; vs fp16: per"
              " interleaved round, fp16 time / this case's time, median over rounds with its 95% CI.\n", f);
    }
    if (r->paper)
        paper_md(r, f);
    fputs("\n## Figures\n\n", f);
    if (r->figs_why[0])
        fprintf(f, "Figures skipped: %s\n", r->figs_why);
    for (int i = 0; i < r->nfigs; i++)
        fprintf(f, "![%s](%s.png)\n", r->figs[i], r->figs[i]);
    return ferror(f) ? -1 : 0;
}
