/* fuzz-filter.c - the --filter matcher (run-filter.c): the input up to
 * its first newline is the pattern, the rest a case key; the pattern is
 * also matched against a few real keys. */
#include "fuzz.h"
#include "tb-filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_cstr(data, size);
    char *nl = strchr(s, '\n');
    const char *key = "";
    if (nl) {
        *nl = '\0';
        key = nl + 1;
    }
    static const char *const keys[] = {"peak/fp32/avx512/t1", "matmul/tq2_avx2/4096x4096/n1/t1/hot",
                                       "bw/read/avx512/64MiB/end/t2", ""};
    tb_filter f;
    if (tb_filter_init(&f, s) == 0) {
        tb_filter_match(&f, key);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            tb_filter_match(&f, keys[i]);
    }
    tb_filter_free(&f);
    free(s);
    return 0;
}
