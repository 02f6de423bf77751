/* store-write.c - every write to a tritbench database: machines and
 * builds (find-or-add, safe against a concurrent writer), runs (with the
 * writer's identity, store-writer.c) and their facts, sampler status, idle
 * baselines, workload parameter views, and a case with everything
 * measured about it in one transaction.  Rows go through the column-list
 * binder (store-row.c); transactions begin through store-wait.c, which
 * waits out another writer's lock; the first failure is captured in one
 * line before any rollback and returned as -EBUSY, -ENOSPC, -EROFS or
 * -EIO. */
#include "store-internal.h"
#include "tb-platform.h"
#include "tb-energy-model.h"
#include "samplers/tb-sampler-extra.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Run a single-value lookup "SELECT id FROM t WHERE col=?" (cached). */
static int find_id(tb_store *s, const char *sql, const char *key, int64_t *id)
{
    sqlite3_stmt *st = tb_store_stmt(s, sql);
    if (!st)
        return -EIO;
    if (tb_store_bind_ok(s, sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT), "lookup") < 0)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        tb_store_fail(s, "lookup");
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

/* Find-or-add inside one IMMEDIATE transaction: a second process adding
 * the same machine or build waits for the lock and then finds the row. */
static int find_or_add(tb_store *s, const char *find_sql, const char *key, const tb_row *row, int64_t *id)
{
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc;
    rc = find_id(s, find_sql, key, id);
    if (rc == -ENOENT)
        rc = tb_row_insert(s, row, 0, id);
    if (rc < 0 || tb_store_exec(s, "COMMIT", "cannot commit") < 0) {
        rc = tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

int tb_store_machine(tb_store *s, const tb_machine *m, int64_t *id)
{
    char json[8192];
    if (tb_machine_json(m, json, sizeof json) < 0) {
        snprintf(s->err, sizeof s->err, "%s: the machine description is longer than %zu bytes", s->path, sizeof json);
        return -E2BIG;
    }
    tb_row r;
    tb_row_init(&r, "machines");
    tb_row_text(&r, "fingerprint", m->fingerprint);
    tb_row_text(&r, "hostname", m->hostname);
    tb_row_text(&r, "cpu_vendor", m->vendor);
    tb_row_text(&r, "cpu_brand", m->brand);
    tb_row_opt(&r, "family", m->family);
    tb_row_opt(&r, "model", m->model);
    tb_row_opt(&r, "stepping", m->stepping);
    tb_row_text(&r, "microcode", m->microcode);
    tb_row_text(&r, "isa_flags", m->isa_flags);
    tb_row_opt(&r, "sockets", m->sockets);
    tb_row_opt(&r, "cores", m->cores);
    tb_row_opt(&r, "threads", m->threads);
    tb_row_opt(&r, "smt_on", m->smt_on);
    tb_row_opt(&r, "l1d_bytes", m->l1d);
    tb_row_opt(&r, "l1i_bytes", m->l1i);
    tb_row_opt(&r, "l2_bytes", m->l2);
    tb_row_opt(&r, "l3_bytes", m->l3);
    tb_row_opt(&r, "numa_nodes", m->numa_nodes);
    tb_row_opt(&r, "mem_bytes", m->mem_bytes);
    tb_row_text(&r, "kernel", m->kernel);
    tb_row_text(&r, "os", m->os);
    tb_row_text(&r, "hypervisor", m->hypervisor);
    tb_row_text(&r, "governor", m->governor);
    tb_row_text(&r, "boost", m->boost);
    tb_row_opt(&r, "freq_min_khz", m->freq_min_khz);
    tb_row_opt(&r, "freq_max_khz", m->freq_max_khz);
    tb_row_text(&r, "thp_mode", m->thp);
    tb_row_opt(&r, "aslr", m->aslr);
    if (m->perf_event_paranoid == -99)
        tb_row_null(&r, "perf_event_paranoid");
    else
        tb_row_int(&r, "perf_event_paranoid", m->perf_event_paranoid);
    char now[32];
    tb_plat_utc_now(now, sizeof now);
    tb_row_text(&r, "first_seen", now);
    tb_row_text(&r, "raw_json", json);
    return find_or_add(s, "SELECT id FROM machines WHERE fingerprint=?", m->fingerprint, &r, id);
}

int tb_store_build(tb_store *s, const tb_build_info *b, int64_t *id)
{
    if (!b->binary_sha256 || !*b->binary_sha256) {
        snprintf(s->err, sizeof s->err, "%s: build without a binary SHA-256", s->path);
        return -EINVAL;
    }
    tb_row r;
    tb_row_init(&r, "builds");
    tb_row_text(&r, "git_commit", b->git_commit ? b->git_commit : "unknown");
    tb_row_opt(&r, "git_dirty", b->git_dirty);
    tb_row_text(&r, "git_describe", b->git_describe);
    tb_row_text(&r, "compiler", b->compiler);
    tb_row_text(&r, "compiler_version", b->compiler_version);
    tb_row_text(&r, "cflags", b->cflags);
    tb_row_text(&r, "build_type", b->build_type);
    tb_row_text(&r, "kernel_variants", b->kernel_variants);
    tb_row_text(&r, "deps", b->deps);
    tb_row_text(&r, "tool_version", b->tool_version);
    tb_row_text(&r, "binary_sha256", b->binary_sha256);
    return find_or_add(s, "SELECT id FROM builds WHERE binary_sha256=?", b->binary_sha256, &r, id);
}

int tb_store_run_begin(tb_store *s, int64_t machine, int64_t build, const char *suite, const char *argv,
                       const char *options_json, const char *env_json, const char *host_state, int64_t *run_id)
{
    /* host_state + the writer: {...,"writer":{...}} */
    char wj[400], hs[4096];
    size_t hl = host_state ? strlen(host_state) : 0;
    if (tb_store_writer_json(wj, sizeof wj) < 0) {
        snprintf(s->err, sizeof s->err, "%s: the writer's identity is longer than %zu bytes", s->path, sizeof wj);
        return -E2BIG;
    }
    if (host_state && (hl < 2 || host_state[0] != '{' || host_state[hl - 1] != '}')) {
        snprintf(s->err, sizeof s->err, "%s: host state is not a JSON object: %.60s", s->path, host_state);
        return -EINVAL;
    }
    int n = hl > 2 ? snprintf(hs, sizeof hs, "%.*s,%s}", (int)(hl - 1), host_state, wj)
                   : snprintf(hs, sizeof hs, "{%s}", wj);
    if (n < 0 || (size_t)n >= sizeof hs) {
        snprintf(s->err, sizeof s->err, "%s: host state longer than %zu bytes", s->path, sizeof hs);
        return -E2BIG;
    }
    char now[32];
    tb_plat_utc_now(now, sizeof now);
    tb_row r;
    tb_row_init(&r, "runs");
    tb_row_int(&r, "machine_id", machine);
    tb_row_int(&r, "build_id", build);
    tb_row_text(&r, "suite", suite);
    tb_row_text(&r, "argv", argv);
    tb_row_text(&r, "options_json", options_json ? options_json : "{}");
    tb_row_text(&r, "env_json", env_json);
    tb_row_text(&r, "host_state_start", hs);
    tb_row_text(&r, "started_at", now);
    tb_row_text(&r, "status", "running");
    s->code = 0;
    if (tb_row_insert(s, &r, 0, run_id) < 0)
        return tb_store_errno(s);
    tb_store_wait_done(s);
    return 0;
}

int tb_store_run_end(tb_store *s, int64_t run_id, const char *status, const char *host_state)
{
    sqlite3_stmt *st =
        tb_store_stmt(s, "UPDATE runs SET status=?1, host_state_end=?2, ended_at=?3 WHERE id=?4");
    if (!st)
        return -EIO;
    s->code = 0;
    char now[32];
    tb_plat_utc_now(now, sizeof now);
    if (tb_store_bind_ok(s, sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT), "end run") < 0 ||
        tb_store_bind_ok(s, host_state ? sqlite3_bind_text(st, 2, host_state, -1, SQLITE_TRANSIENT)
                                       : sqlite3_bind_null(st, 2), "end run") < 0 ||
        tb_store_bind_ok(s, sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT), "end run") < 0 ||
        tb_store_bind_ok(s, sqlite3_bind_int64(st, 4, run_id), "end run") < 0)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        tb_store_fail(s, "cannot end the run");
        sqlite3_reset(st);
        return tb_store_errno(s);
    }
    int changed = sqlite3_changes(s->db);
    sqlite3_reset(st);
    tb_store_wait_done(s);
    if (changed != 1) {
        snprintf(s->err, sizeof s->err, "%s: cannot end run %lld: no such run", s->path, (long long)run_id);
        return -ENOENT;
    }
    return 0;
}

