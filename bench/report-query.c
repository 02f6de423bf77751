/* report-query.c - the report's query layer: loads runs, their machine,
 * build, run facts, sampler states and every case with its statistics,
 * derived figures, paired ratio, analytic counts and energy, through the
 * store's read-only cursors.  Also says, per case, why a figure is absent
 * (the status reason, the metric's note, the energy samplers' reasons). */
#include "tb-report.h"
#include "tb-store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cp(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src ? src : ""); }
#define CP(dst, src) cp(dst, sizeof(dst), src)

static int run_header(tb_store *s, tb_rep_run *r)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT r.suite, r.started_at, coalesce(r.ended_at,''), r.status, r.argv, m.fingerprint,"
           " coalesce(m.cpu_brand,''), coalesce(m.hypervisor,''), coalesce(m.kernel,''), coalesce(m.os,''),"
           " m.cores, m.threads, m.l1d_bytes, m.l2_bytes, m.l3_bytes, m.mem_bytes, b.git_commit,"
           " coalesce(b.build_type,''), trim(coalesce(b.compiler,'') || ' ' || coalesce(b.compiler_version,'')),"
           " coalesce(b.binary_sha256,''), coalesce(b.git_dirty,0)"
           " FROM runs r JOIN machines m ON m.id=r.machine_id JOIN builds b ON b.id=r.build_id WHERE r.id=?");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, r->id);
    int rc = tb_cursor_next(c);
    if (rc == 1) {
        CP(r->suite, tb_cursor_text(c, 0));
        CP(r->started, tb_cursor_text(c, 1));
        CP(r->ended, tb_cursor_text(c, 2));
        CP(r->status, tb_cursor_text(c, 3));
        CP(r->argv, tb_cursor_text(c, 4));
        CP(r->fingerprint, tb_cursor_text(c, 5));
        CP(r->cpu, tb_cursor_text(c, 6));
        CP(r->hypervisor, tb_cursor_text(c, 7));
        CP(r->kernel, tb_cursor_text(c, 8));
        CP(r->os, tb_cursor_text(c, 9));
        r->cores = (long)tb_cursor_int(c, 10);
        r->threads = (long)tb_cursor_int(c, 11);
        r->l1d = tb_cursor_real(c, 12);
        r->l2 = tb_cursor_real(c, 13);
        r->l3 = tb_cursor_real(c, 14);
        r->mem = tb_cursor_real(c, 15);
        CP(r->commit, tb_cursor_text(c, 16));
        CP(r->build_type, tb_cursor_text(c, 17));
        CP(r->compiler, tb_cursor_text(c, 18));
        CP(r->sha256, tb_cursor_text(c, 19));
        r->dirty = (int)tb_cursor_int(c, 20);
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

static int kv_rows(tb_store *s, int64_t run, const char *sql, tb_rep_kv *out, int max, int *n)
{
    tb_cursor *c = tb_store_select(s, sql);
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run);
    int rc;
    *n = 0;
    while ((rc = tb_cursor_next(c)) == 1 && *n < max) {
        tb_rep_kv *k = &out[(*n)++];
        CP(k->name, tb_cursor_text(c, 0));
        CP(k->state, tb_cursor_text(c, 1));
        CP(k->reason, tb_cursor_text(c, 2));
        CP(k->fix, tb_cursor_text(c, 3));
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* Why the run has no measured energy: every energy sampler's state and reason. */
static int energy_why(tb_store *s, tb_rep_run *r)
{
    tb_cursor *c = tb_store_select(s, "SELECT count(*) FROM energy e JOIN cases c ON c.id=e.case_id"
                                      " WHERE c.run_id=? AND e.kind='measured' AND e.joules IS NOT NULL");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, r->id);
    int rc = tb_cursor_next(c);
    int64_t measured = rc == 1 ? tb_cursor_int(c, 0) : 0;
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    r->energy_why[0] = 0;
    if (measured)
        return 0;
    static const char *const energy_samplers[] = {"powercap", "perf-power", "msr", "nvml"};
    size_t o = 0;
    for (int i = 0; i < r->nsamplers; i++)
        for (size_t k = 0; k < sizeof energy_samplers / sizeof energy_samplers[0]; k++)
            if (!strcmp(r->samplers[i].name, energy_samplers[k]) && o < sizeof r->energy_why)
                o += (size_t)snprintf(r->energy_why + o, sizeof r->energy_why - o, "%s%s: %s, %s", o ? "; " : "",
                                      r->samplers[i].name, r->samplers[i].state,
                                      r->samplers[i].reason[0] ? r->samplers[i].reason : "no reason stored");
    if (!o)
        snprintf(r->energy_why, sizeof r->energy_why, "no energy sampler was selected for this run (--sampler)");
    return 0;
}

#define M(name) "(SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='" name "')"
#define MN(name) "(SELECT coalesce(note,'') FROM metrics x WHERE x.case_id=c.id AND x.name='" name "')"
#define MH(name) "(SELECT count(*) FROM metrics x WHERE x.case_id=c.id AND x.name='" name "')"
#define P(name) "(SELECT value FROM case_params p WHERE p.case_id=c.id AND p.name='" name "')"

static int load_cases(tb_store *s, tb_rep_run *r)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT c.id, c.case_key, c.workload, coalesce(c.backend,''), coalesce(c.isa,''), coalesce(c.threads,0),"
           " coalesce(c.cache_mode,''), c.status, coalesce(c.status_reason,''), coalesce(c.flags,''),"
           " coalesce(c.flags_reason,''), coalesce(c.group_key,''), coalesce(c.is_baseline,0),"
           " s.median, s.ci_lo, s.ci_hi,"
           " " M("gbps") ", " M("gops") ", " M("roofline_pct") ", " MN("gbps") ", " MN("gops") ", " MN("roofline_pct") ","
           " " MH("gbps") ", " MH("gops") ", " MH("roofline_pct") ","
           " coalesce(" M("gbps_best") ", " M("gops_best") "),"
           " q.median, q.ci_lo, q.ci_hi,"
           " (SELECT sum(value) FROM counts k WHERE k.case_id=c.id AND k.unit='B'),"
           " (SELECT sum(value) FROM counts k WHERE k.case_id=c.id AND k.unit='op'),"
           " (SELECT joules FROM energy e WHERE e.case_id=c.id AND e.source='model-7nm' AND e.kind='modelled'),"
           " (SELECT joules FROM energy e WHERE e.case_id=c.id AND e.source='model-45nm' AND e.kind='modelled'),"
           " (SELECT avg(e.joules / sm.iters) FROM energy e JOIN samples sm ON sm.case_id=e.case_id AND sm.rep=e.rep"
           "   WHERE e.case_id=c.id AND e.kind='measured' AND e.domain='package' AND e.joules IS NOT NULL),"
           " coalesce(" P("format") ",''), coalesce(" P("shape") ",''), coalesce(" P("model") ",''),"
           " coalesce(" P("n") ",-1), coalesce(" P("rows") ",-1), coalesce(" P("cols") ",-1),"
           " " P("mib") ", coalesce(" P("kind") ",''),"
           " (SELECT group_concat(name || '=' || coalesce(value,''), ' ') FROM case_params p WHERE p.case_id=c.id)"
           " FROM cases c LEFT JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
           " LEFT JOIN ratios q ON q.case_id=c.id AND q.metric='speedup'"
           " WHERE c.run_id=? ORDER BY c.workload <> 'bandwidth', c.workload <> 'peak', c.workload, c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, r->id);
    int rc, cap = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (r->ncases == cap) {
            cap = cap ? 2 * cap : 64;
            tb_rep_case *nc = realloc(r->cases, (size_t)cap * sizeof *nc);
            if (!nc) {
                rc = -1;
                break;
            }
            r->cases = nc;
        }
        tb_rep_case *k = &r->cases[r->ncases++];
        memset(k, 0, sizeof *k);
        int i = 0;
        k->id = tb_cursor_int(c, i++);
        CP(k->key, tb_cursor_text(c, i++));
        CP(k->workload, tb_cursor_text(c, i++));
        CP(k->backend, tb_cursor_text(c, i++));
        CP(k->isa, tb_cursor_text(c, i++));
        k->threads = (int)tb_cursor_int(c, i++);
        CP(k->cache, tb_cursor_text(c, i++));
        CP(k->status, tb_cursor_text(c, i++));
        CP(k->status_reason, tb_cursor_text(c, i++));
        CP(k->flags, tb_cursor_text(c, i++));
        CP(k->flags_reason, tb_cursor_text(c, i++));
        CP(k->group, tb_cursor_text(c, i++));
        k->is_baseline = (int)tb_cursor_int(c, i++);
        k->median = tb_cursor_real(c, i++);
        k->ci_lo = tb_cursor_real(c, i++);
        k->ci_hi = tb_cursor_real(c, i++);
        k->gbps = tb_cursor_real(c, i++);
        k->gops = tb_cursor_real(c, i++);
        k->roof = tb_cursor_real(c, i++);
        CP(k->gbps_note, tb_cursor_text(c, i++));
        CP(k->gops_note, tb_cursor_text(c, i++));
        CP(k->roof_note, tb_cursor_text(c, i++));
        k->has_gbps = (int)tb_cursor_int(c, i++);
        k->has_gops = (int)tb_cursor_int(c, i++);
        k->has_roof = (int)tb_cursor_int(c, i++);
        k->best = tb_cursor_real(c, i++);
        k->speedup = tb_cursor_real(c, i++);
        k->sp_lo = tb_cursor_real(c, i++);
        k->sp_hi = tb_cursor_real(c, i++);
        k->bytes = tb_cursor_real(c, i++);
        k->ops = tb_cursor_real(c, i++);
        k->e7 = tb_cursor_real(c, i++);
        k->e45 = tb_cursor_real(c, i++);
        k->emeas = tb_cursor_real(c, i++);
        CP(k->format, tb_cursor_text(c, i++));
        CP(k->shape, tb_cursor_text(c, i++));
        CP(k->model, tb_cursor_text(c, i++));
        k->n = (long)tb_cursor_int(c, i++);
        k->rows = (long)tb_cursor_int(c, i++);
        k->cols = (long)tb_cursor_int(c, i++);
        k->mib = tb_cursor_real(c, i++);
        CP(k->kind, tb_cursor_text(c, i++));
        CP(k->params, tb_cursor_text(c, i++));
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

static int load_run(tb_store *s, tb_rep_run *r)
{
    if (run_header(s, r) < 0 ||
        kv_rows(s, r->id, "SELECT fact, '', reason, '' FROM run_facts WHERE run_id=? ORDER BY fact", r->facts, 16,
                &r->nfacts) < 0 ||
        kv_rows(s, r->id,
                "SELECT sampler, state, coalesce(reason,''), coalesce(fix,'') FROM sampler_status WHERE run_id=?"
                " ORDER BY rowid",
                r->samplers, 24, &r->nsamplers) < 0 ||
        energy_why(s, r) < 0 || load_cases(s, r) < 0 || tb_rep_e2e_load(s, r) < 0)
        return -1;
    return 0;
}

/* The run ids to report: the one asked for, or the latest of every machine. */
static int pick_runs(tb_store *s, const char *run_sel, int by_machine, int64_t *ids, int max, int *n, char *err,
                     int errlen)
{
    *n = 0;
    int64_t want = 0;
    const char *sql = "SELECT id FROM runs ORDER BY id DESC LIMIT 1";
    if (by_machine) {
        sql = "SELECT max(id) FROM runs GROUP BY machine_id ORDER BY machine_id";
    } else if (run_sel && strcmp(run_sel, "last")) {
        want = strtoll(run_sel, NULL, 10);
        sql = "SELECT id FROM runs WHERE id=?";
    }
    tb_cursor *c = tb_store_select(s, sql);
    if (!c) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    if (want)
        tb_cursor_bind_int(c, 1, want);
    int rc;
    while ((rc = tb_cursor_next(c)) == 1 && *n < max)
        ids[(*n)++] = tb_cursor_int(c, 0);
    tb_cursor_close(c);
    if (rc < 0) {
        snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
        return -1;
    }
    if (!*n) {
        if (want)
            snprintf(err, (size_t)errlen, "--run %s: no such run in the database", run_sel);
        else
            snprintf(err, (size_t)errlen, "the database holds no runs yet (run `tritbench run quick` first)");
        return -1;
    }
    return 0;
}

int tb_report_load(tb_store *s, const char *db, const char *run_sel, int by_machine, tb_report *r, char *err,
                   int errlen)
{
    int64_t ids[256];
    int n;
    memset(r, 0, sizeof *r);
    r->db = db;
    if (pick_runs(s, run_sel, by_machine, ids, 256, &n, err, errlen) < 0)
        return -1;
    r->runs = calloc((size_t)n, sizeof *r->runs);
    if (!r->runs) {
        snprintf(err, (size_t)errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        r->runs[i].id = ids[i];
        r->nruns++;
        if (load_run(s, &r->runs[i]) < 0) {
            snprintf(err, (size_t)errlen, "%s", tb_store_errmsg(s));
            return -1;
        }
    }
    return 0;
}

void tb_report_free(tb_report *r)
{
    for (int i = 0; i < r->nruns; i++)
        free(r->runs[i].cases);
    free(r->runs);
    free(r->prows);
    memset(r, 0, sizeof *r);
}

static int why(char *buf, int len, const char *fmt, const char *a, const char *b)
{
    snprintf(buf, (size_t)len, fmt, a, b);
    return 1;
}

int tb_rep_missing(const tb_rep_run *run, const tb_rep_case *c, const char *fig, char *buf, int len)
{
    buf[0] = 0;
    int ok = !strcmp(c->status, "ok");
    if (!strcmp(fig, "median") || !strcmp(fig, "ci")) {
        double v = !strcmp(fig, "median") ? c->median : c->ci_lo;
        if (!isnan(v))
            return 0;
        if (!ok)
            return why(buf, len, "case %s: %s", c->status, c->status_reason[0] ? c->status_reason : "no reason stored");
        return why(buf, len, "%s%s", !strcmp(fig, "ci") ? "too few repetitions for a 95% order-statistic CI"
                                                        : "no timing statistics stored", "");
    }
    if (!ok && strcmp(fig, "energy_measured"))
        return why(buf, len, "case %s: %s", c->status, c->status_reason[0] ? c->status_reason : "no reason stored");
    struct { const char *name; double v; int has; const char *note; } m[] = {
        {"gbps", c->gbps, c->has_gbps, c->gbps_note},
        {"gops", c->gops, c->has_gops, c->gops_note},
        {"roofline_pct", c->roof, c->has_roof, c->roof_note},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        if (strcmp(fig, m[i].name))
            continue;
        if (!isnan(m[i].v))
            return 0;
        if (m[i].has)
            return why(buf, len, "%s%s", m[i].note[0] ? m[i].note : "stored as NULL without a note", "");
        return why(buf, len, "not derived for %s cases%s", c->workload, "");
    }
    if (!strcmp(fig, "speedup")) {
        if (!isnan(c->speedup))
            return 0;
        if (c->is_baseline)
            return why(buf, len, "the group's fp16 baseline itself%s%s", "", "");
        if (!c->group[0])
            return why(buf, len, "no group: %s cases have no fp16 baseline%s", c->workload, "");
        return why(buf, len, "no paired ratio stored (its group %s has no usable baseline)%s", c->group, "");
    }
    if (!strcmp(fig, "energy_modelled")) {
        if (!isnan(c->e7))
            return 0;
        return why(buf, len, "no analytic op counts for %s cases%s", c->workload, "");
    }
    if (!strcmp(fig, "energy_measured")) {
        if (!isnan(c->emeas))
            return 0;
        return why(buf, len, "no live energy sampler: %s%s", run->energy_why[0] ? run->energy_why : "none reported",
                   "");
    }
    return why(buf, len, "unknown figure %s%s", fig, "");
}

int tb_rep_applies(const tb_rep_case *c, const char *fig)
{
    int mm = !strcmp(c->workload, "matmul");
    if (!strcmp(fig, "gbps"))
        return mm || c->has_gbps;
    if (!strcmp(fig, "gops"))
        return mm || c->has_gops;
    if (!strcmp(fig, "roofline_pct"))
        return mm || c->has_roof;
    if (!strcmp(fig, "speedup"))
        return mm || c->group[0];
    if (!strcmp(fig, "energy_modelled"))
        return mm || !isnan(c->e7);
    return 1;
}

void tb_rep_missing_all(const tb_rep_run *run, const tb_rep_case *c, char *buf, int len)
{
    static const char *const figs[] = {"median", "gbps", "gops", "roofline_pct", "speedup"};
    char one[1200];
    size_t o = 0;
    buf[0] = 0;
    int ok = !strcmp(c->status, "ok");
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        if (!tb_rep_applies(c, figs[i]) || !tb_rep_missing(run, c, figs[i], one, sizeof one))
            continue;
        if (!ok) { /* one reason covers every figure */
            snprintf(buf, (size_t)len, "all figures: %s", one);
            return;
        }
        if (o < (size_t)len)
            o += (size_t)snprintf(buf + o, (size_t)len - o, "%s%s: %s", o ? "; " : "", figs[i], one);
    }
}

void tb_rep_flags_words(const tb_rep_case *c, char *buf, int len)
{
    /* flags_reason already names each flag with its figures; fall back to the bare list */
    snprintf(buf, (size_t)len, "%s", c->flags_reason[0] ? c->flags_reason : c->flags);
}
