/* tb-report.h - `tritbench report`: a read-only view of stored runs.
 * report-query.c loads one run (or the latest run of every machine) into
 * a tb_report through the store's read-only cursors; the writers
 * (report-md.c, report-csv.c, report-json.c, report-html.c) render it;
 * report-figs.c exports the CSV the gnuplot scripts in plots/ read and
 * runs them; report-paper.c lays out the paper's tables (ours next to the
 * published figures of reference_figures).  Nothing here writes to the
 * database.  A figure that is absent is NAN, with its reason available
 * from tb_rep_missing(); it is never printed as 0. */
#ifndef TB_REPORT_H
#define TB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#define TB_REPORT_LAYOUT "tritbench-report/1"

struct tb_store;

/* An e2e (decoder) case's figures (report-e2e.c); is_e2e 0 for others.
 * Times are per token at the model's full depth (extrapolated when
 * layers < layers_total); energy in J per token from the energy model. */
typedef struct tb_rep_e2e {
    int is_e2e, extrapolated, max_batch;
    char test[24], head[16];
    long n_prompt, n_gen, batch, ctx, layers, layers_total;
    double params;                        /* parameters of the whole model */
    double tps, tps_lo, tps_hi;           /* decode tokens/s, 95% CI */
    double ms50, ms90, ms99;              /* per-output-token latency, ms */
    double ttft_ms, pp_tps;               /* prefill */
    double model_bytes, kv_bytes;         /* weights of the whole model; KV cache at ctx x batch */
    double roof_tps;                      /* decode at the memory roofline */
    double tokens_per_iter;
    double e_cpu7, e_cpu45, e_paper7, e_paper45; /* J per token, full depth */
} tb_rep_e2e;

typedef struct tb_rep_case {
    int64_t id;
    char key[192], workload[32], backend[64], isa[32], cache[8], status[16];
    char status_reason[512], flags[256], flags_reason[1024], params[512];
    char format[32], shape[48], model[32], group[192];
    int threads, is_baseline;
    long n, rows, cols;
    double median, ci_lo, ci_hi;         /* ns per iteration */
    double gbps, gops, roof, speedup, sp_lo, sp_hi;
    int has_gbps, has_gops, has_roof;    /* a metrics row exists (value may be NULL) */
    char gbps_note[256], gops_note[256], roof_note[256];
    double best;                         /* probes: gbps_best or gops_best */
    double bytes, ops;                   /* analytic per iteration (counts) */
    double e7, e45;                      /* modelled joules per iteration */
    double emeas;                        /* measured joules per iteration (mean), NAN: none */
    double mib;                          /* probes: the array size in MiB */
    char kind[16];                       /* probes: read, copy, triad, fp32, int8 */
    tb_rep_e2e e2e;
} tb_rep_case;

typedef struct tb_rep_kv {
    char name[64], state[24], reason[512], fix[256];
} tb_rep_kv;

typedef struct tb_rep_run {
    int64_t id;
    char suite[32], started[40], ended[40], status[16], argv[512];
    char fingerprint[80], cpu[128], hypervisor[64], kernel[64], os[96];
    long cores, threads;
    double l1d, l2, l3, mem;             /* bytes */
    char commit[48], build_type[24], compiler[96], sha256[80];
    int dirty;
    tb_rep_kv facts[16];
    int nfacts;
    tb_rep_kv samplers[24];
    int nsamplers;
    char energy_why[1024];               /* why no measured energy ("" when some was) */
    tb_rep_case *cases;
    int ncases;
} tb_rep_run;

/* One line of a paper table: the paper's two figures and ratio next to
 * ours.  NAN = absent; why says why ours is absent. */
typedef struct tb_rep_paper_row {
    char table[16], label[48], quantity[40], unit[16];
    char base_name[32], tern_name[32];   /* "LLaMA fp16", "BitNet b1.58 tq2" */
    double paper_base, paper_tern, paper_ratio;
    double ours_base, ours_tern, our_ratio;
    char our_flags[96];                  /* extrapolated, does_not_fit, assumptions */
    char why[384];
} tb_rep_paper_row;

typedef struct tb_report {
    const char *db;
    tb_rep_run *runs;
    int nruns;
    /* the paper section (report --paper), from the first run */
    int paper;
    tb_rep_paper_row *prows;
    int nprows;
    char paper_why[256];                 /* e.g. reference figures absent */
    /* figures (report-figs.c) */
    char figs_why[512];                  /* "" when rendered; else why they were skipped */
    char figs[16][32];                   /* names rendered (name.png, name.svg) */
    int nfigs;
    const char *outdir;
} tb_report;

