/* json.c - minimal JSON writer (see tb-json.h). */
#include "tb-json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tb_json_init(tb_json *j, char *buf, int len)
{
    j->buf = buf;
    j->len = len;
    j->off = 0;
    j->need_comma = 0;
    if (len)
        buf[0] = 0;
}

static void put(tb_json *j, const char *fmt, ...)
{
    if (j->off >= j->len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->off, (size_t)(j->len - j->off), fmt, ap);
    va_end(ap);
    if (n > 0)
        j->off = j->off + n < j->len - 1 ? j->off + n : j->len - 1;
}

void tb_json_escape(const char *s, char *out, int len)
{
    int o = 0;
    for (; s && *s && o < len - 7; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (c < 0x20) {
            o += snprintf(out + o, (size_t)(len - o), "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = 0;
}

static void key(tb_json *j, const char *k)
{
    if (j->need_comma)
        put(j, ",");
    if (k) {
        char e[256];
        tb_json_escape(k, e, sizeof e);
        put(j, "\"%s\":", e);
    }
    j->need_comma = 1;
}

void tb_json_obj_begin(tb_json *j)
{
    if (j->need_comma)
        put(j, ",");
    put(j, "{");
    j->need_comma = 0;
}
void tb_json_obj_end(tb_json *j)
{
    put(j, "}");
    j->need_comma = 1;
}
void tb_json_key_obj(tb_json *j, const char *k)
{
    key(j, k);
    put(j, "{");
    j->need_comma = 0;
}
void tb_json_arr_begin(tb_json *j, const char *k)
{
    key(j, k);
    put(j, "[");
    j->need_comma = 0;
}
void tb_json_arr_end(tb_json *j)
{
    put(j, "]");
    j->need_comma = 1;
}
void tb_json_kv_str(tb_json *j, const char *k, const char *v)
{
    char e[1024];
    key(j, k);
    if (!v) {
        put(j, "null");
        return;
    }
    tb_json_escape(v, e, sizeof e);
    put(j, "\"%s\"", e);
}
void tb_json_kv_int(tb_json *j, const char *k, int64_t v)
{
    key(j, k);
    put(j, "%lld", (long long)v);
}
void tb_json_kv_opt(tb_json *j, const char *k, int64_t v)
{
    key(j, k);
    if (v < 0)
        put(j, "null");
    else
        put(j, "%lld", (long long)v);
}
void tb_json_kv_num(tb_json *j, const char *k, double v)
{
    key(j, k);
    if (isnan(v) || isinf(v))
        put(j, "null");
    else
        put(j, "%.17g", v);
}
void tb_json_kv_bool(tb_json *j, const char *k, int v)
{
    key(j, k);
    put(j, v ? "true" : "false");
}
int tb_json_len(const tb_json *j) { return j->off; }
