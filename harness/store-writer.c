/* store-writer.c - the process that writes a run, and runs whose process
 * is gone.  tb_store_run_begin records the writer in the run's
 * host_state_start as
 *   "writer":{"pid":N,"start":T,"boot":"B","host":"H","pidns":"P"}
 * (T: the process's start time in clock ticks after boot, so a reused pid
 * is not mistaken for it).  A writing open then looks at every run still
 * 'running': when its host and pid namespace are ours and either the boot
 * id differs (the machine restarted) or the pid is not alive with that
 * start time (killed, crashed), the run is marked 'interrupted' with a
 * run fact 'abandoned' saying so.  Anything it cannot tell (another host
 * sharing the file, another pid namespace, no writer recorded, /proc
 * hidden) is left 'running': a live run is never touched. */
#define _GNU_SOURCE
#include "store-internal.h"
#include "tb-platform.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef struct writer {
    long pid;
    unsigned long long start;
    char boot[48], host[72], pidns[48];
} writer;

/* Read a small file's first line into buf; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char *ok = fgets(buf, (int)len, f);
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

/* /proc/<pid>/stat: state (into *state) and start time; 0, or -1 when
 * unreadable. */
static int proc_stat(long pid, char *state, unsigned long long *start)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (read_line(path, line, sizeof line) < 0)
        return -1;
    char *p = strrchr(line, ')'); /* the command name may hold spaces and parentheses */
    if (!p || p[1] != ' ')
        return -1;
    p += 2;
    *state = *p;
    /* fields after the name: 3 state ... 22 starttime */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    char *end;
    *start = strtoull(p, &end, 10);
    return end == p ? -1 : 0;
}

