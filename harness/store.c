/* store.c - SQLite result store (see tb-store.h and results/schema.sql).
 * Safety: a database is inspected read-only first; only a fresh file or
 * one of ours at a version we know is ever written.  WAL, foreign keys,
 * busy timeout 5 s.  Every case is one transaction: a killed writer leaves
 * whole cases or nothing. */
#include "tb-store.h"
#include "tb-json.h"
#include "samplers/tb-sampler-extra.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const char tb_schema_sql[];

struct tb_store {
    sqlite3 *db;
};

sqlite3 *tb_store_db(tb_store *s) { return s->db; }
const char *tb_store_errmsg(tb_store *s) { return sqlite3_errmsg(s->db); }

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int query_int(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : (rc == SQLITE_DONE ? -ENOENT : -EIO);
}

/* Inspect without writing: 0 = ours at a known version, 1 = empty (new),
 * negative = refuse (reason in err). */
static int inspect(sqlite3 *db, const char *path, char *err, int errlen)
{
    int64_t uv = 0, ntables = 0, app = 0;
    if (query_int(db, "PRAGMA user_version", &uv) < 0) {
        snprintf(err, (size_t)errlen, "%s: not a SQLite database (%s)", path, sqlite3_errmsg(db));
        return -EINVAL;
    }
    if (query_int(db, "SELECT count(*) FROM sqlite_master", &ntables) < 0) {
        snprintf(err, (size_t)errlen, "%s: not a SQLite database (%s)", path, sqlite3_errmsg(db));
        return -EINVAL;
    }
    if (ntables == 0 && uv == 0)
        return 1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key='application' AND value='" TB_STORE_APP "'",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            app = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (!app) {
        snprintf(err, (size_t)errlen, "%s: not a tritbench database (no tritbench meta row); refusing to touch it", path);
        return -EINVAL;
    }
    if (uv > TB_SCHEMA_VERSION) {
        snprintf(err, (size_t)errlen,
                 "%s: schema version %lld is newer than this tritbench understands (%d); upgrade tritbench",
                 path, (long long)uv, TB_SCHEMA_VERSION);
        return -EPROTO;
    }
    if (uv < 1) {
        snprintf(err, (size_t)errlen, "%s: schema version %lld is unknown; refusing to touch it", path, (long long)uv);
        return -EPROTO;
    }
    return 0;
}

static int open_common(const char *path, int readonly, tb_store **out, char *err, int errlen)
{
    *out = NULL;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (readonly && !exists) {
        snprintf(err, (size_t)errlen, "%s: no such database", path);
        return -ENOENT;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        snprintf(err, (size_t)errlen, "%s: not a regular file", path);
        return -EINVAL;
    }
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, (size_t)errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -EIO;
    }
    sqlite3_busy_timeout(db, 5000);
    int st = inspect(db, path, err, errlen);
    if (st < 0 || (readonly && st == 1)) {
        if (st == 1)
            snprintf(err, (size_t)errlen, "%s: empty database (no tritbench results yet)", path);
        sqlite3_close(db);
        return st < 0 ? st : -ENOENT;
    }
    if (!readonly) {
        if (exec(db, "PRAGMA journal_mode=WAL") < 0 || exec(db, "PRAGMA foreign_keys=ON") < 0) {
            snprintf(err, (size_t)errlen, "%s: cannot configure: %s", path, sqlite3_errmsg(db));
            sqlite3_close(db);
            return -EIO;
        }
        if (st == 1) {
            if (exec(db, "BEGIN") < 0 || exec(db, tb_schema_sql) < 0 ||
                exec(db, "INSERT INTO meta VALUES('application','" TB_STORE_APP "')") < 0) {
                snprintf(err, (size_t)errlen, "%s: cannot create schema: %s", path, sqlite3_errmsg(db));
                exec(db, "ROLLBACK");
                sqlite3_close(db);
                return -EIO;
            }
            char pv[64];
            snprintf(pv, sizeof pv, "PRAGMA user_version=%d", TB_SCHEMA_VERSION);
            if (exec(db, pv) < 0 || exec(db, "COMMIT") < 0) {
                snprintf(err, (size_t)errlen, "%s: cannot create schema: %s", path, sqlite3_errmsg(db));
                exec(db, "ROLLBACK");
                sqlite3_close(db);
                return -EIO;
            }
        }
    }
    tb_store *s = calloc(1, sizeof *s);
    if (!s) {
        sqlite3_close(db);
        return -ENOMEM;
    }
    s->db = db;
    *out = s;
    return 0;
}

