/* tb-json.h - a tiny JSON writer into a caller's fixed buffer.
 *
 * Contract: the buffer always holds a NUL-terminated string.  When the
 * document does not fit, nothing is truncated into invalid JSON: the writer
 * sets its overflow flag, empties the buffer and ignores further calls, and
 * tb_json_ok() / tb_json_len() report it.  Callers must check one of them
 * before using the text.  Strings are escaped (quotes, backslash, control
 * characters); valid UTF-8 passes through, invalid bytes become U+FFFD.
 * NAN and infinities are written as null; unknown integers (< 0 where a
 * count is expected) go through tb_json_kv_opt.  Not thread-safe per writer. */
#ifndef TB_JSON_H
#define TB_JSON_H

#include <stdint.h>

#define TB_JSON_MAX_DEPTH 64

typedef struct tb_json {
    char *buf;
    int len, off;       /* capacity in bytes (including the NUL), bytes written */
    int need_comma;
    int depth;          /* open objects/arrays */
    uint64_t is_arr;    /* bit d set: nesting level d is an array */
    int overflow;       /* 1 once something did not fit (buf is then "") */
    int misuse;         /* 1 on an unbalanced end or nesting over TB_JSON_MAX_DEPTH */
} tb_json;

void tb_json_init(tb_json *j, char *buf, int len);
void tb_json_obj_begin(tb_json *j);                  /* { (inside arrays or at top level) */
void tb_json_obj_end(tb_json *j);
void tb_json_arr_begin(tb_json *j, const char *key); /* key NULL inside arrays */
void tb_json_arr_end(tb_json *j);
void tb_json_key_obj(tb_json *j, const char *key);   /* "key": { */
/* Members: key NULL writes a bare value (inside arrays). */
void tb_json_kv_str(tb_json *j, const char *key, const char *v); /* NULL v = null */
void tb_json_kv_int(tb_json *j, const char *key, int64_t v);
/* Integer, or null when v < 0 (unknown). */
void tb_json_kv_opt(tb_json *j, const char *key, int64_t v);
void tb_json_kv_num(tb_json *j, const char *key, double v);     /* NAN/inf = null */
void tb_json_kv_bool(tb_json *j, const char *key, int v);
/* A value that is already JSON text (e.g. another writer's document), copied as is. */
void tb_json_kv_raw(tb_json *j, const char *key, const char *json);
/* 1 when everything fit and every object/array opened was closed. */
int tb_json_ok(const tb_json *j);
/* Bytes written, or -1 when !tb_json_ok(j). */
int tb_json_len(const tb_json *j);
/* Escape s as a JSON string body (no quotes) into out; returns its length,
 * or -1 when it does not fit (out is then ""). */
int tb_json_escape(const char *s, char *out, int len);

#endif
