/* tb-ab.h - `tritbench ab`: paired A/B rounds of two tritbench binaries on
 * the cases of a suite (the same case lists and keys as `tritbench run`).
 *   ab-child.c  the hidden command `tritbench ab-child` each binary runs,
 *               one process per case and side: plan, setup, verify, then
 *               time on request
 *   ab-proc.c   the parent's side: spawn a child, speak its protocol
 *   ab-instr.c  the deterministic layer (--instructions): instructions
 *               per iteration from perf's hardware counter where the PMU
 *               is live, else under valgrind's cachegrind
 *   cli-ab.c    the command: rounds, verdicts, the table, the store
 *
 * Protocol (version TB_AB_PROTO), one line per message:
 *   child  "tritbench-ab 1 COMMIT DIRTY"            first, before the plan
 *   child  "ready VERIFIED CHECKSUM" or "fail STATUS REASON"
 *                                                   after setup and verify
 *   parent "calibrate MIN_NS"   child "iters N"     (twice, the smaller kept)
 *   parent "warmup NS ITERS"    child "ok NS"
 *   parent "time ITERS"         child "t WALL_NS CPU_START CPU_END STEAL_TICKS"
 *                               (an untimed re-warm of ITERS/10 first: the
 *                               other side took the caches)
 *   parent "icount ITERS"       child "ic COUNT" (protocol 2): user-space
 *                               instructions of ITERS iterations from the
 *                               hardware counter (perf_event_open), after
 *                               one uncounted iteration; "fail ..." when
 *                               the counter cannot be opened or read
 *   parent "quit" or EOF        child tears down, exits 0
 * A protocol-1 child (a base built before `icount`) still serves wall
 * time; the parent accepts versions 1 to TB_AB_PROTO.
 * Counting mode (`ab-child KEY count:N ...`): setup, verify, N iterations,
 * "done N", exit; run under cachegrind, two counts give the instructions
 * of N2 - N1 iterations. */
#ifndef TB_AB_H
#define TB_AB_H

#include <stdint.h>
#include <sys/types.h>

#define TB_AB_PROTO 2

/* `tritbench ab-child KEY MODE run SUITE [run options]` (not in --help). */
int tb_cmd_ab_child(int argc, char **argv);
int tb_cmd_ab(int argc, char **argv);

/* One child process (ab-proc.c). */
typedef struct tb_abproc {
    pid_t pid;
    int to_fd, from_fd;
    char buf[1024];          /* bytes read from the child, not yet a line */
    int blen;
    char commit[48];
    int dirty;
    int proto;               /* the child's protocol version (1: no icount) */
    int verified;            /* from "ready": 1 pass, -1 not applicable */
    char checksum[24];
    char why[256];           /* a refusal or failure, one line */
} tb_abproc;

/* Spawn PREFIX... BIN ab-child KEY MODE run RUN_ARGV... (prefix NULL or
 * NULL-terminated, e.g. valgrind's argv; spawned through PATH when
 * prefix is given).  Waits for the hello line only (the child goes on
 * with setup and verification); 0, or -1 with p->why set (a binary
 * without the protocol is named as such).  On -1 the child, if spawned,
 * still needs tb_abproc_stop. */
int tb_abproc_start(tb_abproc *p, const char *bin, char *const *prefix, const char *key, const char *mode,
                    char *const *run_argv, int run_argc);
/* MODE "serve": wait for "ready": 0, or -1 with p->why ("fail ..."
 * relayed). */
int tb_abproc_ready(tb_abproc *p);
/* Send one command line, read one reply line (without its newline) into
 * reply.  0, or -1 with p->why set (the child died or said "fail"). */
int tb_abproc_cmd(tb_abproc *p, const char *cmd, char *reply, int len);
/* Read one line; 0 or -1 (EOF: p->why). */
int tb_abproc_line(tb_abproc *p, char *line, int len);
/* quit, close, wait; the child's exit status (128+signal when killed). */
int tb_abproc_stop(tb_abproc *p);

/* Instructions per iteration of KEY in BIN under cachegrind: the
 * difference of two counting runs (ab-instr.c).  0 with *ir and BIN's
 * commit (48 bytes), or -1 with a one-line reason in why. */
int tb_ab_instructions(const char *bin, const char *key, char *const *run_argv, int run_argc, int extra_iters,
                       double *ir, char *commit, char *why, int wlen);
/* Instructions per iteration of KEY in BIN from the hardware counter: a
 * serving child (setup, verify) counts ITERS1 and then ITERS2 iterations
 * ("icount"); (C2 - C1) / (ITERS2 - ITERS1).  0 with *ir and BIN's commit,
 * or -1 with a one-line reason (a protocol-1 binary is named as such). */
int tb_ab_instructions_perf(const char *bin, const char *key, char *const *run_argv, int run_argc, long iters1,
                            long iters2, double *ir, char *commit, char *why, int wlen);
/* The child's side: user-space instructions of run(ctx, iters) on the
 * calling thread, counted by a PERF_COUNT_HW_INSTRUCTIONS counter opened
 * on first use (*fd starts at -1; the caller closes it).  A counter that
 * was not running the whole time (multiplexed) is refused, not scaled.
 * 0 with *count, or -1 with a one-line reason. */
int tb_ab_icount(int *fd, void (*run)(void *ctx, uint64_t iters), void *ctx, uint64_t iters, uint64_t *count,
                 char *why, int wlen);
/* Whether a hardware instruction counter is live here (perf_event_open of
 * PERF_COUNT_HW_INSTRUCTIONS): 1, or 0 with the reason. */
int tb_ab_pmu_live(char *why, int wlen);

#endif
