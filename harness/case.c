/* case.c - the generic case: cache-mode names, formatting of a workload's
 * declared parameters, and the case key derived from them. */
#include "tb-workload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *tb_cache_mode_name(tb_cache_mode m)
{
    return m == TB_CACHE_HOT ? "hot" : m == TB_CACHE_COLD ? "cold" : "";
}

void tb_param_format(const tb_case *c, const tb_param_decl *d, char *buf, size_t len)
{
    const unsigned char *p = c->params + d->offset;
    const char *fmt = d->key;
    switch (d->type) {
    case TB_PARAM_INT: {
        long long v;
        memcpy(&v, p, sizeof v);
        snprintf(buf, len, fmt ? fmt : "%lld", v);
        break;
    }
    case TB_PARAM_REAL: {
        double v;
        memcpy(&v, p, sizeof v);
        snprintf(buf, len, fmt ? fmt : "%g", v);
        break;
    }
    case TB_PARAM_TEXT:
        snprintf(buf, len, fmt ? fmt : "%s", (const char *)p);
        break;
    }
}

int tb_case_finish(tb_case *c)
{
    const tb_workload *wl = c->wl;
    size_t off = 0, cap = sizeof c->key;
    int n = snprintf(c->key, cap, "%s", wl->key_name ? wl->key_name : wl->name);
    off = n > 0 ? (size_t)n : 0;
    if (wl->key_backend && off < cap)
        off += (size_t)snprintf(c->key + off, cap - off, "/%s", c->backend);
    for (int i = 0; i < wl->nparams && off < cap; i++) {
        if (!wl->params[i].key)
            continue;
        if (wl->params[i].type == TB_PARAM_TEXT && !c->params[wl->params[i].offset])
            continue; /* an empty text part is left out of the key */
        char part[96];
        tb_param_format(c, &wl->params[i], part, sizeof part);
        off += (size_t)snprintf(c->key + off, cap - off, "/%s", part);
    }
    if (off < cap)
        off += (size_t)snprintf(c->key + off, cap - off, "/t%d", c->threads);
    if (c->cache != TB_CACHE_NONE && off < cap)
        off += (size_t)snprintf(c->key + off, cap - off, "/%s", tb_cache_mode_name(c->cache));
    return off < cap ? 0 : -ENAMETOOLONG;
}