int tb_store_run_fact(tb_store *s, int64_t run_id, const char *fact, const char *reason)
{
    tb_row r;
    tb_row_init(&r, "run_facts");
    tb_row_int(&r, "run_id", run_id);
    tb_row_text(&r, "fact", fact);
    tb_row_text(&r, "reason", reason && *reason ? reason : "(no reason given)");
    s->code = 0;
    return tb_row_insert(s, &r, 1, NULL) < 0 ? tb_store_errno(s) : 0;
}

int tb_store_sampler_status(tb_store *s, int64_t run_id, const char *sampler, const tb_probe *p)
{
    tb_row r;
    tb_row_init(&r, "sampler_status");
    tb_row_int(&r, "run_id", run_id);
    tb_row_text(&r, "sampler", sampler);
    tb_row_int(&r, "available", p->state == TB_AVAIL_LIVE);
    tb_row_text(&r, "state", tb_avail_names[p->state]);
    tb_row_text(&r, "reason", p->reason);
    tb_row_text(&r, "fix", p->fix);
    tb_row_text(&r, "version", p->version);
    return tb_row_insert(s, &r, 1, NULL);
}

int tb_store_idle_baseline(tb_store *s, int64_t run_id, const tb_reading *g)
{
    tb_row r;
    tb_row_init(&r, "idle_baseline");
    tb_row_int(&r, "run_id", run_id);
    tb_row_text(&r, "source", g->sampler);
    tb_row_text(&r, "channel", g->chan.name);
    tb_row_text(&r, "domain", g->chan.domain);
    tb_row_real(&r, "watts", g->value);
    tb_row_int(&r, "window_ns", (int64_t)g->window_ns);
    tb_row_text(&r, "flag", g->flag);
    return tb_row_insert(s, &r, 1, NULL);
}