/* report-query.c.  run_sel: NULL or "last" (the latest run) or an id;
 * by_machine: the latest run of every machine instead.  0, or -1 with a
 * one-line reason in err (no such run, empty database, query failure). */
int tb_report_load(struct tb_store *s, const char *db, const char *run_sel, int by_machine, tb_report *r,
                   char *err, int errlen);
void tb_report_free(tb_report *r);
/* 1 and the reason in buf when the figure (median, ci, gbps, gops,
 * roofline_pct, speedup, energy_measured, energy_modelled) is absent for
 * this case; 0 when it is there. */
int tb_rep_missing(const tb_rep_run *run, const tb_rep_case *c, const char *figure, char *buf, int len);
/* 1 when the figure means something for the case's workload (a
 * bandwidth probe has no GOP/s): only those are reported as missing. */
int tb_rep_applies(const tb_rep_case *c, const char *figure);
/* All the absent figures of a case: "gbps: why; speedup: why" ("" when none). */
void tb_rep_missing_all(const tb_rep_run *run, const tb_rep_case *c, char *buf, int len);
/* Flags in words: "unstable (CV 12% > 5%), too_short (...)"; "" when none. */
void tb_rep_flags_words(const tb_rep_case *c, char *buf, int len);

/* report-paper.c: fill r->prows for the first run (e2e cases of that run
 * when present, else "not measured: why"); 0 or -1 (reason in err). */
int tb_report_paper_load(struct tb_store *s, tb_report *r, char *err, int errlen);

/* Writers: 0, or -1 when the stream failed. */
int tb_report_md(const tb_report *r, FILE *f);
int tb_report_csv(const tb_report *r, FILE *f);
int tb_report_json(const tb_report *r, FILE *f);
int tb_report_html(const tb_report *r, FILE *f);

/* report-figs.c: export the figures' CSV into outdir and render every
 * script of plots_dir with gnuplot (PNG and SVG).  Always writes the CSV;
 * when gnuplot is absent or fails, r->figs_why says so and 0 is returned
 * (a report without figures is still a report).  -1 only when outdir
 * cannot be written (reason in err). */
int tb_report_figures(tb_report *r, const char *outdir, const char *plots_dir, char *err, int errlen);
/* Run gnuplot on plots_dir/FIG.gp for one terminal ("png" or "svg") in
 * outdir (messages appended to outdir/gnuplot.log); 0, -ENOENT when
 * gnuplot is not installed, or the exit status (> 0). */
int tb_report_gnuplot(const char *outdir, const char *plots_dir, const char *fig, const char *term);

/* report-table.c: the case table md and html share. */
#define TB_REP_NCOL 12
#define TB_REP_CELL 1400
extern const char *const tb_rep_col_names[TB_REP_NCOL];
void tb_rep_cells(const tb_rep_run *run, const tb_rep_case *c, char cells[TB_REP_NCOL][TB_REP_CELL]);
/* Header lines of a run (machine, build, date, facts), one per call: 0..n-1; NULL past the end. */
const char *tb_rep_header_line(const tb_rep_run *run, int i, char *buf, int len);

/* report-e2e.c: the decoder's figures of every e2e case of a run (0 or
 * -1 on a query failure), its table columns for md and html, its CSV
 * table and JSON object. */
int tb_rep_e2e_load(struct tb_store *s, tb_rep_run *run);
extern const char *const tb_rep_e2e_col_names[TB_REP_NCOL];
int tb_rep_e2e_numcol(int k);
void tb_rep_e2e_cells(const tb_rep_run *run, const tb_rep_case *c, char cells[TB_REP_NCOL][TB_REP_CELL]);
void tb_rep_e2e_csv(const tb_report *r, FILE *f);      /* nothing when no run has e2e cases */
void tb_rep_e2e_json(const tb_rep_case *c, FILE *f);   /* ,"e2e":{...} or ,"e2e":null */
/* Parameters of a model by its built-in name (NAN when not built in). */
double tb_rep_model_params(const char *model);

/* report-text.c: escaping for each output format. */
void tb_rep_put_json_str(FILE *f, const char *s);   /* "..." with escapes */
void tb_rep_put_json_num(FILE *f, double v);        /* null when NAN */
void tb_rep_put_csv(FILE *f, const char *s);        /* quoted when needed */
void tb_rep_put_html(FILE *f, const char *s);       /* &<>" escaped */
void tb_rep_put_md(FILE *f, const char *s);         /* | and newlines escaped */
/* "%.3g"-style number or "-" when NAN, into buf. */
const char *tb_rep_num(double v, const char *fmt, char *buf, int len);

#endif
