/* cli-common.c - option parsing and formatting helpers of the CLI: value
 * parsers, bounded echoes of bad input, TRITBENCH_ISA, the stdout check. */
#include "tb-cli.h"
#include "tb-isa.h"
#include "tb-platform.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tb_die(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("tritbench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

#define CLIP_HEAD 60

const char *tb_clip(const char *s)
{
    static char ring[4][CLIP_HEAD + 32];
    static int next;
    if (!s)
        return "";
    size_t n = strlen(s);
    if (n <= CLIP_HEAD + 16)
        return s;
    char *b = ring[next++ % 4];
    snprintf(b, sizeof ring[0], "%.*s...(%zu bytes)", CLIP_HEAD, s, n);
    return b;
}

int tb_env_isa(uint32_t *cap, const char **name)
{
    *cap = 0xffffffffu;
    *name = NULL;
    const char *v = tb_env("TRITBENCH_ISA");
    if (!v || !*v)
        return 0; /* unset or empty: not capped */
    if (tb_isa_parse(v, cap) < 0) {
        tb_die(TB_EXIT_USAGE, "TRITBENCH_ISA=%s: expected scalar, avx2, avxvnni, avx512, avx512vnni, avx512bf16, neon, neondot, neoni8mm or native "
               "(or unset it)", tb_clip(v));
        return -1;
    }
    *name = v;
    return 0;
}

int tb_stdout_done(const char *cmd, int rc)
{
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (!bad)
        return rc;
    tb_die(TB_EXIT_FAIL, "%s: cannot write the output to stdout: %s", cmd, e ? strerror(e) : "write error");
    clearerr(stdout);
    return rc ? rc : TB_EXIT_FAIL;
}

int tb_is_help(const char *a) { return !strcmp(a, "-h") || !strcmp(a, "--help"); }

int tb_check_db_path(const char *opt, const char *path)
{
    const char *why = NULL;
    if (!*path)
        why = "an empty name opens a temporary database that SQLite deletes when it closes; give a file path";
    else if (!strcmp(path, ":memory:"))
        why = "an in-memory database vanishes when tritbench exits; give a file path";
    else if (!strncasecmp(path, "file:", 5))
        why = "SQLite URIs are refused (they can name in-memory or temporary databases); give a plain path, "
              "e.g. ./";
    if (!why)
        return 0;
    tb_die(TB_EXIT_USAGE, "%s '%s': %s%s", opt, tb_clip(path), why, *path && path[0] != ':' ? tb_clip(path) : "");
    return -1;
}

int tb_parse_int(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s) {
        tb_die(TB_EXIT_USAGE, "%s: missing value", opt);
        return -1;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno) {
        tb_die(TB_EXIT_USAGE, "%s %s: expected an integer", opt, tb_clip(s));
        return -1;
    }
    if (v < lo || v > hi) {
        tb_die(TB_EXIT_USAGE, "%s %s: must be between %ld and %ld", opt, tb_clip(s), lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int tb_parse_seconds(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s) {
        tb_die(TB_EXIT_USAGE, "%s: missing value", opt);
        return -1;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v)) {
        tb_die(TB_EXIT_USAGE, "%s %s: expected seconds, e.g. 0.02, 20ms or 2s", opt, tb_clip(s));
        return -1;
    }
    if (!strcmp(end, "ms"))
        v /= 1e3;
    else if (!strcmp(end, "us"))
        v /= 1e6;
    else if (*end && strcmp(end, "s")) {
        tb_die(TB_EXIT_USAGE, "%s %s: unknown unit '%s' (use s, ms or us)", opt, tb_clip(s), tb_clip(end));
        return -1;
    }
    if (v < lo || v > hi) {
        tb_die(TB_EXIT_USAGE, "%s %s: must be between %g s and %g s", opt, tb_clip(s), lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

const char *tb_fmt_ns(double ns, char *buf, int len)
{
    if (isnan(ns))
        snprintf(buf, (size_t)len, "-");
    else if (ns < 1e3)
        snprintf(buf, (size_t)len, "%.1f ns", ns);
    else if (ns < 1e6)
        snprintf(buf, (size_t)len, "%.2f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, (size_t)len, "%.3f ms", ns / 1e6);
    else
        snprintf(buf, (size_t)len, "%.3f s", ns / 1e9);
    return buf;
}