int tb_store_open(const char *path, tb_store **out, char *err, int errlen)
{
    return open_common(path, 0, out, err, errlen);
}

int tb_store_open_readonly(const char *path, tb_store **out, char *err, int errlen)
{
    return open_common(path, 1, out, err, errlen);
}

void tb_store_close(tb_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

/* Bind helpers: strings NULL-able, doubles NULL when NAN, ints NULL when < 0. */
static void b_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}
static void b_real(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}
static void b_opt(sqlite3_stmt *st, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

int tb_store_machine(tb_store *s, const tb_machine *m, int64_t *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM machines WHERE fingerprint=?", -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    b_text(st, 1, m->fingerprint);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    const char *sql =
        "INSERT INTO machines(fingerprint,hostname,cpu_vendor,cpu_brand,family,model,stepping,microcode,"
        "isa_flags,sockets,cores,threads,smt_on,l1d_bytes,l1i_bytes,l2_bytes,l3_bytes,numa_nodes,mem_bytes,"
        "kernel,os,hypervisor,governor,boost,freq_min_khz,freq_max_khz,thp_mode,aslr,perf_event_paranoid,"
        "first_seen,raw_json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
        "strftime('%Y-%m-%dT%H:%M:%SZ','now'),?)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    char json[4096];
    tb_machine_json(m, json, sizeof json);
    int i = 1;
    b_text(st, i++, m->fingerprint);
    b_text(st, i++, m->hostname);
    b_text(st, i++, m->vendor);
    b_text(st, i++, m->brand);
    b_opt(st, i++, m->family);
    b_opt(st, i++, m->model);
    b_opt(st, i++, m->stepping);
    b_text(st, i++, m->microcode[0] ? m->microcode : NULL);
    b_text(st, i++, m->isa_flags);
    b_opt(st, i++, m->sockets);
    b_opt(st, i++, m->cores);
    b_opt(st, i++, m->threads);
    b_opt(st, i++, m->smt_on);
    b_opt(st, i++, m->l1d);
    b_opt(st, i++, m->l1i);
    b_opt(st, i++, m->l2);
    b_opt(st, i++, m->l3);
    b_opt(st, i++, m->numa_nodes);
    b_opt(st, i++, m->mem_bytes);
    b_text(st, i++, m->kernel);
    b_text(st, i++, m->os[0] ? m->os : NULL);
    b_text(st, i++, m->hypervisor);
    b_text(st, i++, m->governor[0] ? m->governor : NULL);
    b_text(st, i++, m->boost[0] ? m->boost : NULL);
    b_opt(st, i++, m->freq_min_khz);
    b_opt(st, i++, m->freq_max_khz);
    b_text(st, i++, m->thp[0] ? m->thp : NULL);
    b_opt(st, i++, m->aslr);
    if (m->perf_event_paranoid == -99)
        sqlite3_bind_null(st, i++);
    else
        sqlite3_bind_int(st, i++, m->perf_event_paranoid);
    b_text(st, i++, json);
    if (step_done(st) < 0)
        return -EIO;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int tb_store_build(tb_store *s, const tb_build_info *b, int64_t *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM builds WHERE binary_sha256=?", -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    b_text(st, 1, b->binary_hash);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO builds(git_commit,git_dirty,git_describe,compiler,compiler_version,cflags,"
                           "build_type,isa_variants,deps,tool_version,binary_sha256) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    b_text(st, 1, b->git_commit);
    b_opt(st, 2, b->git_dirty);
    b_text(st, 3, b->git_describe);
    b_text(st, 4, b->compiler);
    b_text(st, 5, b->compiler_version);
    b_text(st, 6, b->cflags);
    b_text(st, 7, b->build_type);
    b_text(st, 8, b->isa_variants);
    b_text(st, 9, b->deps);
    b_text(st, 10, b->tool_version);
    b_text(st, 11, b->binary_hash);
    if (step_done(st) < 0)
        return -EIO;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int tb_store_run_begin(tb_store *s, int64_t machine, int64_t build, const char *suite, const char *argv,
                       const char *options_json, const char *env_json, const char *host_state, int64_t *run_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO runs(machine_id,build_id,suite,argv,options_json,env_json,host_state_start,"
                           "started_at) VALUES(?,?,?,?,?,?,?,strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, machine);
    sqlite3_bind_int64(st, 2, build);
    b_text(st, 3, suite);
    b_text(st, 4, argv);
    b_text(st, 5, options_json);
    b_text(st, 6, env_json);
    b_text(st, 7, host_state);
    if (step_done(st) < 0)
        return -EIO;
    *run_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int tb_store_run_end(tb_store *s, int64_t run_id, const char *status, const char *host_state)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET status=?, host_state_end=?, "
                           "ended_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    b_text(st, 1, status);
    b_text(st, 2, host_state);
    sqlite3_bind_int64(st, 3, run_id);
    return step_done(st);
}

int tb_store_sampler_status(tb_store *s, int64_t run_id, const char *sampler, const tb_probe *p)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO sampler_status(run_id,sampler,available,state,reason,fix,version)"
                           " VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, run_id);
    b_text(st, 2, sampler);
    sqlite3_bind_int(st, 3, p->state == TB_AVAIL_LIVE);
    b_text(st, 4, tb_avail_names[p->state]);
    b_text(st, 5, p->reason[0] ? p->reason : NULL);
    b_text(st, 6, p->fix[0] ? p->fix : NULL);
    b_text(st, 7, p->version[0] ? p->version : NULL);
    return step_done(st);
}

int tb_store_idle_baseline(tb_store *s, int64_t run_id, const tb_reading *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO idle_baseline(run_id,source,channel,domain,watts,window_ns,flag)"
                           " VALUES(?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, run_id);
    b_text(st, 2, r->sampler);
    b_text(st, 3, r->chan.name);
    b_text(st, 4, r->chan.domain[0] ? r->chan.domain : NULL);
    b_real(st, 5, r->value);
    sqlite3_bind_int64(st, 6, (int64_t)r->window_ns);
    b_text(st, 7, r->flag[0] ? r->flag : NULL);
    return step_done(st);
}

static int insert_case_row(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t *case_id)
{
    const tb_case *c = r->c;
    sqlite3_stmt *st;
    const char *sql =
        "INSERT INTO cases(run_id,case_key,workload,workload_version,backend,format,isa,model,shape,m,n,k,"
        "threads,batch,params_json,status,status_reason,verified,verify_method,max_abs_err,nmse,nmse_bound,"
        "ref_checksum,iters_per_rep,warmup_ns,clock_res_ns,ops_int8_add,ops_int8_mul,ops_fp16_add,"
        "ops_fp16_mul,ops_fp32_add,ops_fp32_mul,bytes_weights,bytes_acts,bytes_out,flags,flags_reason,"
        "started_at,ended_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    int i = 1;
    char ck[24];
    sqlite3_bind_int64(st, i++, run_id);
    b_text(st, i++, c->key);
    b_text(st, i++, c->wl->name);
    b_text(st, i++, c->wl->version);
    b_text(st, i++, c->backend[0] ? c->backend : NULL);
    b_text(st, i++, c->format[0] ? c->format : NULL);
    b_text(st, i++, c->isa[0] ? c->isa : NULL);
    b_text(st, i++, c->model[0] ? c->model : NULL);
    b_text(st, i++, c->shape[0] ? c->shape : NULL);
    b_opt(st, i++, c->m);
    b_opt(st, i++, c->n);
    b_opt(st, i++, c->k);
    b_opt(st, i++, c->threads);
    b_opt(st, i++, c->batch);
    b_text(st, i++, c->params[0] ? c->params : NULL);
    b_text(st, i++, r->status);
    b_text(st, i++, r->status_reason[0] ? r->status_reason : NULL);
    b_opt(st, i++, r->v.verified);
    b_text(st, i++, r->v.reason[0] ? r->v.reason : NULL);
    b_real(st, i++, r->v.max_abs_err);
    b_real(st, i++, r->v.nmse);
    b_real(st, i++, r->v.verified < 0 ? NAN : r->v.bound);
    snprintf(ck, sizeof ck, "%016llx", (unsigned long long)r->v.checksum);
    b_text(st, i++, r->v.verified >= 0 ? ck : NULL);
    b_opt(st, i++, r->nreps ? (int64_t)r->iters : -1);
    b_opt(st, i++, r->nreps ? (int64_t)r->warmup_ns : -1);
    b_real(st, i++, r->clock_res_ns);
    int counted = strcmp(r->status, "ok") == 0 || strcmp(r->status, "wrong") == 0;
    for (int k = 0; k < TB_OP__COUNT; k++)
        b_real(st, i++, counted ? r->counts.ops[k] : NAN);
    b_real(st, i++, counted ? r->counts.bytes_weights : NAN);
    b_real(st, i++, counted ? r->counts.bytes_acts : NAN);
    b_real(st, i++, counted ? r->counts.bytes_out : NAN);
    b_text(st, i++, r->flags[0] ? r->flags : NULL);
    b_text(st, i++, r->flags_reason[0] ? r->flags_reason : NULL);
    b_text(st, i++, r->started_at);
    b_text(st, i++, r->ended_at);
    if (step_done(st) < 0)
        return -EIO;
    *case_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

static int insert_samples(tb_store *s, int64_t cid, const tb_case_result *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO samples(case_id,rep,iters,wall_ns,cpu_ns,nvcsw,nivcsw,minflt,majflt,"
                           "cpu_start,cpu_end,steal_ticks,outlier) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    for (int k = 0; k < r->nreps; k++) {
        const tb_rep *p = &r->reps[k];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, cid);
        sqlite3_bind_int(st, 2, k + 1);
        sqlite3_bind_int64(st, 3, (int64_t)p->iters);
        sqlite3_bind_int64(st, 4, (int64_t)p->wall_ns);
        sqlite3_bind_int64(st, 5, (int64_t)p->cpu_ns);
        sqlite3_bind_int64(st, 6, p->nvcsw);
        sqlite3_bind_int64(st, 7, p->nivcsw);
        sqlite3_bind_int64(st, 8, p->minflt);
        sqlite3_bind_int64(st, 9, p->majflt);
        b_opt(st, 10, p->cpu_start);
        b_opt(st, 11, p->cpu_end);
        b_opt(st, 12, p->steal_ticks);
        b_text(st, 13, p->outlier);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(st);
            return -EIO;
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static int insert_stats(tb_store *s, int64_t cid, const tb_case_result *r)
{
    if (!r->have_stats)
        return 0;
    const tb_stats *t = &r->st;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO stats(case_id,metric,n,min,q1,median,q3,max,mean,stddev,cv,mad,mdape,"
                           "ci_lo,ci_hi,ci_level,outliers_mild,outliers_severe,outliers_modz)"
                           " VALUES(?,'ns_per_iter',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    int i = 1;
    sqlite3_bind_int64(st, i++, cid);
    sqlite3_bind_int(st, i++, t->n);
    b_real(st, i++, t->min);
    b_real(st, i++, t->q1);
    b_real(st, i++, t->median);
    b_real(st, i++, t->q3);
    b_real(st, i++, t->max);
    b_real(st, i++, t->mean);
    b_real(st, i++, t->stddev);
    b_real(st, i++, t->cv);
    b_real(st, i++, t->mad);
    b_real(st, i++, t->mdape);
    b_real(st, i++, t->ci_lo);
    b_real(st, i++, t->ci_hi);
    b_real(st, i++, isnan(t->ci_lo) ? NAN : 0.95);
    sqlite3_bind_int(st, i++, t->outliers_tukey_mild);
    sqlite3_bind_int(st, i++, t->outliers_tukey_severe);
    sqlite3_bind_int(st, i++, t->outliers_modz);
    return step_done(st);
}

static int insert_metrics(tb_store *s, int64_t cid, const tb_case_result *r)
{
    for (int k = 0; k < r->nmetrics; k++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO metrics(case_id,name,value,unit,note) VALUES(?,?,?,?,?)",
                               -1, &st, NULL) != SQLITE_OK)
            return -EIO;
        sqlite3_bind_int64(st, 1, cid);
        b_text(st, 2, r->metrics[k].name);
        b_real(st, 3, r->metrics[k].value);
        b_text(st, 4, r->metrics[k].unit);
        b_text(st, 5, r->metrics[k].note[0] ? r->metrics[k].note : NULL);
        if (step_done(st) < 0)
            return -EIO;
    }
    return 0;
}

static int insert_readings(tb_store *s, int64_t cid, const tb_case_result *r)
{
    for (int k = 0; k < r->nreadings; k++) {
        const tb_reading *g = &r->readings[k];
        sqlite3_stmt *st;
        int rc;
        if (g->chan.kind == TB_CHAN_ENERGY) {
            rc = sqlite3_prepare_v2(s->db,
                                    "INSERT INTO energy(case_id,rep,source,kind,domain,joules,window_ns,wraps,"
                                    "per_unit,flag,idle_watts,joules_net,note) VALUES(?,?,?,'measured',?,?,?,?,'window',?,?,?,?)",
                                    -1, &st, NULL);
            if (rc != SQLITE_OK)
                return -EIO;
            sqlite3_bind_int64(st, 1, cid);
            sqlite3_bind_int(st, 2, r->reading_rep[k]);
            b_text(st, 3, g->sampler);
            b_text(st, 4, g->chan.domain[0] ? g->chan.domain : g->chan.name);
            b_real(st, 5, g->value);
            sqlite3_bind_int64(st, 6, (int64_t)g->window_ns);
            sqlite3_bind_int(st, 7, g->wraps);
            b_text(st, 8, g->flag[0] ? g->flag : NULL);
            double idle = r->reading_idle_w ? r->reading_idle_w[k] : NAN;
            b_real(st, 9, idle);
            b_real(st, 10, isnan(idle) || isnan(g->value) ? NAN : tb_energy_net(g->value, idle, g->window_ns / 1e9));
            b_text(st, 11, g->chan.name);
        } else {
            rc = sqlite3_prepare_v2(s->db,
                                    "INSERT OR REPLACE INTO counters(case_id,rep,sampler,event,value,raw,unit,"
                                    "time_enabled,time_running,flag) VALUES(?,?,?,?,?,?,?,?,?,?)",
                                    -1, &st, NULL);
            if (rc != SQLITE_OK)
                return -EIO;
            sqlite3_bind_int64(st, 1, cid);
            sqlite3_bind_int(st, 2, r->reading_rep[k]);
            b_text(st, 3, g->sampler);
            b_text(st, 4, g->chan.name);
            b_real(st, 5, g->value);
            sqlite3_bind_int64(st, 6, (int64_t)g->raw_delta);
            b_text(st, 7, g->chan.unit);
            b_opt(st, 8, g->enabled_ns ? (int64_t)g->enabled_ns : -1);
            b_opt(st, 9, g->enabled_ns ? (int64_t)g->running_ns : -1);
            b_text(st, 10, g->flag[0] ? g->flag : NULL);
        }
        if (step_done(st) < 0)
            return -EIO;
    }
    for (int k = 0; k < r->nmodel; k++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO energy(case_id,rep,source,kind,domain,joules,per_unit,note)"
                               " VALUES(?,NULL,?,'modelled','arith',?,'iteration',?)",
                               -1, &st, NULL) != SQLITE_OK)
            return -EIO;
        sqlite3_bind_int64(st, 1, cid);
        b_text(st, 2, r->model[k].source);
        b_real(st, 3, r->model[k].joules);
        b_text(st, 4, "arXiv 2310.11453 Table 2 pJ/op x analytic op counts");
        if (step_done(st) < 0)
            return -EIO;
    }
    return 0;
}

int tb_store_case(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t *case_id)
{
    int64_t cid = 0;
    if (exec(s->db, "BEGIN IMMEDIATE") < 0)
        return -EIO;
    if (insert_case_row(s, run_id, r, &cid) < 0 || insert_samples(s, cid, r) < 0 || insert_stats(s, cid, r) < 0 ||
        insert_metrics(s, cid, r) < 0 || insert_readings(s, cid, r) < 0)
        goto fail;
    if (exec(s->db, "COMMIT") < 0)
        goto fail;
    if (case_id)
        *case_id = cid;
    return 0;
fail:
    exec(s->db, "ROLLBACK");
    return -EIO;
}
