/* cli-common.c - option parsing and formatting helpers of the CLI. */
#include "tb-cli.h"

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
    tb_die(TB_EXIT_USAGE, "%s '%s': %s%s", opt, path, why, *path && path[0] != ':' ? path : "");
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
        tb_die(TB_EXIT_USAGE, "%s %s: expected an integer", opt, s);
        return -1;
    }
    if (v < lo || v > hi) {
        tb_die(TB_EXIT_USAGE, "%s %s: must be between %ld and %ld", opt, s, lo, hi);
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
        tb_die(TB_EXIT_USAGE, "%s %s: expected seconds, e.g. 0.02, 20ms or 2s", opt, s);
        return -1;
    }
    if (!strcmp(end, "ms"))
        v /= 1e3;
    else if (!strcmp(end, "us"))
        v /= 1e6;
    else if (*end && strcmp(end, "s")) {
        tb_die(TB_EXIT_USAGE, "%s %s: unknown unit '%s' (use s, ms or us)", opt, s, end);
        return -1;
    }
    if (v < lo || v > hi) {
        tb_die(TB_EXIT_USAGE, "%s %s: must be between %g s and %g s", opt, s, lo, hi);
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
