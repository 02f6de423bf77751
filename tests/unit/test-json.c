/* test-json.c - the JSON writer (harness/json.c): string escaping, UTF-8,
 * numbers, nesting, and that a document that does not fit is reported,
 * never cut into invalid JSON. */
#include "tb-json.h"
#include "tb-test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define CHECK_STR(got, want)                                                                          \
    do {                                                                                              \
        const char *g_ = (got), *w_ = (want);                                                         \
        if (strcmp(g_, w_)) {                                                                         \
            fprintf(stderr, "%s:%d: got  %s\n%*s want %s\n", __FILE__, __LINE__, g_,                  \
                    (int)strlen(__FILE__) + 6, "", w_);                                               \
            tb_test_failures++;                                                                       \
        }                                                                                             \
    } while (0)

/* {"s": <v>} as written by the writer, or "(overflow)". */
static const char *one_str(const char *v, char *buf, int len)
{
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "s", v);
    tb_json_obj_end(&j);
    return tb_json_ok(&j) ? buf : "(overflow)";
}

static const char *one_num(double v, char *buf, int len)
{
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_arr_begin(&j, NULL);
    tb_json_kv_num(&j, NULL, v);
    tb_json_arr_end(&j);
    return tb_json_ok(&j) ? buf : "(overflow)";
}

static void test_escaping(void)
{
    char b[256];
    CHECK_STR(one_str("plain", b, sizeof b), "{\"s\":\"plain\"}");
    CHECK_STR(one_str("say \"hi\"", b, sizeof b), "{\"s\":\"say \\\"hi\\\"\"}");
    CHECK_STR(one_str("C:\\dir\\", b, sizeof b), "{\"s\":\"C:\\\\dir\\\\\"}");
    CHECK_STR(one_str("a\nb\tc\rd\be\ff", b, sizeof b), "{\"s\":\"a\\nb\\tc\\rd\\be\\ff\"}");
    CHECK_STR(one_str("\x01\x1f", b, sizeof b), "{\"s\":\"\\u0001\\u001f\"}");
    CHECK_STR(one_str("del\x7f", b, sizeof b), "{\"s\":\"del\x7f\"}"); /* DEL needs no escape */
    CHECK_STR(one_str("", b, sizeof b), "{\"s\":\"\"}");
    CHECK_STR(one_str(NULL, b, sizeof b), "{\"s\":null}");
    /* valid UTF-8 passes through: 2, 3 and 4 byte sequences */
    CHECK_STR(one_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", b, sizeof b),
              "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"}");
    /* invalid bytes become U+FFFD, one per byte: stray continuation, 0xff,
     * overlong '/', a UTF-16 surrogate, a sequence cut by the end */
    CHECK_STR(one_str("\x80", b, sizeof b), "{\"s\":\"\\ufffd\"}");
    CHECK_STR(one_str("a\xff" "b", b, sizeof b), "{\"s\":\"a\\ufffdb\"}");
    CHECK_STR(one_str("\xc0\xaf", b, sizeof b), "{\"s\":\"\\ufffd\\ufffd\"}");
    CHECK_STR(one_str("\xed\xa0\x80", b, sizeof b), "{\"s\":\"\\ufffd\\ufffd\\ufffd\"}");
    CHECK_STR(one_str("\xe2\x82", b, sizeof b), "{\"s\":\"\\ufffd\\ufffd\"}");
    CHECK_STR(one_str("\xf4\x90\x80\x80", b, sizeof b), "{\"s\":\"\\ufffd\\ufffd\\ufffd\\ufffd\"}");
    /* keys are escaped too */
    tb_json j;
    tb_json_init(&j, b, sizeof b);
    tb_json_obj_begin(&j);
    tb_json_kv_int(&j, "k\"\n", 1);
    tb_json_obj_end(&j);
    CHECK(tb_json_ok(&j));
    CHECK_STR(b, "{\"k\\\"\\n\":1}");
    /* tb_json_escape: the body alone, its length, -1 when it does not fit */
    char e[8];
    CHECK(tb_json_escape("a\"b", e, sizeof e) == 4);
    CHECK_STR(e, "a\\\"b");
    CHECK(tb_json_escape("\x01", e, 6) == -1 && e[0] == 0);
    CHECK(tb_json_escape("\x01", e, 7) == 6);
    CHECK(tb_json_escape(NULL, e, sizeof e) == 0 && e[0] == 0);
}

static void test_numbers(void)
{
    char b[128];
    CHECK_STR(one_num(NAN, b, sizeof b), "[null]");
    CHECK_STR(one_num(INFINITY, b, sizeof b), "[null]");
    CHECK_STR(one_num(-INFINITY, b, sizeof b), "[null]");
    CHECK_STR(one_num(0.1, b, sizeof b), "[0.1]");  /* shortest exact form */
    CHECK_STR(one_num(0.002, b, sizeof b), "[0.002]");
    CHECK_STR(one_num(2, b, sizeof b), "[2]");
    CHECK_STR(one_num(-1.5e300, b, sizeof b), "[-1.5e+300]");
    CHECK_STR(one_num(1.0 / 3, b, sizeof b), "[0.3333333333333333]");
    double back = 0;
    sscanf(one_num(0.1 + 0.2, b, sizeof b), "[%lf]", &back);
    CHECK(back == 0.1 + 0.2); /* round-trips exactly */

    tb_json j;
    tb_json_init(&j, b, sizeof b);
    tb_json_obj_begin(&j);
    tb_json_kv_int(&j, "max", INT64_MAX);
    tb_json_kv_int(&j, "min", INT64_MIN);
    tb_json_kv_opt(&j, "unknown", -1);
    tb_json_kv_opt(&j, "zero", 0);
    tb_json_obj_end(&j);
    CHECK(tb_json_ok(&j));
    CHECK_STR(b, "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"unknown\":null,\"zero\":0}");
}

