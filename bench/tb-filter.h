/* tb-filter.h - the --filter matcher of `tritbench run` (run-filter.c):
 * a comma list of items of any length; an item with * ? or [ is a glob
 * over the whole case key (fnmatch), any other item a substring of it. */
#ifndef TB_FILTER_H
#define TB_FILTER_H

typedef struct tb_filter {
    char *buf;   /* a copy of the pattern, cut into items */
    char **tok;  /* the items, pointing into buf */
    int n;
} tb_filter;

/* Parse PAT.  0; -EINVAL when PAT is empty or has an empty item ("",
 * ",,,", "a,,b", "a,"); -ENOMEM.  tb_filter_free in every case. */
int tb_filter_init(tb_filter *f, const char *pat);
/* 1 when KEY matches an item. */
int tb_filter_match(const tb_filter *f, const char *key);
void tb_filter_free(tb_filter *f);

#endif