/* Keep only characters that need no JSON escaping and no quoting in SQL. */
static void plain(char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '\'' || (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            *s = '?';
}

static void writer_self(writer *w)
{
    memset(w, 0, sizeof *w);
    w->pid = (long)getpid();
    char st;
    if (proc_stat(w->pid, &st, &w->start) < 0)
        w->start = 0;
    if (read_line("/proc/sys/kernel/random/boot_id", w->boot, sizeof w->boot) < 0)
        w->boot[0] = 0;
    if (gethostname(w->host, sizeof w->host - 1) < 0)
        w->host[0] = 0;
    w->host[sizeof w->host - 1] = 0;
    ssize_t n = readlink("/proc/self/ns/pid", w->pidns, sizeof w->pidns - 1);
    w->pidns[n > 0 ? n : 0] = 0;
    plain(w->boot);
    plain(w->host);
    plain(w->pidns);
}

int tb_store_writer_json(char *buf, size_t len)
{
    writer w;
    writer_self(&w);
    int n = snprintf(buf, len,
                     "\"writer\":{\"pid\":%ld,\"start\":%llu,\"boot\":\"%s\",\"host\":\"%s\",\"pidns\":\"%s\"}", w.pid,
                     w.start, w.boot, w.host, w.pidns);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* A quoted string member "key":"value" of the writer object; 0 or -1. */
static int member_str(const char *obj, const char *key, char *out, size_t len)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(obj, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    if (!q || (size_t)(q - p) >= len)
        return -1;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = 0;
    return 0;
}

static int member_num(const char *obj, const char *key, unsigned long long *v)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(obj, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    char *end;
    *v = strtoull(p, &end, 10);
    return end == p ? -1 : 0;
}

/* The writer recorded in a run's host_state_start; 0 or -1 (none). */
static int writer_parse(const char *json, writer *w)
{
    memset(w, 0, sizeof *w);
    const char *obj = json ? strstr(json, "\"writer\":{") : NULL;
    if (!obj)
        return -1;
    char one[512];
    const char *close = strchr(obj, '}');
    if (!close || (size_t)(close - obj) >= sizeof one)
        return -1;
    memcpy(one, obj, (size_t)(close - obj));
    one[close - obj] = 0;
    unsigned long long pid;
    if (member_num(one, "pid", &pid) < 0 || member_num(one, "start", &w->start) < 0 ||
        member_str(one, "boot", w->boot, sizeof w->boot) < 0 || member_str(one, "host", w->host, sizeof w->host) < 0 ||
        member_str(one, "pidns", w->pidns, sizeof w->pidns) < 0 || pid == 0 || pid > 0x7fffffff)
        return -1;
    w->pid = (long)pid;
    return 0;
}

/* 1 when the writer is certainly gone (why says how), 0 when it is alive
 * or that cannot be told from here. */
static int writer_gone(const writer *w, const writer *self, char *why, size_t len)
{
    if (!w->host[0] || strcmp(w->host, self->host) != 0)
        return 0; /* another machine may share the file */
    if (!w->pidns[0] || strcmp(w->pidns, self->pidns) != 0)
        return 0; /* its pid means nothing here */
    if (w->boot[0] && self->boot[0] && strcmp(w->boot, self->boot) != 0) {
        snprintf(why, len, "its writer (pid %ld on %s) was running before the machine restarted (boot %s)", w->pid,
                 w->host, w->boot);
        return 1;
    }
    if (w->pid == self->pid && w->start == self->start)
        return 0;
    char state = 0;
    unsigned long long start = 0;
    int have = proc_stat(w->pid, &state, &start) == 0;
    int exists = kill((pid_t)w->pid, 0) == 0 || errno == EPERM;
    if (!exists && !have) {
        snprintf(why, len,
                 "its writer (pid %ld on %s) ended without closing the run (killed, crashed, stopped by a second "
                 "signal, or unable to write)",
                 w->pid, w->host);
        return 1;
    }
    if (have && (state == 'Z' || state == 'X')) {
        snprintf(why, len, "its writer (pid %ld on %s) has exited without closing the run: killed or crashed",
                 w->pid, w->host);
        return 1;
    }
    if (have && w->start && start != w->start) {
        snprintf(why, len, "its writer (pid %ld on %s, started at tick %llu) is gone; the pid now belongs to "
                 "another process", w->pid, w->host, w->start);
        return 1;
    }
    return 0;
}

typedef struct gone_run { int64_t id; char why[300]; } gone_run;

int tb_store_reap(tb_store *s)
{
    writer self;
    writer_self(&self);
    /* Look without the lock first: most opens find nothing to do. */
    gone_run *gone = NULL;
    int n = 0, cap = 0;
    sqlite3_stmt *st = tb_store_stmt(s, "SELECT id, host_state_start FROM runs WHERE status='running'");
    if (!st)
        return -EIO;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        writer w;
        char why[300];
        if (writer_parse((const char *)sqlite3_column_text(st, 1), &w) < 0 || !writer_gone(&w, &self, why, sizeof why))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            gone_run *g = realloc(gone, (size_t)cap * sizeof *g);
            if (!g) {
                free(gone);
                sqlite3_reset(st);
                snprintf(s->err, sizeof s->err, "%s: out of memory looking for abandoned runs", s->path);
                return -ENOMEM;
            }
            gone = g;
        }
        gone[n].id = sqlite3_column_int64(st, 0);
        snprintf(gone[n].why, sizeof gone[n].why, "%s", why);
        n++;
    }
    if (rc != SQLITE_DONE) {
        tb_store_fail(s, "cannot look for abandoned runs");
        sqlite3_reset(st);
        free(gone);
        return tb_store_errno(s);
    }
    sqlite3_reset(st);
    if (n == 0)
        return 0;
    char now[32];
    tb_plat_utc_now(now, sizeof now);
    if ((rc = tb_store_begin(s)) < 0) {
        free(gone);
        return rc;
    }
    int marked = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        /* only if still running: another opener may have marked it meanwhile */
        st = tb_store_stmt(s, "UPDATE runs SET status='interrupted' WHERE id=?1 AND status='running'");
        if (!st || tb_store_bind_ok(s, sqlite3_bind_int64(st, 1, gone[i].id), "mark abandoned") < 0) {
            rc = -EIO;
            break;
        }
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = tb_store_fail(s, "cannot mark an abandoned run");
            sqlite3_reset(st);
            break;
        }
        int changed = sqlite3_changes(s->db);
        sqlite3_reset(st);
        if (!changed)
            continue;
        char reason[400];
        snprintf(reason, sizeof reason, "%s; marked interrupted at %s by pid %ld", gone[i].why, now, self.pid);
        tb_row r;
        tb_row_init(&r, "run_facts");
        tb_row_int(&r, "run_id", gone[i].id);
        tb_row_text(&r, "fact", "abandoned");
        tb_row_text(&r, "reason", reason);
        rc = tb_row_insert(s, &r, 1, NULL);
        marked += rc == 0;
    }
    free(gone);
    if (rc < 0) {
        rc = tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (tb_store_exec(s, "COMMIT", "cannot commit the abandoned runs") < 0) {
        rc = tb_store_errno(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    s->reaped += marked;
    return 0;
}

int tb_store_reaped(const tb_store *s) { return s->reaped; }