static void test_nesting(void)
{
    char b[256];
    tb_json j;
    tb_json_init(&j, b, sizeof b);
    tb_json_obj_begin(&j);
    tb_json_arr_begin(&j, "a");
    tb_json_kv_int(&j, NULL, 1);
    tb_json_obj_begin(&j);
    tb_json_arr_begin(&j, "b");
    tb_json_arr_end(&j);
    tb_json_kv_bool(&j, "t", 1);
    tb_json_obj_end(&j);
    tb_json_obj_begin(&j);
    tb_json_obj_end(&j);
    tb_json_kv_str(&j, NULL, "x");
    tb_json_arr_end(&j);
    tb_json_key_obj(&j, "c");
    tb_json_kv_bool(&j, "f", 0);
    tb_json_obj_end(&j);
    tb_json_kv_raw(&j, "raw", "{\"pre\":[1,2]}");
    tb_json_kv_raw(&j, "none", NULL);
    tb_json_obj_end(&j);
    CHECK(tb_json_ok(&j));
    CHECK_STR(b, "{\"a\":[1,{\"b\":[],\"t\":true},{},\"x\"],\"c\":{\"f\":false},\"raw\":{\"pre\":[1,2]},\"none\":null}");
    CHECK(tb_json_len(&j) == (int)strlen(b));

    /* unbalanced or mismatched: not ok, whatever fits */
    tb_json_init(&j, b, sizeof b);
    tb_json_obj_begin(&j);
    CHECK(!tb_json_ok(&j) && tb_json_len(&j) == -1); /* still open */
    tb_json_obj_end(&j);
    CHECK(tb_json_ok(&j));
    tb_json_obj_end(&j);
    CHECK(!tb_json_ok(&j)); /* one end too many */
    tb_json_init(&j, b, sizeof b);
    tb_json_obj_begin(&j);
    tb_json_arr_end(&j);
    CHECK(!tb_json_ok(&j)); /* ] closing a { */

    /* deeper than TB_JSON_MAX_DEPTH is refused */
    static char deep[4 * TB_JSON_MAX_DEPTH + 16];
    tb_json_init(&j, deep, sizeof deep);
    for (int i = 0; i <= TB_JSON_MAX_DEPTH; i++)
        tb_json_arr_begin(&j, NULL);
    for (int i = 0; i <= TB_JSON_MAX_DEPTH; i++)
        tb_json_arr_end(&j);
    CHECK(!tb_json_ok(&j));
    tb_json_init(&j, deep, sizeof deep);
    for (int i = 0; i < TB_JSON_MAX_DEPTH; i++)
        tb_json_arr_begin(&j, NULL);
    for (int i = 0; i < TB_JSON_MAX_DEPTH; i++)
        tb_json_arr_end(&j);
    CHECK(tb_json_ok(&j) && tb_json_len(&j) == 2 * TB_JSON_MAX_DEPTH);
}

static void test_overflow(void)
{
    const char *want = "{\"s\":\"abc\"}";
    char b[64];
    int n = (int)strlen(want);
    /* exactly fits (text + NUL), and one byte short */
    CHECK_STR(one_str("abc", b, n + 1), want);
    CHECK_STR(one_str("abc", b, n), "(overflow)");
    CHECK(b[0] == 0); /* emptied, not cut */
    /* a cut escape sequence is never left behind */
    for (int len = 1; len < 20; len++) {
        tb_json j;
        tb_json_init(&j, b, len);
        tb_json_obj_begin(&j);
        tb_json_kv_str(&j, "s", "\x01\x02\"\\");
        tb_json_obj_end(&j);
        int fits = len > (int)strlen("{\"s\":\"\\u0001\\u0002\\\"\\\\\"}");
        CHECK(tb_json_ok(&j) == fits);
        CHECK(fits ? tb_json_len(&j) > 0 : (b[0] == 0 && tb_json_len(&j) == -1));
    }
    /* calls after an overflow change nothing */
    tb_json j;
    tb_json_init(&j, b, 4);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "long", "value");
    tb_json_kv_int(&j, "n", 1);
    tb_json_obj_end(&j);
    CHECK(!tb_json_ok(&j) && b[0] == 0 && tb_json_len(&j) == -1);
    /* zero capacity: nothing written, reported */
    tb_json_init(&j, NULL, 0);
    tb_json_obj_begin(&j);
    tb_json_obj_end(&j);
    CHECK(!tb_json_ok(&j));

    /* long strings are not limited by an internal buffer */
    static char big[8192], out[8300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(strlen(one_str(big, out, sizeof out)) == sizeof big - 1 + 8);
    CHECK_STR(one_str(big, out, (int)sizeof big), "(overflow)");
}

int main(void)
{
    test_escaping();
    test_numbers();
    test_nesting();
    test_overflow();
    TEST_DONE();
}
