/* report-table.c - what a reader sees of a run in the Markdown and HTML
 * reports: the header lines (machine fingerprint, build, date, run facts)
 * and the columns of a case row, formatted with units, "-" for an absent
 * figure and the reasons in the last column. */
#include "tb-report.h"
#include "tb-cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const tb_rep_col_names[TB_REP_NCOL] = {
    "case", "cache", "threads", "status", "median", "95% CI of median", "GB/s", "GOP/s",
    "roofline", "vs fp16 [95% CI]", "flags", "missing figures: why",
};

const char *tb_rep_header_line(const tb_rep_run *r, int i, char *buf, int len)
{
    switch (i) {
    case 0:
        snprintf(buf, (size_t)len, "run %lld: suite %s, status %s, started %s%s%s", (long long)r->id, r->suite,
                 r->status, r->started, r->ended[0] ? ", ended " : " (no end recorded)", r->ended);
        return buf;
    case 1:
        snprintf(buf, (size_t)len, "machine %.16s: %s, %ld cores / %ld threads, L1d %.0f KiB, L2 %.0f KiB, L3 %.0f MiB,"
                 " memory %.1f GiB, hypervisor %s, kernel %s", r->fingerprint, r->cpu, r->cores, r->threads,
                 r->l1d / 1024, r->l2 / 1024, r->l3 / 1048576, r->mem / 1073741824.0,
                 r->hypervisor[0] ? r->hypervisor : "none", r->kernel);
        return buf;
    case 2:
        snprintf(buf, (size_t)len, "build %.12s%s (%s, %s), binary sha256 %.16s", r->commit, r->dirty ? "-dirty" : "",
                 r->build_type, r->compiler, r->sha256[0] ? r->sha256 : "unknown");
        return buf;
    case 3:
        snprintf(buf, (size_t)len, "command: %s", r->argv);
        return buf;
    }
    i -= 4;
    if (i < r->nfacts) {
        snprintf(buf, (size_t)len, "run fact %s: %s", r->facts[i].name, r->facts[i].reason);
        return buf;
    }
    i -= r->nfacts;
    if (i == 0 && r->energy_why[0]) {
        snprintf(buf, (size_t)len, "measured energy: none (%s); modelled energy from op counts is shown instead",
                 r->energy_why);
        return buf;
    }
    return NULL;
}

void tb_rep_cells(const tb_rep_run *run, const tb_rep_case *c, char cells[TB_REP_NCOL][TB_REP_CELL])
{
    char a[48], b[48];
    snprintf(cells[0], TB_REP_CELL, "%s", c->key);
    snprintf(cells[1], TB_REP_CELL, "%s", c->cache[0] ? c->cache : "-");
    snprintf(cells[2], TB_REP_CELL, "%d", c->threads);
    snprintf(cells[3], TB_REP_CELL, "%s", c->status);
    snprintf(cells[4], TB_REP_CELL, "%s", isnan(c->median) ? "-" : tb_fmt_ns(c->median, a, sizeof a));
    if (isnan(c->ci_lo) || isnan(c->ci_hi))
        snprintf(cells[5], TB_REP_CELL, "-");
    else
        snprintf(cells[5], TB_REP_CELL, "[%s, %s]", tb_fmt_ns(c->ci_lo, a, sizeof a), tb_fmt_ns(c->ci_hi, b, sizeof b));
    int probe_bw = !strcmp(c->workload, "bandwidth"), probe_pk = !strcmp(c->workload, "peak");
    tb_rep_num(c->gbps, "%.2f", a, sizeof a);
    if (probe_bw && !isnan(c->best))
        snprintf(cells[6], TB_REP_CELL, "%s (best %.2f)", a, c->best);
    else
        snprintf(cells[6], TB_REP_CELL, "%s", a);
    tb_rep_num(c->gops, "%.2f", a, sizeof a);
    if (probe_pk && !isnan(c->best))
        snprintf(cells[7], TB_REP_CELL, "%s (best %.2f)", a, c->best);
    else
        snprintf(cells[7], TB_REP_CELL, "%s", a);
    if (strstr(c->flags, "ceiling_suspect"))
        snprintf(cells[8], TB_REP_CELL, "suspect");
    else
        snprintf(cells[8], TB_REP_CELL, "%s", tb_rep_num(c->roof, "%.0f%%", a, sizeof a));
    if (c->is_baseline)
        snprintf(cells[9], TB_REP_CELL, "baseline");
    else if (isnan(c->speedup))
        snprintf(cells[9], TB_REP_CELL, "-");
    else if (isnan(c->sp_lo))
        snprintf(cells[9], TB_REP_CELL, "%.2fx", c->speedup);
    else
        snprintf(cells[9], TB_REP_CELL, "%.2fx [%.2f, %.2f]", c->speedup, c->sp_lo, c->sp_hi);
    tb_rep_flags_words(c, cells[10], TB_REP_CELL);
    tb_rep_missing_all(run, c, cells[11], TB_REP_CELL);
}
