/* fuzz-opts.c - the option parser of `tritbench run` (cli-opts.c through
 * tb_run_parse: getopt_long tables, tb_parse_int, tb_parse_seconds, the
 * --db, --filter, --sampler and --events checks) on an argv made of the
 * input's NUL-separated words; tb_parse_int and tb_parse_seconds also see
 * each word alone.  Errors go to stderr (run with -close_fd_mask=2). */
#include "fuzz.h"
#include "tb-cli.h"
#include "tb-run.h"

#define MAXARGS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fz_cstr(data, size);
    char *argv[MAXARGS + 2];
    int argc = 0;
    argv[argc++] = "run";
    for (size_t i = 0; i <= size && argc < MAXARGS + 1;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    for (int i = 1; i < argc; i++) {
        long l;
        double d;
        tb_parse_int("--n", argv[i], -5, 1000, &l);
        tb_parse_seconds("--t", argv[i], 0, 60, &d);
        tb_clip(argv[i]);
    }
    tb_run_args a;
    tb_run_parse(argc, argv, &a);
    tb_run_args_free(&a);
    free(buf);
    return 0;
}
