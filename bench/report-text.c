/* report-text.c - escaping for the report's output formats (JSON, CSV,
 * HTML, Markdown) and the one table layout md and html share: the columns
 * of a case row, formatted for reading (units in the header; "-" where a
 * figure is absent, its reason in the last column). */
#include "tb-report.h"
#include "tb-cli.h"
#include "tb-json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_rep_put_json_str(FILE *f, const char *s)
{
    int need = 6 * (int)strlen(s ? s : "") + 1;
    char small[512], *buf = need <= (int)sizeof small ? small : malloc((size_t)need);
    if (!s || !buf || tb_json_escape(s, buf, need) < 0) {
        fputs(s ? "\"\"" : "null", f);
    } else {
        fputc('"', f);
        fputs(buf, f);
        fputc('"', f);
    }
    if (buf != small)
        free(buf);
}

void tb_rep_put_json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}

void tb_rep_put_csv(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

void tb_rep_put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void tb_rep_put_md(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

const char *tb_rep_num(double v, const char *fmt, char *buf, int len)
{
    if (isnan(v))
        snprintf(buf, (size_t)len, "-");
    else
        snprintf(buf, (size_t)len, fmt, v);
    return buf;
}