static int valid_ident(const char *n)
{
    if (!n || !*n)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

int tb_store_declare_workload(tb_store *s, const tb_workload *wl)
{
    char sql[4096], name[64];
    if (!valid_ident(wl->name)) {
        snprintf(s->err, sizeof s->err, "%s: workload name '%s' is not [a-z0-9_]+", s->path, wl->name);
        return -EINVAL;
    }
    snprintf(name, sizeof name, "v_params_%s", wl->name);
    size_t o = (size_t)snprintf(sql, sizeof sql,
                                "DROP VIEW IF EXISTS %s; CREATE VIEW %s AS SELECT c.id AS case_id, c.run_id, c.case_key,"
                                " c.backend, c.isa, c.threads, c.cache_mode, c.status",
                                name, name);
    for (int i = 0; i < wl->nparams && o < sizeof sql; i++) {
        if (!valid_ident(wl->params[i].name)) {
            snprintf(s->err, sizeof s->err, "%s: parameter '%s' of %s is not [a-z0-9_]+", s->path,
                     wl->params[i].name, wl->name);
            return -EINVAL;
        }
        o += (size_t)snprintf(sql + o, sizeof sql - o,
                              ", (SELECT value FROM case_params p WHERE p.case_id = c.id AND p.name = '%s') AS %s",
                              wl->params[i].name, wl->params[i].name);
    }
    if (o < sizeof sql)
        o += (size_t)snprintf(sql + o, sizeof sql - o, " FROM cases c WHERE c.workload = '%s'", wl->name);
    if (o >= sizeof sql) {
        snprintf(s->err, sizeof s->err, "%s: view %s: too many parameters", s->path, name);
        return -E2BIG;
    }
    char what[96];
    snprintf(what, sizeof what, "cannot create view %s", name);
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc;
    if (tb_store_exec(s, sql, what) < 0 || tb_store_exec(s, "COMMIT", what) < 0) {
        rc = tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return 0;
}

/* ---- one case ---- */

static int insert_case_row(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t *case_id)
{
    const tb_case *c = r->c;
    char ck[24];
    snprintf(ck, sizeof ck, "%016llx", (unsigned long long)r->v.checksum);
    int timed = r->nreps > 0;
    tb_row w;
    tb_row_init(&w, "cases");
    tb_row_int(&w, "run_id", run_id);
    tb_row_text(&w, "case_key", c->key);
    tb_row_text(&w, "workload", c->wl->name);
    tb_row_text(&w, "workload_version", c->wl->version);
    tb_row_text(&w, "backend", c->backend);
    tb_row_text(&w, "isa", c->isa);
    tb_row_opt(&w, "threads", c->threads);
    tb_row_text(&w, "cache_mode", tb_cache_mode_name(c->cache));
    tb_row_text(&w, "group_key", c->group);
    if (c->group[0])
        tb_row_int(&w, "is_baseline", c->baseline ? 1 : 0);
    else
        tb_row_null(&w, "is_baseline");
    tb_row_text(&w, "status", tb_status_name(r->status));
    tb_row_text(&w, "status_reason", r->status_reason);
    tb_row_opt(&w, "verified", r->v.verified);
    tb_row_text(&w, "verify_method", r->v.reason);
    tb_row_real(&w, "max_abs_err", r->v.max_abs_err);
    tb_row_real(&w, "nmse", r->v.nmse);
    tb_row_real(&w, "nmse_bound", r->v.verified < 0 ? NAN : r->v.bound);
    tb_row_text(&w, "output_checksum", r->v.verified >= 0 ? ck : NULL);
    tb_row_opt(&w, "iters_per_rep", timed ? (int64_t)r->iters : -1);
    tb_row_opt(&w, "warmup_ns", timed ? (int64_t)r->warmup_ns : -1);
    tb_row_real(&w, "clock_res_ns", r->clock_res_ns);
    tb_row_text(&w, "flags", r->flags);
    tb_row_text(&w, "flags_reason", r->flags_reason);
    tb_row_text(&w, "started_at", r->started_at);
    tb_row_text(&w, "ended_at", r->ended_at);
    return tb_row_insert(s, &w, 0, case_id);
}

static int insert_params(tb_store *s, int64_t cid, const tb_case *c)
{
    for (int i = 0; i < c->wl->nparams; i++) {
        const tb_param_decl *d = &c->wl->params[i];
        const unsigned char *p = c->params + d->offset;
        char text[256]; /* outlives the row: the binder reads it at insert */
        tb_row w;
        tb_row_init(&w, "case_params");
        tb_row_int(&w, "case_id", cid);
        tb_row_text(&w, "name", d->name);
        if (d->type == TB_PARAM_INT) {
            int64_t v;
            memcpy(&v, p, sizeof v);
            tb_row_int(&w, "value", v);
        } else if (d->type == TB_PARAM_REAL) {
            double v;
            memcpy(&v, p, sizeof v);
            tb_row_real(&w, "value", v);
        } else {
            snprintf(text, sizeof text, "%.*s", (int)(d->size < sizeof text ? d->size : sizeof text - 1),
                     (const char *)p);
            tb_row_text(&w, "value", text);
        }
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_counts(tb_store *s, int64_t cid, const tb_case_result *r)
{
    /* all zero: setup never got as far as counting */
    if (tb_counts_ops(&r->counts) == 0 && tb_counts_bytes(&r->counts) == 0)
        return 0;
    for (int k = 0; k < TB_CNT__COUNT; k++) {
        tb_row w;
        tb_row_init(&w, "counts");
        tb_row_int(&w, "case_id", cid);
        tb_row_text(&w, "quantity", tb_count_name(k));
        tb_row_real(&w, "value", r->counts.v[k]);
        tb_row_text(&w, "unit", tb_count_unit(k));
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_samples(tb_store *s, int64_t cid, const tb_case_result *r)
{
    for (int k = 0; k < r->nreps; k++) {
        const tb_rep *p = &r->reps[k];
        tb_row w;
        tb_row_init(&w, "samples");
        tb_row_int(&w, "case_id", cid);
        tb_row_int(&w, "rep", k + 1);
        tb_row_int(&w, "iters", (int64_t)p->iters);
        tb_row_int(&w, "wall_ns", (int64_t)p->wall_ns);
        tb_row_int(&w, "cpu_ns", (int64_t)p->cpu_ns);
        tb_row_int(&w, "nvcsw", p->nvcsw);
        tb_row_int(&w, "nivcsw", p->nivcsw);
        tb_row_int(&w, "minflt", p->minflt);
        tb_row_int(&w, "majflt", p->majflt);
        tb_row_opt(&w, "cpu_start", p->cpu_start);
        tb_row_opt(&w, "cpu_end", p->cpu_end);
        tb_row_opt(&w, "steal_ticks", p->steal_ticks);
        tb_row_int(&w, "round", p->round + 1);
        tb_row_text(&w, "outlier", p->outlier[0] ? p->outlier : "");
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

/* Per-step decoder timings: step numbers restart at 0 in each repetition. */
static int insert_tokens(tb_store *s, int64_t cid, const tb_case_result *r)
{
    int rep = 0;
    int64_t step = 0;
    for (int64_t i = 0; i < r->nsteps; i++) {
        if (r->step_rep[i] != rep) {
            rep = r->step_rep[i];
            step = 0;
        }
        const tb_step *t = &r->steps[i];
        tb_row w;
        tb_row_init(&w, "tokens");
        tb_row_int(&w, "case_id", cid);
        tb_row_int(&w, "rep", rep);
        tb_row_int(&w, "step", step++);
        tb_row_text(&w, "phase", t->phase == TB_STEP_PREFILL ? "prefill" : "decode");
        tb_row_int(&w, "n_tokens", t->n_tokens);
        tb_row_int(&w, "ns", t->ns);
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_stats(tb_store *s, int64_t cid, const tb_case_result *r)
{
    if (!r->have_stats)
        return 0;
    const tb_stats *t = &r->st;
    tb_row w;
    tb_row_init(&w, "stats");
    tb_row_int(&w, "case_id", cid);
    tb_row_text(&w, "metric", "ns_per_iter");
    tb_row_int(&w, "n", t->n);
    tb_row_real(&w, "min", t->min);
    tb_row_real(&w, "q1", t->q1);
    tb_row_real(&w, "median", t->median);
    tb_row_real(&w, "q3", t->q3);
    tb_row_real(&w, "max", t->max);
    tb_row_real(&w, "mean", t->mean);
    tb_row_real(&w, "stddev", t->stddev);
    tb_row_real(&w, "cv", t->cv);
    tb_row_real(&w, "mad", t->mad);
    tb_row_real(&w, "mdape", t->mdape);
    tb_row_real(&w, "ci_lo", t->ci_lo);
    tb_row_real(&w, "ci_hi", t->ci_hi);
    tb_row_real(&w, "ci_level", isnan(t->ci_lo) ? NAN : 0.95);
    tb_row_int(&w, "outliers_mild", t->outliers_tukey_mild);
    tb_row_int(&w, "outliers_severe", t->outliers_tukey_severe);
    tb_row_int(&w, "outliers_modz", t->outliers_modz);
    return tb_row_insert(s, &w, 0, NULL);
}

static int insert_metrics(tb_store *s, int64_t cid, const tb_case_result *r)
{
    for (int k = 0; k < r->nmetrics; k++) {
        tb_row w;
        tb_row_init(&w, "metrics");
        tb_row_int(&w, "case_id", cid);
        tb_row_text(&w, "name", r->metrics[k].name);
        tb_row_real(&w, "value", r->metrics[k].value);
        tb_row_text(&w, "unit", r->metrics[k].unit[0] ? r->metrics[k].unit : "-");
        tb_row_text(&w, "note", r->metrics[k].note);
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_readings(tb_store *s, int64_t cid, const tb_case_result *r)
{
    for (int k = 0; k < r->nreadings; k++) {
        const tb_reading *g = &r->readings[k];
        tb_row w;
        if (g->chan.kind == TB_CHAN_ENERGY) {
            double idle = r->reading_idle_w ? r->reading_idle_w[k] : NAN;
            tb_row_init(&w, "energy");
            tb_row_int(&w, "case_id", cid);
            tb_row_int(&w, "rep", r->reading_rep[k]);
            tb_row_text(&w, "source", g->sampler);
            tb_row_text(&w, "kind", "measured");
            tb_row_text(&w, "domain", g->chan.domain[0] ? g->chan.domain : g->chan.name);
            tb_row_real(&w, "joules", g->value);
            tb_row_int(&w, "window_ns", (int64_t)g->window_ns);
            tb_row_int(&w, "wraps", g->wraps);
            tb_row_text(&w, "per_unit", "window");
            tb_row_text(&w, "flag", g->flag);
            tb_row_real(&w, "idle_watts", idle);
            tb_row_real(&w, "joules_net",
                        isnan(idle) || isnan(g->value) ? NAN : tb_energy_net(g->value, idle, g->window_ns / 1e9));
            tb_row_text(&w, "note", g->reason[0] ? g->reason : g->chan.name); /* why a figure is missing */
            if (tb_row_insert(s, &w, 0, NULL) < 0)
                return -EIO;
        } else {
            tb_row_init(&w, "counters");
            tb_row_int(&w, "case_id", cid);
            tb_row_int(&w, "rep", r->reading_rep[k]);
            tb_row_text(&w, "sampler", g->sampler);
            tb_row_text(&w, "event", g->chan.name);
            tb_row_real(&w, "value", g->value);
            tb_row_int(&w, "raw", (int64_t)g->raw_delta);
            tb_row_text(&w, "unit", g->chan.unit[0] ? g->chan.unit : "-");
            tb_row_opt(&w, "time_enabled", g->has_times ? (int64_t)g->enabled_ns : -1);
            tb_row_opt(&w, "time_running", g->has_times ? (int64_t)g->running_ns : -1);
            tb_row_text(&w, "flag", g->flag);
            if (tb_row_insert(s, &w, 1, NULL) < 0)
                return -EIO;
        }
    }
    return 0;
}

static int insert_model_energy(tb_store *s, int64_t cid, const tb_case_result *r)
{
    if (r->status != TB_STATUS_OK || tb_counts_ops(&r->counts) <= 0)
        return 0;
    tb_model_energy m[4];
    int n = tb_energy_model(&r->counts, m, 4);
    for (int k = 0; k < n; k++) {
        char note[160];
        snprintf(note, sizeof note, "arXiv 2310.11453 Table 2 pJ/op x analytic op counts%s",
                 m[k].unpriced ? "; some counted kinds have no price and are left out" : "");
        tb_row w;
        tb_row_init(&w, "energy");
        tb_row_int(&w, "case_id", cid);
        tb_row_null(&w, "rep");
        tb_row_text(&w, "source", m[k].source);
        tb_row_text(&w, "kind", "modelled");
        tb_row_text(&w, "domain", "arith");
        tb_row_real(&w, "joules", m[k].joules);
        tb_row_text(&w, "per_unit", "iteration");
        tb_row_text(&w, "note", note);
        if (tb_row_insert(s, &w, 0, NULL) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_ratio(tb_store *s, int64_t cid, const tb_case_result *r, int64_t baseline)
{
    if (baseline <= 0 || !r->ratio.valid)
        return 0;
    tb_row w;
    tb_row_init(&w, "ratios");
    tb_row_int(&w, "case_id", cid);
    tb_row_int(&w, "baseline_case_id", baseline);
    tb_row_text(&w, "metric", "speedup");
    tb_row_real(&w, "median", r->ratio.median);
    tb_row_real(&w, "ci_lo", r->ratio.ci_lo);
    tb_row_real(&w, "ci_hi", r->ratio.ci_hi);
    tb_row_real(&w, "ci_level", isnan(r->ratio.ci_lo) ? NAN : 0.95);
    tb_row_int(&w, "n", r->ratio.n);
    char method[200];
    int m = snprintf(method, sizeof method, "per interleaved round: baseline ns/iter / case ns/iter; median, "
                     "order-statistic CI");
    if (r->ratio.scale > 0 && m > 0 && (size_t)m < sizeof method)
        snprintf(method + m, sizeof method - (size_t)m, "; x%.4g: both times scaled to the whole model "
                 "(extrapolated from --layers K)", r->ratio.scale);
    tb_row_text(&w, "method", method);
    return tb_row_insert(s, &w, 0, NULL);
}

int tb_store_case(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t baseline_case_id, int64_t *case_id)
{
    int64_t cid = 0;
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc; /* -EBUSY: nothing written, the caller keeps the case */
    if (insert_case_row(s, run_id, r, &cid) < 0 || insert_params(s, cid, r->c) < 0 || insert_counts(s, cid, r) < 0 ||
        insert_samples(s, cid, r) < 0 || insert_tokens(s, cid, r) < 0 || insert_stats(s, cid, r) < 0 ||
        insert_metrics(s, cid, r) < 0 ||
        insert_readings(s, cid, r) < 0 || insert_model_energy(s, cid, r) < 0 ||
        insert_ratio(s, cid, r, baseline_case_id) < 0)
        goto fail;
    if (tb_store_exec(s, "COMMIT", "cannot commit the case") < 0)
        goto fail;
    if (case_id)
        *case_id = cid;
    return 0;
fail:
    /* s->err already holds the first failure; a rollback error must not replace it */
    rc = tb_store_errno(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* binds v as text, NULL when empty (as tb_row_text writes it) */
static int bind_text_or_null(tb_store *s, sqlite3_stmt *st, int i, const char *v, const char *what)
{
    return tb_store_bind_ok(s, v && *v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i),
                            what);
}

static int step_done(tb_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        tb_store_fail(s, what); /* before the reset: SQLite's message for this step */
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int tb_store_case_derived(tb_store *s, int64_t case_id, const tb_case_result *r)
{
    int rc = tb_store_begin(s);
    if (rc < 0)
        return rc; /* -EBUSY: nothing written */
    const char *what = "cannot replace a case's derived figures";
    sqlite3_stmt *up = tb_store_stmt(s, "UPDATE cases SET flags=?1, flags_reason=?2 WHERE id=?3");
    if (!up || bind_text_or_null(s, up, 1, r->flags, what) < 0 || bind_text_or_null(s, up, 2, r->flags_reason, what) < 0 ||
        tb_store_bind_ok(s, sqlite3_bind_int64(up, 3, case_id), what) < 0 || step_done(s, up, what) < 0)
        goto fail;
    if (sqlite3_changes(s->db) != 1) {
        snprintf(s->err, sizeof s->err, "%s: cannot update case %lld: no such case", s->path, (long long)case_id);
        s->code = SQLITE_NOTFOUND;
        goto fail;
    }
    sqlite3_stmt *del = tb_store_stmt(s, "DELETE FROM metrics WHERE case_id=?1");
    if (!del || tb_store_bind_ok(s, sqlite3_bind_int64(del, 1, case_id), what) < 0 || step_done(s, del, what) < 0 ||
        insert_metrics(s, case_id, r) < 0)
        goto fail;
    if (tb_store_exec(s, "COMMIT", "cannot commit the case's derived figures") < 0)
        goto fail;
    tb_store_wait_done(s);
    return 0;
fail:
    rc = s->code == SQLITE_NOTFOUND ? -ENOENT : tb_store_errno(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
