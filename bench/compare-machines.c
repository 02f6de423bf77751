/* compare-machines.c - `tritbench compare --machines`: CPU generations side
 * by side.  For every machine of one database (usually one that `tritbench
 * merge` filled from many), the latest ok median of each case key (the
 * newest run by start time that measured it), one column per machine
 * keyed by fingerprint and labelled by its CPU model string, then each
 * machine's time ratio to a reference machine (machine / reference: > 1
 * slower).  A case a machine never measured is "-" (not measured there),
 * never 0.  Markdown table or JSON on stdout. */
#include "tb-cli.h"
#include "tb-cmpdata.h"
#include "tb-filter.h"
#include "tb-json.h"
#include "tb-store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct mach {
    char fp[96], brand[128], host[96];
} mach;

typedef struct mcase {
    char *key;
    double *med; /* one per machine, NAN: not measured there */
} mcase;

typedef struct mtable {
    mach *m;
    int nm;
    mcase *c;
    int nc, cap;
} mtable;

static void table_free(mtable *t)
{
    for (int i = 0; i < t->nc; i++) {
        free(t->c[i].key);
        free(t->c[i].med);
    }
    free(t->c);
    free(t->m);
}

/* The case with key (rows arrive sorted by key: the last one or a new one). */
static mcase *case_for(mtable *t, const char *key, int nmax)
{
    if (t->nc && !strcmp(t->c[t->nc - 1].key, key))
        return &t->c[t->nc - 1];
    if (t->nc == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        mcase *c = realloc(t->c, (size_t)cap * sizeof *c);
        if (!c)
            return NULL;
        t->c = c;
        t->cap = cap;
    }
    mcase *c = &t->c[t->nc];
    c->key = strdup(key);
    c->med = malloc((size_t)nmax * sizeof *c->med);
    if (!c->key || !c->med) {
        free(c->key);
        free(c->med);
        return NULL;
    }
    for (int i = 0; i < nmax; i++)
        c->med[i] = NAN;
    t->nc++;
    return c;
}

static int load(tb_store *s, const tb_filter *f, mtable *t, char *err, int errlen)
{
    tb_cursor *c = tb_store_select(s, "SELECT m.fingerprint, coalesce(m.cpu_brand,''), coalesce(m.hostname,'')"
                                      " FROM machines m WHERE EXISTS (SELECT 1 FROM runs r WHERE r.machine_id=m.id)"
                                      " ORDER BY m.id");
    if (!c) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    int rc, cap = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (t->nm == cap) {
            cap = cap ? 2 * cap : 8;
            mach *m = realloc(t->m, (size_t)cap * sizeof *m);
            if (!m) {
                rc = -1;
                break;
            }
            t->m = m;
        }
        mach *m = &t->m[t->nm++];
        snprintf(m->fp, sizeof m->fp, "%s", tb_cursor_text(c, 0));
        snprintf(m->brand, sizeof m->brand, "%s", tb_cursor_text(c, 1));
        snprintf(m->host, sizeof m->host, "%s", tb_cursor_text(c, 2));
    }
    tb_cursor_close(c);
    if (rc < 0) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    /* oldest first within (key, machine): the last row seen wins */
    c = tb_store_select(s, "SELECT c.case_key, m.fingerprint, st.median FROM cases c"
                           " JOIN runs r ON r.id=c.run_id JOIN machines m ON m.id=r.machine_id"
                           " JOIN stats st ON st.case_id=c.id AND st.metric='ns_per_iter'"
                           " WHERE c.status='ok' AND st.median IS NOT NULL"
                           " ORDER BY c.case_key, m.id, r.started_at, r.id");
    if (!c) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    int mi = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        const char *key = tb_cursor_text(c, 0), *fp = tb_cursor_text(c, 1);
        if (f && !tb_filter_match(f, key))
            continue;
        if (strcmp(t->m[mi].fp, fp))
            for (mi = 0; mi < t->nm && strcmp(t->m[mi].fp, fp); mi++)
                ;
        if (mi == t->nm) { /* cannot happen: every fingerprint came from the first query */
            mi = 0;
            continue;
        }
        mcase *k = case_for(t, key, t->nm);
        if (!k) {
            tb_cursor_close(c);
            snprintf(err, (size_t)errlen, "out of memory");
            return -1;
        }
        k->med[mi] = tb_cursor_real(c, 2);
    }
    tb_cursor_close(c);
    if (rc < 0) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    return 0;
}

/* The reference: fingerprint prefix first, else a host-name substring; -1
 * when none matches, -2 when the host name matches several machines. */
static int find_ref(const mtable *t, const char *ref)
{
    if (!ref)
        return 0;
    for (int i = 0; i < t->nm; i++)
        if (!strncmp(t->m[i].fp, ref, strlen(ref)))
            return i;
    int hit = -1;
    for (int i = 0; i < t->nm; i++)
        if (*t->m[i].host && strstr(t->m[i].host, ref)) {
            if (hit >= 0)
                return -2;
            hit = i;
        }
    return hit;
}

static const char *label(const mach *m) { return *m->brand ? m->brand : "(unknown CPU)"; }

