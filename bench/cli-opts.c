/* cli-opts.c - option parsing for every subcommand: one tb_opt table per
 * command drives both getopt_long and the generated --help text, so the
 * two cannot disagree.  Usage errors are one line naming the input.
 * Not reentrant (getopt_long keeps global state); one command per process. */
#include "tb-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_WIDTH 100 /* --help wraps descriptions at this column */
#define LEFT_MAX 30    /* option column; longer ones put the text on the next line */
#define LONG_BASE 256  /* getopt_long val: LONG_BASE + index of the row's first lo[] entry */

static const tb_opt help_row = {
    .id = TB_OPT_HELP, .name = "help", .short_name = 'h', .help = "show this help and exit"};

/* The rows of a spec followed by the implicit help row; NULL past the end. */
static const tb_opt *row_at(const tb_cmd_spec *spec, int i)
{
    int n = 0;
    while (spec->opts && spec->opts[n].name)
        n++;
    return i < n ? &spec->opts[i] : i == n ? &help_row : NULL;
}

void tb_opt_init(tb_optparse *p, const tb_cmd_spec *spec, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    int n = 0, s = 0;
    p->shorts[s++] = '-'; /* positionals come back in order, as 1 */
    p->shorts[s++] = ':'; /* a missing value comes back as ':', nothing printed */
    const tb_opt *r;
    for (int i = 0; (r = row_at(spec, i)); i++) {
        if (i >= TB_OPT_MAX) {
            fprintf(stderr, "tritbench: %s: more than %d options; raise TB_OPT_MAX\n", spec->name, TB_OPT_MAX);
            abort(); /* programmer error */
        }
        /* the alias shares the name's val, so getopt_long treats abbreviations
         * matching both as one option, not as ambiguous */
        const char *names[2] = {r->name, r->alias};
        int val = LONG_BASE + n;
        for (int k = 0; k < 2; k++) {
            if (!names[k])
                continue;
            p->lo[n] = (struct option){names[k], r->arg ? required_argument : no_argument, NULL, val};
            p->row[n++] = r;
        }
        if (r->short_name) {
            p->shorts[s++] = r->short_name;
            if (r->arg)
                p->shorts[s++] = ':';
        }
    }
    p->lo[n] = (struct option){0};
    p->shorts[s] = 0;
    optind = 0; /* glibc: 0 re-initialises the scanner completely */
    opterr = 0;
}

static const tb_opt *find_short(const tb_optparse *p, int c)
{
    const tb_opt *r;
    for (int i = 0; (r = row_at(p->spec, i)); i++)
        if (r->short_name && r->short_name == c)
            return r;
    return NULL;
}

static const tb_opt *find_val(const tb_optparse *p, int val)
{
    if (val >= LONG_BASE && val < LONG_BASE + (int)(sizeof p->row / sizeof p->row[0]))
        return p->row[val - LONG_BASE];
    return val > 0 && val < LONG_BASE ? find_short(p, val) : NULL;
}

/* How many long names start with the typed --token (up to '='). */
static int prefix_matches(const tb_optparse *p, const char *tok)
{
    size_t len = strcspn(tok, "=");
    const tb_opt *last = NULL;
    int n = 0;
    for (int i = 0; p->lo[i].name; i++)
        if (!strncmp(p->lo[i].name, tok, len) && p->row[i] != last) {
            last = p->row[i];
            n++;
        }
    return n;
}

static int usage_error(const tb_optparse *p, int c)
{
    const char *cmd = p->spec->name;
    const char *tok = optind >= 1 && optind <= p->argc ? p->argv[optind - 1] : "";
    const tb_opt *r = find_val(p, optopt);
    if (c == ':' && r) {
        tb_die(TB_EXIT_USAGE, "--%s: missing %s (try: tritbench %s --help)", r->name, r->arg, cmd);
    } else if (r && !r->arg) {
        tb_die(TB_EXIT_USAGE, "%s: --%s takes no value (try: tritbench %s --help)", tb_clip(tok), r->name, cmd);
    } else if (optopt > 0 && optopt < LONG_BASE) {
        tb_die(TB_EXIT_USAGE, "%s: unknown option '-%c' (try: tritbench %s --help)", cmd, optopt, cmd);
    } else if (!strncmp(tok, "--", 2) && prefix_matches(p, tok + 2) > 1) {
        int l = (int)strcspn(tok, "=");
        tb_die(TB_EXIT_USAGE, "%s: option '%.*s' is ambiguous (try: tritbench %s --help)", cmd, l > 60 ? 60 : l, tok,
               cmd);
    } else {
        tb_die(TB_EXIT_USAGE, "%s: unknown option '%s' (try: tritbench %s --help)", cmd, tb_clip(tok), cmd);
    }
    return TB_OPT_ERROR;
}

int tb_opt_next(tb_optparse *p)
{
    if (p->rest) { /* after "--": everything left is positional */
        if (p->rest >= p->argc)
            return TB_OPT_END;
        p->arg = p->argv[p->rest++];
        return TB_OPT_ARG;
    }
    int c = getopt_long(p->argc, p->argv, p->shorts, p->lo, NULL);
    p->arg = optarg;
    if (c == -1) {
        p->rest = optind > 0 ? optind : p->argc;
        return tb_opt_next(p);
    }
    if (c == 1)
        return TB_OPT_ARG;
    const tb_opt *r = c == '?' || c == ':' ? NULL : find_val(p, c);
    if (!r)
        return usage_error(p, c);
    snprintf(p->opt, sizeof p->opt, "--%s", r->name);
    if (r == &help_row) {
        tb_opt_help(p->spec, stdout);
        return TB_OPT_HELP;
    }
    return r->id;
}

/* Write text from column col, wrapping at HELP_WIDTH to column indent. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
    for (const char *w = text; *w;) {
        while (*w == ' ')
            w++;
        if (!*w)
            break;
        int len = (int)strcspn(w, " ");
        if (col > indent && col + 1 + len > HELP_WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", len, w);
        col += len;
        w += len;
    }
    fputc('\n', f);
}

static int left_column(const tb_opt *r, char *buf, int len)
{
    return snprintf(buf, (size_t)len, "  %c%c%s--%s%s%s%s%s", r->short_name ? '-' : ' ',
                    r->short_name ? r->short_name : ' ', r->short_name ? ", " : "  ", r->name,
                    r->alias ? ", --" : "", r->alias ? r->alias : "", r->arg ? " " : "", r->arg ? r->arg : "");
}

void tb_opt_help(const tb_cmd_spec *spec, FILE *f)
{
    fprintf(f, "usage: tritbench %s%s%s [options]\n", spec->name, spec->args ? " " : "",
            spec->args ? spec->args : "");
    if (spec->about)
        fprintf(f, "\n%s", spec->about);
    fputs("\noptions:\n", f);
    char left[160], text[1024];
    int width = 0;
    const tb_opt *r;
    for (int i = 0; (r = row_at(spec, i)); i++) {
        int n = left_column(r, left, sizeof left);
        if (n <= LEFT_MAX && n > width)
            width = n;
    }
    for (int i = 0; (r = row_at(spec, i)); i++) {
        int n = left_column(r, left, sizeof left);
        snprintf(text, sizeof text, "%s%s%s%s", r->help, r->def ? " (default: " : "", r->def ? r->def : "",
                 r->def ? ")" : "");
        if (n > width) {
            fprintf(f, "%s\n%*s", left, width + 2, "");
        } else {
            fprintf(f, "%-*s", width + 2, left);
        }
        wrap(f, text, width + 2, width + 2);
    }
    if (spec->footer)
        fprintf(f, "\n%s", spec->footer);
}
