/* compare-load.c - read a run for `tritbench compare`: resolve a run
 * reference and load the run's machine, commit and cases with their
 * per-iteration samples (wall_ns / iters of each repetition). */
#include "tb-cmpdata.h"
#include "tb-store.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_hex(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int one_id(struct tb_store *s, const char *sql, const char *text, int64_t num, int64_t *id)
{
    tb_cursor *c = tb_store_select(s, sql);
    if (!c)
        return -EIO;
    if (text)
        tb_cursor_bind_text(c, 1, text);
    else
        tb_cursor_bind_int(c, 1, num);
    int rc = tb_cursor_next(c);
    if (rc == 1)
        *id = tb_cursor_int(c, 0);
    tb_cursor_close(c);
    return rc == 1 ? 0 : rc == 0 ? -ENOENT : -EIO;
}

int tb_cmp_resolve(struct tb_store *s, const char *ref, int64_t *run_id, char *err, int errlen)
{
    int rc;
    char *end;
    if (!strcmp(ref, "last") || !strncmp(ref, "last~", 5)) {
        long back = 0;
        if (ref[4] == '~') {
            back = strtol(ref + 5, &end, 10);
            if (end == ref + 5 || *end || back < 0 || back > 1000000) {
                snprintf(err, (size_t)errlen, "%s: expected last or last~N with N a run count, e.g. last~1", ref);
                return -1;
            }
        }
        rc = one_id(s, "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", NULL, back, run_id);
    } else if (ref[0] >= '1' && ref[0] <= '9' && strspn(ref, "0123456789") == strlen(ref) && strlen(ref) < 12) {
        rc = one_id(s, "SELECT id FROM runs WHERE id=?", NULL, strtoll(ref, NULL, 10), run_id);
        if (rc == -ENOENT && is_hex(ref)) /* digits only: a commit prefix, too */
            rc = one_id(s, "SELECT r.id FROM runs r JOIN builds b ON b.id=r.build_id WHERE b.git_commit LIKE ?||'%'"
                           " ORDER BY r.id DESC LIMIT 1", ref, 0, run_id);
    } else if (is_hex(ref)) {
        rc = one_id(s, "SELECT r.id FROM runs r JOIN builds b ON b.id=r.build_id WHERE b.git_commit LIKE ?||'%'"
                       " ORDER BY r.id DESC LIMIT 1", ref, 0, run_id);
    } else {
        snprintf(err, (size_t)errlen, "%s: expected a run id, last, last~N or a git commit (4-40 hex digits)", ref);
        return -1;
    }
    if (rc == -ENOENT)
        snprintf(err, (size_t)errlen, "%s: no such run in this database", ref);
    else if (rc < 0)
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
    return rc < 0 ? -1 : 0;
}

static char *dup(const char *s)
{
    char *d = strdup(s ? s : "");
    return d;
}

int tb_cmp_load(struct tb_store *s, const char *db, int64_t run_id, tb_cmp_side *out, char *err, int errlen)
{
    memset(out, 0, sizeof *out);
    out->db = db;
    out->run_id = run_id;
    tb_cursor *c = tb_store_select(s, "SELECT m.fingerprint, b.git_commit, r.suite, r.started_at FROM runs r"
                                      " JOIN machines m ON m.id=r.machine_id JOIN builds b ON b.id=r.build_id"
                                      " WHERE r.id=?");
    if (!c)
        goto fail;
    tb_cursor_bind_int(c, 1, run_id);
    if (tb_cursor_next(c) != 1) {
        tb_cursor_close(c);
        goto fail;
    }
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", tb_cursor_text(c, 0));
    snprintf(out->commit, sizeof out->commit, "%s", tb_cursor_text(c, 1));
    snprintf(out->suite, sizeof out->suite, "%s", tb_cursor_text(c, 2));
    snprintf(out->started, sizeof out->started, "%s", tb_cursor_text(c, 3));
    tb_cursor_close(c);

    c = tb_store_select(s, "SELECT id, case_key, status, coalesce(flags,'') FROM cases WHERE run_id=? ORDER BY id");
    if (!c)
        goto fail;
    tb_cursor_bind_int(c, 1, run_id);
    int cap = 0, rc;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (out->ncases == cap) {
            cap = cap ? 2 * cap : 32;
            tb_cmp_case *t = realloc(out->cases, (size_t)cap * sizeof *t);
            if (!t) {
                tb_cursor_close(c);
                snprintf(err, (size_t)errlen, "%s: out of memory reading run %lld", db, (long long)run_id);
                return -1;
            }
            out->cases = t;
        }
        tb_cmp_case *k = &out->cases[out->ncases++];
        memset(k, 0, sizeof *k);
        k->id = tb_cursor_int(c, 0);
        k->key = dup(tb_cursor_text(c, 1));
        k->status = dup(tb_cursor_text(c, 2));
        k->flags = dup(tb_cursor_text(c, 3));
    }
    tb_cursor_close(c);
    if (rc < 0)
        goto fail;
    for (int i = 0; i < out->ncases; i++) {
        tb_cmp_case *k = &out->cases[i];
        c = tb_store_select(s, "SELECT CAST(wall_ns AS REAL) / iters FROM samples WHERE case_id=? AND iters > 0"
                               " ORDER BY rep");
        if (!c)
            goto fail;
        tb_cursor_bind_int(c, 1, k->id);
        int kc = 0;
        while ((rc = tb_cursor_next(c)) == 1) {
            if (k->n == kc) {
                kc = kc ? 2 * kc : 16;
                double *t = realloc(k->ns, (size_t)kc * sizeof *t);
                if (!t) {
                    rc = -ENOMEM;
                    break;
                }
                k->ns = t;
            }
            k->ns[k->n++] = tb_cursor_real(c, 0);
        }
        tb_cursor_close(c);
        if (rc == -ENOMEM) {
            snprintf(err, (size_t)errlen, "%s: out of memory reading run %lld", db, (long long)run_id);
            return -1;
        }
        if (rc < 0)
            goto fail;
    }
    return 0;
fail:
    snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
    return -1;
}

void tb_cmp_side_free(tb_cmp_side *side)
{
    for (int i = 0; i < side->ncases; i++) {
        free(side->cases[i].key);
        free(side->cases[i].status);
        free(side->cases[i].flags);
        free(side->cases[i].ns);
    }
    free(side->cases);
    side->cases = NULL;
    side->ncases = 0;
}

const tb_cmp_case *tb_cmp_find(const tb_cmp_side *side, const char *key)
{
    for (int i = 0; i < side->ncases; i++)
        if (!strcmp(side->cases[i].key, key))
            return &side->cases[i];
    return NULL;
}

double tb_cmp_median(const tb_cmp_case *c)
{
    if (c->n < 1)
        return NAN;
    double *t = malloc((size_t)c->n * sizeof *t);
    if (!t)
        return NAN;
    memcpy(t, c->ns, (size_t)c->n * sizeof *t);
    for (int i = 1; i < c->n; i++) /* insertion sort: a case has at most 1000 reps */
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    double m = c->n % 2 ? t[c->n / 2] : 0.5 * (t[c->n / 2 - 1] + t[c->n / 2]);
    free(t);
    return m;
}
