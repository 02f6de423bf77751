/* tb-cli.h - the tritbench subcommands and their shared helpers.
 * Exit codes: 0 ok, 1 failure (wrong kernel, I/O, refused database,
 * regression), 2 usage error.  Errors are one line naming the input. */
#ifndef TB_CLI_H
#define TB_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#define TB_EXIT_OK 0
#define TB_EXIT_FAIL 1
#define TB_EXIT_USAGE 2

int tb_cmd_info(int argc, char **argv);
int tb_cmd_list(int argc, char **argv);
int tb_cmd_run(int argc, char **argv);
int tb_cmd_report(int argc, char **argv);
int tb_cmd_compare(int argc, char **argv);
int tb_cmd_merge(int argc, char **argv);
int tb_cmd_ppl(int argc, char **argv);
int tb_cmd_history(int argc, char **argv);
int tb_cmd_paper(int argc, char **argv);

/* One option of a command.  A command's table of these is the single
 * source of its getopt_long parsing and of its --help text (cli-opts.c). */
typedef struct tb_opt {
    int id;               /* what tb_opt_next returns for it; > 0, unique per table */
    const char *name;     /* long name without "--" */
    char short_name;      /* 0 = none */
    const char *alias;    /* a second long name (optional) */
    const char *arg;      /* argument name shown by --help; NULL = a flag */
    const char *help;     /* description (wrapped by --help) */
    const char *def;      /* default shown by --help (optional) */
} tb_opt;

typedef struct tb_cmd_spec {
    const char *name;     /* "run" */
    const char *args;     /* positional synopsis, "SUITE" (optional) */
    const char *about;    /* paragraph(s) before the options */
    const tb_opt *opts;   /* ends with a {0} row; -h/--help is added by the parser */
    const char *footer;   /* after the options (optional) */
} tb_cmd_spec;

#define TB_OPT_MAX 32
enum {
    TB_OPT_END = 0,    /* no more arguments */
    TB_OPT_ARG = -1,   /* a positional argument, in p->arg */
    TB_OPT_HELP = -2,  /* -h/--help: the help is printed on stdout */
    TB_OPT_ERROR = -3, /* a one-line usage error is printed on stderr */
};

typedef struct tb_optparse {
    const tb_cmd_spec *spec;
    int argc;
    char **argv;              /* permuted by getopt_long */
    struct option lo[2 * TB_OPT_MAX + 2];
    const tb_opt *row[2 * TB_OPT_MAX + 2]; /* lo[i] belongs to row[i] */
    char shorts[3 * TB_OPT_MAX + 4];
    int rest;                 /* next positional after "--" */
    const char *arg;          /* the option's value, or the positional */
    char opt[64];             /* the option's canonical name, "--db", for messages */
} tb_optparse;

/* Prepare to parse argv[1..argc) (argv[0] is the command name). */
void tb_opt_init(tb_optparse *p, const tb_cmd_spec *spec, int argc, char **argv);
/* Next option's id (> 0, value in p->arg), or one of TB_OPT_*. */
int tb_opt_next(tb_optparse *p);
/* The --help text generated from the spec. */
void tb_opt_help(const tb_cmd_spec *spec, FILE *f);

/* Print "tritbench: " + message to stderr; returns code. */
int tb_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse helpers: 0 ok, -1 with a one-line error already printed. */
int tb_parse_int(const char *opt, const char *s, long lo, long hi, long *out);
int tb_parse_seconds(const char *opt, const char *s, double lo, double hi, double *out); /* "0.5", "20ms", "2s" */
/* S as a message echoes it: whole when short, else its first bytes and
 * "...(N bytes)", so a huge bad input gives a short line.  One of a few
 * rotating static buffers: use it in a message, do not keep it. */
const char *tb_clip(const char *s);
/* TRITBENCH_ISA (info, list and run read it alike): *cap its mask (all
 * bits when unset or empty), *name its value or NULL.  0, or -1 with a
 * one-line usage error naming the variable. */
int tb_env_isa(uint32_t *cap, const char **name);
/* End of a command that printed on stdout: flush it.  RC when that
 * worked; otherwise a one-line error ("CMD: cannot write the output:
 * ...") and TB_EXIT_FAIL (when RC was 0). */
int tb_stdout_done(const char *cmd, int rc);
/* Exit code for a TB_OPT_HELP / TB_OPT_ERROR result (the help's stdout checked). */
static inline int tb_opt_exit(int r) { return r == TB_OPT_HELP ? tb_stdout_done("--help", TB_EXIT_OK) : TB_EXIT_USAGE; }
/* 1 when argv[i] is -h or --help. */
int tb_is_help(const char *a);
/* --db PATH: 0 when PATH names a file that outlives the process; -1 with a
 * one-line error for "", ":memory:" and file: URIs. */
int tb_check_db_path(const char *opt, const char *path);
/* Human time with unit: "1.23 ms". */
const char *tb_fmt_ns(double ns, char *buf, int len);

/* Build provenance (bench/build.c). */
struct tb_build_info;
/* hash_buf receives the executable's SHA-256 (65 bytes at least); 0, or
 * -1 when /proc/self/exe cannot be read (the build cannot be identified). */
int tb_build_fill(struct tb_build_info *b, char *hash_buf, int hash_len, char *variants_buf, int variants_len);

/* Run summary table read back from the store (summary.c). */
struct tb_store;
int tb_summary_print(struct tb_store *s, int64_t run_id, int color);
/* After an `isa` suite run: per format, what each ISA level buys (summary-isa.c);
 * prints nothing for other suites. */
int tb_summary_isa_ladder(struct tb_store *s, int64_t run_id);

#endif
