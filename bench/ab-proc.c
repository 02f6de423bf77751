/* ab-proc.c - the parent's side of the ab protocol (tb-ab.h): spawn one
 * child with posix_spawn (an argument vector, no shell; pipes close on
 * exec, so a child inherits only its own two), then request/reply lines.
 * A binary that does not speak the protocol (built before `ab` existed,
 * or not tritbench) is named as such instead of hanging: its stdout closes
 * without the hello line.  Start and ready are separate calls, so the
 * parent can let both sides set up and verify at the same time. */
#define _GNU_SOURCE
#include "tb-ab.h"
#include "tb-cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int tb_abproc_line(tb_abproc *p, char *line, int len)
{
    for (;;) {
        char *nl = memchr(p->buf, '\n', (size_t)p->blen);
        if (nl) {
            int n = (int)(nl - p->buf);
            snprintf(line, (size_t)len, "%.*s", n, p->buf);
            p->blen -= n + 1;
            memmove(p->buf, nl + 1, (size_t)p->blen);
            return 0;
        }
        if (p->blen >= (int)sizeof p->buf - 1) {
            snprintf(p->why, sizeof p->why, "reply line longer than %zu bytes", sizeof p->buf);
            return -1;
        }
        ssize_t r = read(p->from_fd, p->buf + p->blen, sizeof p->buf - 1 - (size_t)p->blen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(p->why, sizeof p->why, "the child exited without replying%s", r < 0 ? " (read error)" : "");
            return -1;
        }
        p->blen += (int)r;
    }
}

int tb_abproc_cmd(tb_abproc *p, const char *cmd, char *reply, int len)
{
    size_t n = strlen(cmd);
    char line[256];
    snprintf(line, sizeof line, "%s\n", cmd);
    for (size_t off = 0; off < n + 1;) {
        ssize_t w = write(p->to_fd, line + off, n + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(p->why, sizeof p->why, "cannot write to the child: %s", strerror(errno));
            return -1;
        }
        off += (size_t)w;
    }
    if (tb_abproc_line(p, reply, len) < 0)
        return -1;
    if (!strncmp(reply, "fail ", 5)) {
        snprintf(p->why, sizeof p->why, "%s", reply + 5);
        return -1;
    }
    return 0;
}

int tb_abproc_start(tb_abproc *p, const char *bin, char *const *prefix, const char *key, const char *mode,
                    char *const *run_argv, int run_argc)
{
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->to_fd = p->from_fd = -1;
    int np = 0;
    while (prefix && prefix[np])
        np++;
    char **argv = calloc((size_t)(np + run_argc + 6), sizeof *argv);
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (!argv || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        snprintf(p->why, sizeof p->why, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    int k = 0;
    for (int i = 0; i < np; i++)
        argv[k++] = prefix[i];
    argv[k++] = (char *)bin;
    argv[k++] = (char *)"ab-child";
    argv[k++] = (char *)key;
    argv[k++] = (char *)mode;
    for (int i = 0; i < run_argc; i++)
        argv[k++] = run_argv[i];
    argv[k] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    int rc = np ? posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ)
                : posix_spawn(&p->pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        p->pid = -1;
        snprintf(p->why, sizeof p->why, "cannot start %s: %s", np ? argv[0] : bin, strerror(rc));
        goto fail;
    }
    close(in[0]);
    close(out[1]);
    in[0] = out[1] = -1;
    p->to_fd = in[1];
    p->from_fd = out[0];
    free(argv);
    argv = NULL;
    char line[512];
    int proto = 0;
    if (tb_abproc_line(p, line, sizeof line) < 0 ||
        sscanf(line, "tritbench-ab %d %47s %d", &proto, p->commit, &p->dirty) != 3) {
        snprintf(p->why, sizeof p->why, "%s does not speak tritbench's ab protocol (no `ab-child` command: built "
                 "before `tritbench ab` existed, or not tritbench)", bin);
        return -1;
    }
    if (proto < 1 || proto > TB_AB_PROTO) {
        snprintf(p->why, sizeof p->why, "%s speaks ab protocol %d, this build 1 to %d", bin, proto, TB_AB_PROTO);
        return -1;
    }
    p->proto = proto;
    return 0;
fail:
    free(argv);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    return -1;
}

int tb_abproc_ready(tb_abproc *p)
{
    char line[512];
    if (tb_abproc_line(p, line, sizeof line) < 0)
        return -1;
    if (!strncmp(line, "fail ", 5)) {
        snprintf(p->why, sizeof p->why, "%s", line + 5);
        return -1;
    }
    if (sscanf(line, "ready %d %23s", &p->verified, p->checksum) != 2) {
        snprintf(p->why, sizeof p->why, "unexpected reply '%s'", tb_clip(line));
        return -1;
    }
    return 0;
}

int tb_abproc_stop(tb_abproc *p)
{
    if (p->to_fd >= 0) {
        (void)!write(p->to_fd, "quit\n", 5);
        close(p->to_fd);
    }
    if (p->from_fd >= 0)
        close(p->from_fd);
    p->to_fd = p->from_fd = -1;
    int st = 0, code = 0;
    if (p->pid > 0) {
        while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
            ;
        code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    }
    p->pid = -1;
    return code;
}
