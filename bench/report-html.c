/* report-html.c - one self-contained HTML page: the same tables as the
 * Markdown report and every rendered figure's SVG inlined (no external
 * resource: no scripts, stylesheets, images or fonts are fetched). */
#include "tb-report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy OUT/NAME.svg without its XML prolog and DOCTYPE; 0, or -1 when unreadable. */
static int inline_svg(FILE *f, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    rewind(in);
    char *buf = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, in) != (size_t)n) {
        free(buf);
        fclose(in);
        return -1;
    }
    fclose(in);
    buf[n] = 0;
    char *start = strstr(buf, "<svg");
    if (start)
        fputs(start, f);
    free(buf);
    return start ? 0 : -1;
}

static void paper_html(const tb_report *r, FILE *f)
{
    fputs("<h2>The paper's tables on this machine</h2>\n", f);
    if (r->paper_why[0]) {
        fputs("<p>", f);
        tb_rep_put_html(f, r->paper_why);
        fputs("</p>\n", f);
    }
    if (!r->nprows)
        return;
    fputs("<table><tr><th>table</th><th>row</th><th>quantity</th><th>paper</th><th>paper ratio</th>"
          "<th>ours</th><th>our ratio</th><th>note</th></tr>\n", f);
    for (int i = 0; i < r->nprows; i++) {
        const tb_rep_paper_row *p = &r->prows[i];
        char a[32], b[32], c[32], d[32], e[32], g[32];
        fputs("<tr><td>", f);
        tb_rep_put_html(f, p->table);
        fputs("</td><td>", f);
        tb_rep_put_html(f, p->label);
        fprintf(f, "</td><td>%s (%s)</td><td>%s: %s / %s: %s</td><td>%s</td><td>", p->quantity, p->unit,
                p->base_name, tb_rep_num(p->paper_base, "%.4g", a, sizeof a), p->tern_name,
                tb_rep_num(p->paper_tern, "%.4g", b, sizeof b), tb_rep_num(p->paper_ratio, "%.3gx", c, sizeof c));
        if (p->why[0] && isnan(p->ours_base) && isnan(p->ours_tern))
            fputs("not measured</td><td>-", f);
        else
            fprintf(f, "%s / %s</td><td>%s", tb_rep_num(p->ours_base, "%.4g", d, sizeof d),
                    tb_rep_num(p->ours_tern, "%.4g", e, sizeof e), tb_rep_num(p->our_ratio, "%.3gx", g, sizeof g));
        fputs("</td><td class=why>", f);
        tb_rep_put_html(f, p->why[0] ? p->why : p->our_flags);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

int tb_report_html(const tb_report *r, FILE *f)
{
    /* gnuplot's SVGs carry a viewBox and no width: the CSS gives them one (at the
     * terminal's 900 px), else a browser shrinks them to a thumbnail. */
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>tritbench report</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}"
          "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;vertical-align:top}th{background:#eee}"
          "td.num{text-align:right;white-space:nowrap}td.why{color:#a33;max-width:40em}"
          "figure{margin:0 0 1.5em}svg{width:900px;max-width:100%;height:auto}\n"
          "</style></head><body>\n<h1>tritbench report</h1>\n<p>database <code>", f);
    tb_rep_put_html(f, r->db);
    fputs("</code>, layout " TB_REPORT_LAYOUT "</p>\n", f);
    static char cells[TB_REP_NCOL][TB_REP_CELL];
    for (int ri = 0; ri < r->nruns; ri++) {
        const tb_rep_run *run = &r->runs[ri];
        char line[2048];
        fprintf(f, "<h2>Run %lld (", (long long)run->id);
        tb_rep_put_html(f, run->suite);
        fputs(")</h2>\n<ul>\n", f);
        for (int i = 0; tb_rep_header_line(run, i, line, sizeof line); i++) {
            fputs("<li>", f);
            tb_rep_put_html(f, line);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n<table><tr><th>sampler</th><th>state</th><th>reason</th><th>fix</th></tr>\n", f);
        for (int i = 0; i < run->nsamplers; i++) {
            const tb_rep_kv *k = &run->samplers[i];
            fputs("<tr><td>", f);
            tb_rep_put_html(f, k->name);
            fputs("</td><td>", f);
            tb_rep_put_html(f, k->state);
            fputs("</td><td>", f);
            tb_rep_put_html(f, k->reason);
            fputs("</td><td>", f);
            tb_rep_put_html(f, k->fix);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
        const char *wl = "";
        for (int i = 0; i < run->ncases; i++) {
            const tb_rep_case *c = &run->cases[i];
            if (strcmp(c->workload, wl)) {
                if (*wl)
                    fputs("</table>\n", f);
                wl = c->workload;
                fputs("<h3>", f);
                tb_rep_put_html(f, wl);
                fputs("</h3>\n<table><tr>", f);
                for (int k = 0; k < TB_REP_NCOL; k++)
                    fprintf(f, "<th>%s</th>", c->e2e.is_e2e ? tb_rep_e2e_col_names[k] : tb_rep_col_names[k]);
                fputs("</tr>\n", f);
            }
            if (c->e2e.is_e2e)
                tb_rep_e2e_cells(run, c, cells);
            else
                tb_rep_cells(run, c, cells);
            fputs("<tr>", f);
            for (int k = 0; k < TB_REP_NCOL; k++) {
                int numeric = c->e2e.is_e2e ? tb_rep_e2e_numcol(k) : k >= 4 && k <= 9;
                fputs(numeric ? "<td class=num>" : k == TB_REP_NCOL - 1 ? "<td class=why>" : "<td>", f);
                tb_rep_put_html(f, cells[k]);
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        if (run->ncases)
            fputs("</table>\n", f);
        else
            fputs("<p>No cases stored for this run.</p>\n", f);
    }
    if (r->paper)
        paper_html(r, f);
    fputs("<h2>Figures</h2>\n", f);
    if (r->figs_why[0]) {
        fputs("<p class=why>Figures skipped: ", f);
        tb_rep_put_html(f, r->figs_why);
        fputs("</p>\n", f);
    }
    for (int i = 0; i < r->nfigs; i++) {
        fputs("<figure>", f);
        if (!r->outdir || inline_svg(f, r->outdir, r->figs[i]) < 0)
            fprintf(f, "<p class=why>%s.svg could not be read back</p>", r->figs[i]);
        fprintf(f, "<figcaption>%s</figcaption></figure>\n", r->figs[i]);
    }
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
