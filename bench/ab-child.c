/* ab-child.c - `tritbench ab-child KEY MODE run SUITE [run options]`: the
 * hidden child of `tritbench ab` (protocol in tb-ab.h).  It plans SUITE
 * with run's own parser and case lists, so its KEY means what it means to
 * `tritbench run`; sets the case up and verifies it against the scalar
 * reference (a wrong kernel is never timed), then times it on request:
 * every repetition with the CPU id at both ends and /proc/stat steal
 * around it, on the pool run pins (thread i on the i-th allowed CPU); or
 * counts its user-space instructions with the hardware counter (icount).
 * stdout carries the protocol only; messages go to stderr. */
#define _GNU_SOURCE
#include "tb-ab.h"
#include "tb-build-info.h"
#include "tb-cli.h"
#include "tb-platform.h"
#include "tb-run.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t time_iters(const tb_case *c, void *ctx, uint64_t iters)
{
    uint64_t t0 = tb_plat_now_ns();
    c->wl->run(ctx, iters);
    return tb_plat_now_ns() - t0;
}

/* As the runner calibrates: x10 while far below, then scale to 1.1 x target. */
static uint64_t calibrate(const tb_case *c, void *ctx, double min_ns)
{
    uint64_t iters = 1;
    for (int guard = 0; guard < 64; guard++) {
        uint64_t t = time_iters(c, ctx, iters);
        if (t >= min_ns || iters >= (1ull << 40))
            return iters;
        iters = t < min_ns / 10 ? iters * 10 : (uint64_t)ceil(iters * (min_ns * 1.1) / (double)(t ? t : 1));
    }
    return iters;
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

typedef struct child_run {
    const tb_case *c;
    void *ctx;
} child_run;

static void run_iters(void *arg, uint64_t iters)
{
    const child_run *r = arg;
    r->c->wl->run(r->ctx, iters);
}

/* The request loop; returns the exit code. */
static int serve(const tb_case *c, void *ctx)
{
    char line[256];
    int icfd = -1; /* the instruction counter, opened by the first icount */
    child_run cr = {c, ctx};
    while (fgets(line, sizeof line, stdin)) {
        unsigned long long a = 0, b = 0;
        if (sscanf(line, "calibrate %llu", &a) == 1) {
            reply("iters %" PRIu64, calibrate(c, ctx, (double)a));
        } else if (sscanf(line, "warmup %llu %llu", &a, &b) == 2 && b > 0) {
            uint64_t t0 = tb_plat_now_ns();
            do
                c->wl->run(ctx, b);
            while (tb_plat_now_ns() - t0 < a);
            reply("ok %" PRIu64, tb_plat_now_ns() - t0);
        } else if (sscanf(line, "time %llu", &a) == 1 && a > 0) {
            c->wl->run(ctx, a / 10 > 0 ? a / 10 : 1); /* re-warm, untimed */
            tb_plat_steal s0, s1;
            tb_plat_steal_read(&s0);
            int cpu0 = sched_getcpu();
            uint64_t t0 = tb_plat_now_ns();
            c->wl->run(ctx, a);
            uint64_t t1 = tb_plat_now_ns();
            int cpu1 = sched_getcpu();
            tb_plat_steal_read(&s1);
            reply("t %" PRIu64 " %d %d %" PRId64, t1 - t0, cpu0, cpu1, tb_plat_steal_ticks(&s0, &s1));
        } else if (sscanf(line, "icount %llu", &a) == 1 && a > 0) {
            uint64_t n = 0;
            char why[200];
            if (tb_ab_icount(&icfd, run_iters, &cr, a, &n, why, sizeof why) < 0)
                reply("fail error %s", why);
            else
                reply("ic %" PRIu64, n);
        } else if (!strncmp(line, "quit", 4)) {
            break;
        } else {
            fprintf(stderr, "tritbench ab-child: unknown request '%s'\n", tb_clip(line));
            if (icfd >= 0)
                close(icfd);
            return TB_EXIT_USAGE;
        }
    }
    if (icfd >= 0)
        close(icfd);
    return TB_EXIT_OK; /* quit, or EOF: the parent is gone or done */
}

int tb_cmd_ab_child(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "run"))
        return tb_die(TB_EXIT_USAGE, "ab-child: expected KEY MODE run SUITE [options] (started by `tritbench ab`)");
    const char *key = argv[1], *mode = argv[2];
    long count = 0;
    if (strcmp(mode, "serve") && (strncmp(mode, "count:", 6) || tb_parse_int("ab-child", mode + 6, 1, 1L << 30,
                                                                                 &count) < 0))
        return tb_die(TB_EXIT_USAGE, "ab-child: MODE %s: expected serve or count:N", tb_clip(mode));
    reply("tritbench-ab %d %s %d", TB_AB_PROTO, TB_GIT_COMMIT, TB_GIT_DIRTY);

    tb_run_args a;
    tb_caselist all = {0}, one = {0};
    int rc = tb_run_parse(argc - 3, argv + 3, &a);
    if (rc) {
        reply("fail usage run options refused (see stderr)");
        tb_run_args_free(&a);
        return tb_opt_exit(rc);
    }
    if ((rc = tb_run_plan(&a, &all)) != 0) {
        reply("fail usage the plan failed (see stderr)");
        tb_run_args_free(&a);
        return rc;
    }
    for (int i = 0; i < all.n && !one.n; i++)
        if (!strcmp(all.v[i].key, key) && tb_caselist_push(&one, &all.v[i]) < 0)
            break;
    tb_caselist_free(&all);
    if (!one.n) {
        reply("fail missing this build has no case %s in suite %s", key, a.suite);
        tb_run_args_free(&a);
        return TB_EXIT_FAIL;
    }
    tb_e2e_count_uses(&one); /* a decoder built for this case alone is freed after it */
    const tb_case *c = &one.v[0];
    rc = TB_EXIT_FAIL;
    if (tb_bench_pool_init((int)a.threads, a.pin) < 0) {
        reply("fail error cannot create the worker pool");
        goto out;
    }
    void *ctx = NULL;
    tb_setup_info info;
    memset(&info, 0, sizeof info);
    int src = c->wl->setup(c, &ctx, &info);
    if (src < 0) {
        reply("fail %s setup: %s", src == -E2BIG ? "does_not_fit" : "error", info.why[0] ? info.why : strerror(-src));
        goto out;
    }
    tb_verdict v = {.verified = -1, .max_abs_err = NAN, .nmse = NAN};
    if (c->wl->verify) {
        int vr = c->wl->verify(ctx, &v);
        if (vr < 0 || v.verified == 0) {
            reply("fail %s verification %s: %s", vr < 0 ? "error" : "wrong", vr < 0 ? "could not run" : "failed",
                  v.reason[0] ? v.reason : vr < 0 ? strerror(-vr) : "output differs from the reference");
            c->wl->teardown(ctx);
            goto out;
        }
    }
    if (count > 0) {
        c->wl->run(ctx, (uint64_t)count);
        reply("done %ld", count);
        rc = TB_EXIT_OK;
    } else {
        reply("ready %d %016" PRIx64, v.verified, v.checksum);
        rc = serve(c, ctx);
    }
    c->wl->teardown(ctx);
out:
    tb_bench_pool_free();
    tb_caselist_free(&one);
    tb_run_args_free(&a);
    return rc;
}
