/* json.c - minimal JSON writer into a fixed buffer (see tb-json.h): all
 * output goes through put(), which either appends whole or marks the
 * writer overflowed and empties the buffer, so a cut document is never
 * mistaken for a complete one. */
#include "tb-json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_json_init(tb_json *j, char *buf, int len)
{
    memset(j, 0, sizeof *j);
    j->buf = buf;
    j->len = len;
    if (len > 0)
        buf[0] = 0;
    else
        j->overflow = 1;
}

/* Append n bytes, all or nothing. */
static void put(tb_json *j, const char *s, size_t n)
{
    if (j->overflow)
        return;
    if (n >= (size_t)(j->len - j->off)) {
        j->overflow = 1;
        j->off = 0;
        j->buf[0] = 0;
        return;
    }
    memcpy(j->buf + j->off, s, n);
    j->off += (int)n;
    j->buf[j->off] = 0;
}

static void puts_(tb_json *j, const char *s) { put(j, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid
 * (overlong forms, surrogates U+D800..DFFF and code points over U+10FFFF
 * included; RFC 3629 section 4).  p is NUL-terminated, so reading ahead
 * stops at the first byte that is not a continuation. */
static int utf8_len(const unsigned char *p)
{
#define CONT(x) ((x) >= 0x80 && (x) <= 0xBF)
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return CONT(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && CONT(p[2]) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
    }
    return 0;
#undef CONT
}

/* The body of a JSON string (RFC 8259 section 7), without quotes. */
static void put_escaped(tb_json *j, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !j->overflow) {
        const unsigned char *run = p;
        int n;
        /* copy the longest run that needs no escaping in one piece */
        while (*p >= 0x20 && *p != '"' && *p != '\\' && (n = utf8_len(p)) > 0)
            p += n;
        if (p > run)
            put(j, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        char e[8];
        switch (*p) {
        case '"': puts_(j, "\\\""); break;
        case '\\': puts_(j, "\\\\"); break;
        case '\b': puts_(j, "\\b"); break;
        case '\f': puts_(j, "\\f"); break;
        case '\n': puts_(j, "\\n"); break;
        case '\r': puts_(j, "\\r"); break;
        case '\t': puts_(j, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(e, sizeof e, "\\u%04x", *p);
                puts_(j, e);
            } else {
                puts_(j, "\\ufffd"); /* a byte that is not valid UTF-8 */
            }
        }
        p++;
    }
}

int tb_json_escape(const char *s, char *out, int len)
{
    tb_json j;
    tb_json_init(&j, out, len);
    if (s)
        put_escaped(&j, s);
    return tb_json_len(&j);
}

static void key(tb_json *j, const char *k)
{
    if (j->need_comma)
        puts_(j, ",");
    if (k) {
        puts_(j, "\"");
        put_escaped(j, k);
        puts_(j, "\":");
    }
    j->need_comma = 1;
}

static void open_(tb_json *j, const char *k, int arr)
{
    key(j, k);
    puts_(j, arr ? "[" : "{");
    if (j->depth >= TB_JSON_MAX_DEPTH) {
        j->misuse = 1;
    } else if (arr) {
        j->is_arr |= 1ull << j->depth;
    } else {
        j->is_arr &= ~(1ull << j->depth);
    }
    j->depth++;
    j->need_comma = 0;
}

static void close_(tb_json *j, int arr)
{
    if (j->depth <= 0) {
        j->misuse = 1;
        return;
    }
    j->depth--;
    if (j->depth < TB_JSON_MAX_DEPTH && !!(j->is_arr & (1ull << j->depth)) != arr)
        j->misuse = 1;
    puts_(j, arr ? "]" : "}");
    j->need_comma = 1;
}

void tb_json_obj_begin(tb_json *j) { open_(j, NULL, 0); }
void tb_json_obj_end(tb_json *j) { close_(j, 0); }
void tb_json_key_obj(tb_json *j, const char *k) { open_(j, k, 0); }
void tb_json_arr_begin(tb_json *j, const char *k) { open_(j, k, 1); }
void tb_json_arr_end(tb_json *j) { close_(j, 1); }

void tb_json_kv_str(tb_json *j, const char *k, const char *v)
{
    key(j, k);
    if (!v) {
        puts_(j, "null");
        return;
    }
    puts_(j, "\"");
    put_escaped(j, v);
    puts_(j, "\"");
}

void tb_json_kv_int(tb_json *j, const char *k, int64_t v)
{
    char b[32];
    key(j, k);
    snprintf(b, sizeof b, "%lld", (long long)v);
    puts_(j, b);
}

void tb_json_kv_opt(tb_json *j, const char *k, int64_t v)
{
    if (v < 0) {
        key(j, k);
        puts_(j, "null");
    } else {
        tb_json_kv_int(j, k, v);
    }
}

void tb_json_kv_num(tb_json *j, const char *k, double v)
{
    char b[40];
    key(j, k);
    if (!isfinite(v)) {
        puts_(j, "null"); /* JSON has no NaN or Infinity */
        return;
    }
    /* the shortest of 15..17 significant digits that reads back exactly */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v)
            break;
    }
    puts_(j, b);
}

void tb_json_kv_bool(tb_json *j, const char *k, int v)
{
    key(j, k);
    puts_(j, v ? "true" : "false");
}

void tb_json_kv_raw(tb_json *j, const char *k, const char *json)
{
    key(j, k);
    puts_(j, json && *json ? json : "null");
}

int tb_json_ok(const tb_json *j) { return !j->overflow && !j->misuse && j->depth == 0; }

int tb_json_len(const tb_json *j) { return tb_json_ok(j) ? j->off : -1; }
