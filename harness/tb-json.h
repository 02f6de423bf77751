/* tb-json.h - a tiny JSON writer into a fixed buffer (truncates safely).
 * Unknown integers (< 0 where a count is expected) are the caller's to map;
 * tb_json_kv_num writes null for NAN. */
#ifndef TB_JSON_H
#define TB_JSON_H

#include <stdint.h>

typedef struct tb_json {
    char *buf;
    int len, off;
    int need_comma;
} tb_json;

void tb_json_init(tb_json *j, char *buf, int len);
void tb_json_obj_begin(tb_json *j);
void tb_json_obj_end(tb_json *j);
void tb_json_arr_begin(tb_json *j, const char *key); /* key NULL inside arrays */
void tb_json_arr_end(tb_json *j);
void tb_json_key_obj(tb_json *j, const char *key);   /* "key": { */
void tb_json_kv_str(tb_json *j, const char *key, const char *v);
void tb_json_kv_int(tb_json *j, const char *key, int64_t v);
/* Integer, or null when v < 0 (unknown). */
void tb_json_kv_opt(tb_json *j, const char *key, int64_t v);
void tb_json_kv_num(tb_json *j, const char *key, double v);
void tb_json_kv_bool(tb_json *j, const char *key, int v);
int tb_json_len(const tb_json *j);
/* Escape s as a JSON string body into out. */
void tb_json_escape(const char *s, char *out, int len);

#endif
