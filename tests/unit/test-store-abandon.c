/* test-store-abandon.c - runs left 'running' by a writer that is gone are
 * recognised by the next writing open: a dead pid, a zombie, a pid now
 * owned by another process (other start time) and a run from before a
 * restart (other boot id) are marked 'interrupted' with an 'abandoned'
 * run fact saying why; a live writer's run, runs from another host or pid
 * namespace, runs without a writer identity and finished runs are left
 * alone; a second open finds nothing more to do. */
#define _GNU_SOURCE
#include "tb-machine.h"
#include "tb-store.h"
#include "tb-test.h"
#include "tb-test-db.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_host[72], g_ns[48], g_boot[48];

static void first_line(const char *path, char *buf, size_t len)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = 0;
        fclose(f);
    }
}

static unsigned long long start_ticks(long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    first_line(path, line, sizeof line);
    char *p = strrchr(line, ')');
    if (!p)
        return 0;
    p += 2;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

/* A run row written as another writer would have written it. */
static int64_t add_run(sqlite3 *db, const char *status, long pid, unsigned long long start, const char *boot,
                       const char *host, const char *ns)
{
    char hs[512], sql[1024];
    if (pid)
        snprintf(hs, sizeof hs,
                 "{\"loadavg1\":0.5,\"writer\":{\"pid\":%ld,\"start\":%llu,\"boot\":\"%s\",\"host\":\"%s\","
                 "\"pidns\":\"%s\"}}",
                 pid, start, boot, host, ns);
    else
        snprintf(hs, sizeof hs, "{\"loadavg1\":0.5}");
    snprintf(sql, sizeof sql,
             "INSERT INTO runs(machine_id, build_id, suite, argv, options_json, host_state_start, started_at, status)"
             " VALUES(1, 1, 'quick', 'tritbench run quick', '{}', '%s', '2026-01-01T00:00:00Z', '%s')",
             hs, status);
    if (sqlite3_exec(db, sql, 0, 0, 0) != SQLITE_OK) {
        fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    return sqlite3_last_insert_rowid(db);
}

static const char *status_of(sqlite3 *db, int64_t id)
{
    static char out[32];
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id=%lld", (long long)id);
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static int fact_like(sqlite3 *db, int64_t id, const char *pattern)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM run_facts WHERE run_id=%lld AND fact='abandoned' AND reason LIKE '%s'",
             (long long)id, pattern);
    return q(db, sql) == 1;
}

int main(void)
{
    char dir[] = "/tmp/tb-store-abandon-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/a.db", dir);
    gethostname(g_host, sizeof g_host - 1);
    ssize_t n = readlink("/proc/self/ns/pid", g_ns, sizeof g_ns - 1);
    g_ns[n > 0 ? n : 0] = 0;
    first_line("/proc/sys/kernel/random/boot_id", g_boot, sizeof g_boot);
    if (!g_boot[0] || !g_ns[0] || strchr(g_host, '"')) {
        fprintf(stderr, "no boot id, pid namespace or a plain host name here: skipped\n");
        return 77;
    }

    tb_store *s = NULL;
    CHECK(tb_store_open(path, &s, err, sizeof err) == 0);
    CHECK(tb_store_reaped(s) == 0);
    tb_machine m;
    tb_machine_probe_at(&m, TB_FIXTURES "/machine/client/proc", TB_FIXTURES "/machine/client/sys");
    tb_build_info b = {.git_commit = "abc", .binary_sha256 = "ab12"};
    int64_t mid, bid, live;
    CHECK(tb_store_machine(s, &m, &mid) == 0 && tb_store_build(s, &b, &bid) == 0);
    /* this process's own run: host state gains the writer */
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "tritbench run quick", "{}", "{}", "{\"loadavg1\":1}", &live) == 0);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char like[160];
    snprintf(like, sizeof like, "SELECT count(*) FROM runs WHERE id=%lld AND host_state_start LIKE "
             "'{\"loadavg1\":1,\"writer\":{\"pid\":%ld,%%'", (long long)live, (long)getpid());
    CHECK(q(db, like) == 1);

    /* a dead writer: a child that has exited and been reaped */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    unsigned long long dead_start = start_ticks(dead);
    waitpid(dead, NULL, 0);
    /* a zombie: exited, not yet waited for */
    pid_t zombie = fork();
    if (zombie == 0)
        _exit(0);
    unsigned long long zombie_start = start_ticks(zombie);
    /* a live writer: a child that waits to be killed */
    pid_t sleeper = fork();
    if (sleeper == 0) {
        pause();
        _exit(0);
    }
    usleep(100000);
    long me = (long)getpid(), other = (long)sleeper;
    unsigned long long my_start = start_ticks(me), other_start = start_ticks(other);

    int64_t r_dead = add_run(db, "running", dead, dead_start, g_boot, g_host, g_ns);
    int64_t r_zombie = add_run(db, "running", zombie, zombie_start, g_boot, g_host, g_ns);
    int64_t r_reused = add_run(db, "running", other, other_start + 12345, g_boot, g_host, g_ns);
    int64_t r_reboot = add_run(db, "running", me, my_start, "00000000-0000-0000-0000-000000000000", g_host, g_ns);
    int64_t r_alive = add_run(db, "running", other, other_start, g_boot, g_host, g_ns);
    int64_t r_other_host = add_run(db, "running", dead, dead_start, g_boot, "elsewhere.example", g_ns);
    int64_t r_other_ns = add_run(db, "running", dead, dead_start, g_boot, g_host, "pid:[1]");
    int64_t r_no_writer = add_run(db, "running", 0, 0, "", "", "");
    int64_t r_finished = add_run(db, "ok", dead, dead_start, g_boot, g_host, g_ns);

    tb_store *s2 = NULL;
    CHECK(tb_store_open(path, &s2, err, sizeof err) == 0);
    CHECK(tb_store_reaped(s2) == 4);
    CHECK(!strcmp(status_of(db, r_dead), "interrupted") && fact_like(db, r_dead, "%killed, crashed%"));
    CHECK(!strcmp(status_of(db, r_zombie), "interrupted") && fact_like(db, r_zombie, "%has exited%"));
    CHECK(!strcmp(status_of(db, r_reused), "interrupted") && fact_like(db, r_reused, "%pid now belongs to another%"));
    CHECK(!strcmp(status_of(db, r_reboot), "interrupted") && fact_like(db, r_reboot, "%machine restarted%"));
    CHECK(!strcmp(status_of(db, live), "running"));
    CHECK(!strcmp(status_of(db, r_alive), "running"));
    CHECK(!strcmp(status_of(db, r_other_host), "running"));
    CHECK(!strcmp(status_of(db, r_other_ns), "running"));
    CHECK(!strcmp(status_of(db, r_no_writer), "running"));
    CHECK(!strcmp(status_of(db, r_finished), "ok"));
    CHECK(q(db, "SELECT count(*) FROM run_facts WHERE fact='abandoned'") == 4);
    CHECK(q(db, "SELECT count(*) FROM runs WHERE status='interrupted' AND ended_at IS NULL") == 4);
    tb_store_close(s2);
    waitpid(zombie, NULL, 0);

    /* nothing more to do the second time; the live run still ends normally */
    CHECK(tb_store_open(path, &s2, err, sizeof err) == 0);
    CHECK(tb_store_reaped(s2) == 0);
    tb_store_close(s2);
    /* once the live writer dies, its run goes too */
    kill(sleeper, SIGKILL);
    waitpid(sleeper, NULL, 0);
    CHECK(tb_store_open(path, &s2, err, sizeof err) == 0);
    CHECK(tb_store_reaped(s2) == 1 && !strcmp(status_of(db, r_alive), "interrupted"));
    tb_store_close(s2);
    CHECK(tb_store_run_end(s, live, "ok", "{}") == 0);
    CHECK(!strcmp(status_of(db, live), "ok"));
    /* a host state that is not a JSON object is refused */
    int64_t bad;
    CHECK(tb_store_run_begin(s, mid, bid, "quick", "x", "{}", "{}", "[1]", &bad) < 0);
    CHECK(strstr(tb_store_errmsg(s), "not a JSON object") != NULL);
    tb_store_close(s);
    sqlite3_close(db);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
