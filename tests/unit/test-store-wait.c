/* test-store-wait.c - another process's lock never costs a measured case:
 * a case store waits out a lock held longer than SQLite's usual timeout,
 * tells the user once after TB_STORE_NOTICE_S and again when the lock is
 * had; when the lock outlasts the store's wait the write fails with
 * -EBUSY, names the lock, writes nothing, and run-store.c keeps the
 * results in memory (baseline first, ratios intact) until a later flush
 * stores them. */
#include "tb-run.h"
#include "tb-store.h"
#include "tb-test.h"
#include "tb-test-db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void noop_run(void *c, uint64_t n) { (void)c; (void)n; }
static const tb_workload wl = {.name = "unit", .version = "1", .key_name = "u", .run = noop_run};

static char g_notes[4][300];
static int g_nnotes;
static void capture(void *ctx, const char *line)
{
    (void)ctx;
    if (g_nnotes < 4)
        snprintf(g_notes[g_nnotes], sizeof g_notes[0], "%s", line);
    g_nnotes++;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A second connection (its own lock, as another process) holding the
 * write lock for hold_s. */
typedef struct holder { const char *path; double hold_s; volatile int locked; } holder;
static void *hold_lock(void *arg)
{
    holder *h = arg;
    sqlite3 *db = NULL;
    sqlite3_open_v2(h->path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) == SQLITE_OK)
        h->locked = 1;
    struct timespec ts = {(time_t)h->hold_s, (long)((h->hold_s - (time_t)h->hold_s) * 1e9)};
    nanosleep(&ts, NULL);
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    sqlite3_close(db);
    return NULL;
}

static void result(tb_case_result *r, const tb_case *c)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->status = TB_STATUS_OK;
    r->v.verified = -1;
    r->v.max_abs_err = r->v.nmse = NAN;
    r->clock_res_ns = 1;
    r->nreps = 1;
    r->reps = calloc(1, sizeof *r->reps);
    r->reps[0].iters = 10;
    r->reps[0].wall_ns = 1000;
}

int main(void)
{
    char dir[] = "/tmp/tb-store-wait-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/w.db", dir);
    tb_store *s = NULL;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    tb_machine m;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    tb_build_info b = {.git_commit = "abc", .binary_sha256 = "ab12"};
    int64_t mid, bid, rid;
    CHECK(tb_store_machine(s, &m, &mid) == 0 && tb_store_build(s, &b, &bid) == 0);
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "tritbench run quick", "{}", "{}", "{}", &rid) == 0);

    /* three cases: a group of two (baseline first in storing order) and one alone */
    tb_caselist cl = {0};
    tb_case c = {.wl = &wl, .threads = 1};
    snprintf(c.group, sizeof c.group, "u/g");
    snprintf(c.key, sizeof c.key, "u/fast");
    tb_caselist_push(&cl, &c);
    c.baseline = 1;
    snprintf(c.key, sizeof c.key, "u/base");
    tb_caselist_push(&cl, &c);
    c.baseline = 0;
    c.group[0] = 0;
    snprintf(c.key, sizeof c.key, "u/alone");
    tb_caselist_push(&cl, &c);
    CHECK(cl.n == 3 && tb_run_group_len(&cl, 0) == 2 && tb_run_group_len(&cl, 2) == 1);

    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);

    /* 1. a lock held past the wait: -EBUSY, named, nothing written */
    tb_store_set_wait(s, 0.5, capture, NULL);
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) == SQLITE_OK);
    tb_case_result r;
    result(&r, &cl.v[2]);
    double t0 = now_s();
    CHECK(tb_store_case(s, rid, &r, 0, NULL) == -EBUSY);
    CHECK(now_s() - t0 >= 0.45 && now_s() - t0 < 5);
    CHECK(strstr(tb_store_errmsg(s), "held the database lock for more than") != NULL);
    CHECK(strstr(tb_store_errmsg(s), path) != NULL);
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    CHECK(q(db, "SELECT count(*) FROM cases") == 0);
    CHECK(g_nnotes == 0); /* under TB_STORE_NOTICE_S: no notice */
    tb_case_result_free(&r);

    /* 2. run-store.c keeps the measured cases while the lock is held and
     * stores them, baseline first, once it frees */
    tb_run_session ss = {.store = s, .run_id = rid};
    tb_run_pending p;
    CHECK(tb_run_pending_init(&p, &cl) == 0);
    for (int i = 0; i < 3; i++)
        result(&p.res[i], &cl.v[i]);
    p.res[0].ratio = (tb_ratio){.valid = 1, .n = 1, .median = 2.0, .ci_lo = NAN, .ci_hi = NAN};
    p.measured = 3;
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) == SQLITE_OK);
    CHECK(tb_run_flush(&ss, &p) == -EBUSY);
    CHECK(p.next == 0 && ss.stored == 0 && p.res[0].reps != NULL && p.res[2].reps != NULL);
    CHECK(tb_run_flush(&ss, &p) == -EBUSY); /* still held: still kept */
    sqlite3_exec(db, "COMMIT", 0, 0, 0);
    CHECK(q(db, "SELECT count(*) FROM cases") == 0);
    CHECK(tb_run_flush(&ss, &p) == 0);
    CHECK(p.next == 3 && ss.stored == 3 && p.res[0].reps == NULL);
    CHECK(q(db, "SELECT count(*) FROM cases") == 3);
    CHECK(q(db, "SELECT count(*) FROM samples") == 3);
    CHECK(q(db, "SELECT min(id) FROM cases WHERE case_key='u/base'") == 1); /* the baseline first */
    CHECK(q(db, "SELECT count(*) FROM ratios q JOIN cases c ON c.id=q.case_id JOIN cases b ON b.id=q.baseline_case_id"
                " WHERE c.case_key='u/fast' AND b.case_key='u/base'") == 1);
    tb_run_pending_free(&p);

    /* 3. a lock held past SQLite's usual timeout but within the wait: the
     * case waits, the user is told after TB_STORE_NOTICE_S and when it
     * ends, and the case is stored */
    tb_store_set_wait(s, 60, capture, NULL);
    holder h = {.path = path, .hold_s = TB_STORE_NOTICE_S + 0.7};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, hold_lock, &h) == 0);
    while (!h.locked)
        usleep(1000);
    result(&r, &cl.v[2]);
    snprintf(cl.v[2].key, sizeof cl.v[2].key, "u/waited");
    t0 = now_s();
    CHECK(tb_store_case(s, rid, &r, 0, NULL) == 0);
    CHECK(now_s() - t0 >= TB_STORE_NOTICE_S);
    pthread_join(th, NULL);
    CHECK(g_nnotes == 2);
    CHECK(strstr(g_notes[0], "held the database lock for 5 s") != NULL);
    CHECK(strstr(g_notes[0], "waiting up to 60 s") != NULL);
    CHECK(strstr(g_notes[1], "lock acquired after") != NULL);
    CHECK(q(db, "SELECT count(*) FROM cases WHERE case_key='u/waited'") == 1);
    tb_case_result_free(&r);

    CHECK(tb_store_run_end(s, rid, "ok", "{}") == 0);
    tb_store_close(s);
    sqlite3_close(db);
    tb_caselist_free(&cl);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
