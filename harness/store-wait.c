/* store-wait.c - waiting for another process's lock.  SQLite's fixed busy
 * timeout would drop a measured case after a few seconds of someone else's
 * long transaction; instead a busy handler retries with backoff (1 ms
 * doubling to 250 ms) for up to the wait limit (TB_STORE_WAIT_S, 10
 * minutes), tells the user once the wait passes TB_STORE_NOTICE_S, and
 * says when the lock was had.  Only when the limit runs out does a write
 * fail, with -EBUSY, so the caller can keep its results and try again. */
#define _GNU_SOURCE
#include "store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void notice(tb_store *s, const char *line)
{
    if (s->notice)
        s->notice(s->notice_ctx, line);
    else
        fprintf(stderr, "tritbench: %s\n", line);
}

/* SQLite calls this with n = 0, 1, 2, ... while one lock stays busy;
 * return 1 to try again, 0 to give up (the statement fails SQLITE_BUSY). */
static int busy_handler(void *ctx, int n)
{
    tb_store *s = ctx;
    uint64_t now = mono_ns();
    if (n == 0) {
        s->busy_since_ns = now;
        s->busy_noticed = 0;
    }
    double waited = (double)(now - s->busy_since_ns) / 1e9;
    double limit = s->wait_limit_s > 0 ? s->wait_limit_s : TB_STORE_WAIT_S;
    if (waited >= limit)
        return 0;
    if (!s->busy_noticed && waited >= TB_STORE_NOTICE_S && limit > TB_STORE_NOTICE_S) {
        char line[1300];
        snprintf(line, sizeof line,
                 "%s: another process has held the database lock for %.0f s; waiting up to %.0f s in all "
                 "(what was measured is kept meanwhile)",
                 s->path, waited, limit);
        notice(s, line);
        s->busy_noticed = 1;
    }
    long ms = n < 8 ? 1L << n : 250;
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short: SQLite simply retries sooner */
    return 1;
}

void tb_store_wait_install(tb_store *s) { sqlite3_busy_handler(s->db, busy_handler, s); }

void tb_store_set_wait(tb_store *s, double limit_s, tb_store_notice_fn fn, void *ctx)
{
    s->wait_limit_s = limit_s > 0 ? limit_s : TB_STORE_WAIT_S;
    s->notice = fn;
    s->notice_ctx = ctx;
}

void tb_store_wait_done(tb_store *s)
{
    if (!s->busy_noticed)
        return;
    char line[1200];
    snprintf(line, sizeof line, "%s: lock acquired after %.0f s; storing", s->path,
             (double)(mono_ns() - s->busy_since_ns) / 1e9);
    notice(s, line);
    s->busy_noticed = 0;
}

int tb_store_begin(tb_store *s)
{
    s->code = 0;
    s->sys_errno = 0;
    int rc = tb_store_exec(s, "BEGIN IMMEDIATE", "cannot lock the database"); /* tells when a wait ends */
    if (rc < 0 && tb_store_errno(s) == -EBUSY) {
        double limit = s->wait_limit_s > 0 ? s->wait_limit_s : TB_STORE_WAIT_S;
        snprintf(s->err, sizeof s->err, "%s: another process held the database lock for more than %.0f s; "
                 "nothing was written", s->path, limit);
        s->busy_noticed = 0;
    }
    return rc < 0 ? tb_store_errno(s) : 0;
}
