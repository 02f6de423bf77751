/* tb-cli.h - the tritbench subcommands and their shared helpers.
 * Exit codes: 0 ok, 1 failure (wrong kernel, I/O, refused database,
 * regression), 2 usage error.  Errors are one line naming the input. */
#ifndef TB_CLI_H
#define TB_CLI_H

#include <stdint.h>

#define TB_EXIT_OK 0
#define TB_EXIT_FAIL 1
#define TB_EXIT_USAGE 2

int tb_cmd_info(int argc, char **argv);
int tb_cmd_list(int argc, char **argv);
int tb_cmd_run(int argc, char **argv);
int tb_cmd_report(int argc, char **argv);
int tb_cmd_compare(int argc, char **argv);
int tb_cmd_merge(int argc, char **argv);

/* Print "tritbench: " + message to stderr; returns code. */
int tb_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse helpers: 0 ok, -1 with a one-line error already printed. */
int tb_parse_int(const char *opt, const char *s, long lo, long hi, long *out);
int tb_parse_seconds(const char *opt, const char *s, double lo, double hi, double *out); /* "0.5", "20ms", "2s" */
/* 1 when argv[i] is -h or --help. */
int tb_is_help(const char *a);
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

#endif
