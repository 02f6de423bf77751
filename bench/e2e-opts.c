/* e2e-opts.c - parsing the decoder's `run` options: --test (llama-bench's
 * pp<N>, tg<N>, pp<N>+tg<M>), --batch lists, byte sizes (--mem-budget) and
 * --format lists checked against the registered formats.  Each error is one
 * line naming the option and the bad item. */
#include "tb-bench.h"
#include "tb-cli.h"
#include "tb-kernel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "pp512" / "tg128": the count after the two-letter prefix, 1..1<<20. */
static int parse_part(const char *s, size_t len, const char *prefix, int64_t *out)
{
    if (len < 3 || strncmp(s, prefix, 2))
        return -1;
    char buf[24];
    if (len - 2 >= sizeof buf)
        return -1;
    memcpy(buf, s + 2, len - 2);
    buf[len - 2] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || buf[0] < '0' || buf[0] > '9' || v < 1 || v > (1 << 20))
        return -1;
    *out = v;
    return 0;
}

static int parse_test(const char *s, size_t len, tb_e2e_test *t)
{
    memset(t, 0, sizeof *t);
    if (len == 0 || len >= sizeof t->name)
        return -1;
    const char *plus = memchr(s, '+', len);
    if (plus) {
        if (parse_part(s, (size_t)(plus - s), "pp", &t->n_prompt) < 0 ||
            parse_part(plus + 1, len - (size_t)(plus - s) - 1, "tg", &t->n_gen) < 0)
            return -1;
    } else if (parse_part(s, len, "pp", &t->n_prompt) < 0 && parse_part(s, len, "tg", &t->n_gen) < 0) {
        return -1;
    }
    memcpy(t->name, s, len);
    t->name[len] = 0;
    return 0;
}

int tb_e2e_parse_tests(const char *opt, const char *v, tb_e2e_opts *o)
{
    o->ntests = 0;
    for (const char *p = v;;) {
        size_t l = strcspn(p, ",");
        if (o->ntests == TB_E2E_MAX_LIST) {
            tb_die(TB_EXIT_USAGE, "%s %s: more than %d tests", opt, tb_clip(v), TB_E2E_MAX_LIST);
            return -1;
        }
        if (parse_test(p, l, &o->tests[o->ntests]) < 0) {
            tb_die(TB_EXIT_USAGE, "%s %s: '%.*s' is not a test: expected ppN (prefill N tokens), tgN (generate N), "
                   "or ppN+tgM, N from 1 to 1048576", opt, tb_clip(v), (int)(l > 40 ? 40 : l), p);
            return -1;
        }
        o->ntests++;
        p += l;
        if (!*p++)
            return 0;
    }
}

int tb_e2e_parse_batch(const char *opt, const char *v, tb_e2e_opts *o)
{
    o->nbatch = 0;
    for (const char *p = v;;) {
        size_t l = strcspn(p, ",");
        char buf[24];
        char *end;
        if (o->nbatch == TB_E2E_MAX_LIST || l == 0 || l >= sizeof buf) {
            tb_die(TB_EXIT_USAGE, "%s %s: expected a comma list of at most %d batch sizes, 1 to 4096", opt,
                   tb_clip(v), TB_E2E_MAX_LIST);
            return -1;
        }
        memcpy(buf, p, l);
        buf[l] = 0;
        errno = 0;
        long long b = strtoll(buf, &end, 10);
        if (errno || *end || b < 1 || b > 4096) {
            tb_die(TB_EXIT_USAGE, "%s %s: '%s' is not a batch size from 1 to 4096", opt, tb_clip(v), buf);
            return -1;
        }
        o->batch[o->nbatch++] = b;
        p += l;
        if (!*p++)
            return 0;
    }
}

int tb_parse_bytes(const char *opt, const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    double mul = 1;
    static const struct { const char *s; double m; } units[] = {
        {"", 1}, {"B", 1}, {"K", 1e3}, {"KB", 1e3}, {"KiB", 1024.0}, {"M", 1e6}, {"MB", 1e6},
        {"MiB", 1048576.0}, {"G", 1e9}, {"GB", 1e9}, {"GiB", 1073741824.0}, {"T", 1e12}, {"TB", 1e12},
        {"TiB", 1099511627776.0},
    };
    int found = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (end != v && !strcasecmp(end, units[i].s)) {
            mul = units[i].m;
            found = 1;
            break;
        }
    if (errno || end == v || !found || !isfinite(x) || x * mul < 1 || x * mul > 1e15) {
        tb_die(TB_EXIT_USAGE, "%s %s: expected a size in bytes with an optional unit (K, M, G, T; KiB, MiB, GiB, "
               "TiB), e.g. 8GiB, at least 1 byte", opt, tb_clip(v));
        return -1;
    }
    *out = x * mul;
    return 0;
}

int tb_check_formats(const char *opt, const char *v)
{
    for (const char *p = v;;) {
        size_t l = strcspn(p, ",");
        int known = 0;
        for (int i = 0, n = tb_kernel_count(); i < n && !known; i++) {
            const tb_kernel *k = tb_kernel_at(i);
            const char *f = k->format;
            known = l > 0 && strlen(f) == l && !strncmp(f, p, l);
            /* a device variant's name: that format on the GPU (e2e: the decoder on the device) */
            known = known || (k->gpu && strlen(k->name) == l && !strncmp(k->name, p, l));
        }
        if (!known) {
            tb_die(TB_EXIT_USAGE, "%s %s: '%.*s' is not a weight format (try: tritbench list backends)", opt,
                   tb_clip(v), (int)(l > 40 ? 40 : l), p);
            return -1;
        }
        p += l;
        if (!*p++)
            return 0;
    }
}