static void print_markdown(const mtable *t, int ref, const char *db)
{
    printf("### tritbench compare --machines: %d machine(s), %d case(s), %s\n\n", t->nm, t->nc, db);
    printf("Reference: %s (%.12s%s%s).  Columns: each machine's latest median per case; ratio = machine / "
           "reference time (> 1: slower than the reference); \"-\": not measured there.\n\n",
           label(&t->m[ref]), t->m[ref].fp, *t->m[ref].host ? ", " : "", t->m[ref].host);
    printf("| case |");
    for (int i = 0; i < t->nm; i++)
        printf(" %s (%.12s) |", label(&t->m[i]), t->m[i].fp);
    for (int i = 0; i < t->nm; i++)
        if (i != ref)
            printf(" ratio %.12s |", t->m[i].fp);
    printf("\n|---|");
    for (int i = 0; i < 2 * t->nm - 1; i++)
        printf("---:|");
    printf("\n");
    for (int k = 0; k < t->nc; k++) {
        const mcase *c = &t->c[k];
        printf("| %s |", c->key);
        for (int i = 0; i < t->nm; i++) {
            char b[32];
            printf(" %s |", isnan(c->med[i]) ? "-" : tb_fmt_ns(c->med[i], b, sizeof b));
        }
        for (int i = 0; i < t->nm; i++)
            if (i != ref) {
                if (isnan(c->med[i]) || isnan(c->med[ref]))
                    printf(" - |");
                else
                    printf(" %.3f |", c->med[i] / c->med[ref]);
            }
        printf("\n");
    }
}

static int print_json(const mtable *t, int ref, const char *db)
{
    int len = 4096 + t->nm * 512 + t->nc * (400 + t->nm * 200);
    char *buf = malloc((size_t)len);
    if (!buf)
        return -1;
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "db", db);
    tb_json_kv_str(&j, "reference", t->m[ref].fp);
    tb_json_kv_str(&j, "ratio", "machine/reference time");
    tb_json_arr_begin(&j, "machines");
    for (int i = 0; i < t->nm; i++) {
        tb_json_obj_begin(&j);
        tb_json_kv_str(&j, "fingerprint", t->m[i].fp);
        tb_json_kv_str(&j, "cpu_brand", t->m[i].brand);
        tb_json_kv_str(&j, "hostname", t->m[i].host);
        tb_json_obj_end(&j);
    }
    tb_json_arr_end(&j);
    tb_json_arr_begin(&j, "cases");
    for (int k = 0; k < t->nc; k++) {
        const mcase *c = &t->c[k];
        tb_json_obj_begin(&j);
        tb_json_kv_str(&j, "key", c->key);
        tb_json_key_obj(&j, "median_ns"); /* null: not measured there */
        for (int i = 0; i < t->nm; i++)
            tb_json_kv_num(&j, t->m[i].fp, c->med[i]);
        tb_json_obj_end(&j);
        tb_json_key_obj(&j, "ratio");
        for (int i = 0; i < t->nm; i++)
            tb_json_kv_num(&j, t->m[i].fp, c->med[i] / c->med[ref]);
        tb_json_obj_end(&j);
        tb_json_obj_end(&j);
    }
    tb_json_arr_end(&j);
    tb_json_obj_end(&j);
    int ok = tb_json_ok(&j);
    if (ok)
        puts(buf);
    free(buf);
    return ok ? 0 : -1;
}

int tb_cmp_machines(const char *db, const char *ref, const char *filter, int json)
{
    tb_store *s;
    char err[1024];
    if (tb_store_open_readonly(db, &s, err, sizeof err) < 0)
        return tb_die(TB_EXIT_FAIL, "compare --machines: %s", err);
    tb_filter f = {0};
    if (filter)
        tb_filter_init(&f, filter);
    mtable t = {0};
    int code = TB_EXIT_FAIL;
    if (load(s, filter ? &f : NULL, &t, err, sizeof err) < 0) {
        code = tb_die(TB_EXIT_FAIL, "compare --machines: %s", err);
        goto done;
    }
    if (!t.nm) {
        code = tb_die(TB_EXIT_FAIL, "compare --machines: %s holds no run", tb_clip(db));
        goto done;
    }
    int r = find_ref(&t, ref);
    if (r < 0) {
        code = tb_die(TB_EXIT_USAGE, "compare --machines: --ref %s: %s", tb_clip(ref),
                      r == -2 ? "the host name matches several machines; give a fingerprint prefix"
                              : "no machine has that fingerprint prefix or host name");
        goto done;
    }
    if (!t.nc) {
        code = tb_die(TB_EXIT_FAIL, "compare --machines: no ok case%s in %s", filter ? " matches --filter" : "",
                      tb_clip(db));
        goto done;
    }
    if (json ? print_json(&t, r, db) < 0 : (print_markdown(&t, r, db), 0)) {
        code = tb_die(TB_EXIT_FAIL, "compare --machines: out of memory formatting JSON");
        goto done;
    }
    code = tb_stdout_done("compare", TB_EXIT_OK);
done:
    table_free(&t);
    tb_filter_free(&f);
    tb_store_close(s);
    return code;
}
