/* run-filter.c - the --filter matcher (tb-filter.h): no fixed-size
 * buffer anywhere, so a long pattern is never cut and every item counts;
 * an empty pattern or item is refused rather than read as "everything"
 * or "nothing". */
#include "tb-filter.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

int tb_filter_init(tb_filter *f, const char *pat)
{
    memset(f, 0, sizeof *f);
    if (!pat || !*pat)
        return -EINVAL;
    size_t len = strlen(pat), items = 1;
    for (size_t i = 0; i < len; i++)
        items += pat[i] == ',';
    f->buf = malloc(len + 1);
    f->tok = calloc(items, sizeof *f->tok);
    if (!f->buf || !f->tok)
        return -ENOMEM;
    memcpy(f->buf, pat, len + 1);
    for (char *t = f->buf;;) {
        size_t l = strcspn(t, ",");
        if (l == 0)
            return -EINVAL;
        f->tok[f->n++] = t;
        if (!t[l])
            break;
        t[l] = '\0';
        t += l + 1;
    }
    return 0;
}

int tb_filter_match(const tb_filter *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (strpbrk(f->tok[i], "*?[") ? fnmatch(f->tok[i], key, 0) == 0 : strstr(key, f->tok[i]) != NULL)
            return 1;
    return 0;
}

void tb_filter_free(tb_filter *f)
{
    free(f->buf);
    free(f->tok);
    memset(f, 0, sizeof *f);
}
