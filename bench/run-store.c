/* run-store.c - measured cases on their way into the store.  Results stay
 * in memory until their transaction commits: in case order, group by
 * group, each group's baseline first so the others' paired ratios can
 * name it.  When another process holds the database past the store's
 * lock wait, nothing is thrown away: the flush stops with -EBUSY and the
 * caller measures on and flushes again later. */
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_run_group_len(const tb_caselist *cases, int i)
{
    int n = 1;
    while (cases->v[i].group[0] && i + n < cases->n && !strcmp(cases->v[i + n].group, cases->v[i].group))
        n++;
    return n;
}

int tb_run_pending_init(tb_run_pending *p, const tb_caselist *cases)
{
    memset(p, 0, sizeof *p);
    p->cases = cases;
    size_t n = (size_t)(cases->n > 0 ? cases->n : 1);
    p->res = calloc(n, sizeof *p->res);
    p->cid = calloc(n, sizeof *p->cid);
    if (!p->res || !p->cid) {
        tb_run_pending_free(p);
        return -ENOMEM;
    }
    return 0;
}

void tb_run_pending_free(tb_run_pending *p)
{
    if (p->res)
        for (int i = 0; i < p->measured; i++)
            tb_case_result_free(&p->res[i]); /* stored ones were freed already: a no-op */
    free(p->res);
    free(p->cid);
    memset(p, 0, sizeof *p);
}

/* Store case k of the group starting at g; 0 or the store's errno. */
static int store_one(tb_run_session *s, tb_run_pending *p, int k, int64_t base_id)
{
    if (p->cid[k])
        return 0;
    int64_t cid = 0;
    int rc = tb_store_case(s->store, s->run_id, &p->res[k], base_id, &cid);
    if (rc == -EBUSY)
        return rc;
    if (rc < 0) {
        tb_die(TB_EXIT_FAIL, "cannot store case %s: %s", p->cases->v[k].key, tb_store_errmsg(s->store));
        return rc;
    }
    p->cid[k] = cid;
    s->stored++;
    tb_case_result_free(&p->res[k]);
    return 0;
}

int tb_run_flush(tb_run_session *s, tb_run_pending *p)
{
    while (p->next < p->measured) {
        int g = p->next, n = tb_run_group_len(p->cases, g), b = -1;
        for (int k = g; k < g + n; k++)
            if (p->cases->v[k].baseline)
                b = k;
        int rc = b >= 0 ? store_one(s, p, b, 0) : 0;
        for (int k = g; k < g + n && rc == 0; k++)
            if (k != b)
                rc = store_one(s, p, k, b >= 0 ? p->cid[b] : 0);
        if (rc < 0)
            return rc;
        p->next = g + n;
    }
    return 0;
}
