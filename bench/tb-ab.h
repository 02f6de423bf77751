/* tb-ab.h - `tritbench ab`: paired A/B rounds of two tritbench binaries on
 * the cases of a suite (the same case lists and keys as `tritbench run`).
 *   ab-child.c  the hidden command `tritbench ab-child` each binary runs,
 *               one process per case and side: plan, setup, verify, then
 *               time on request
 *   ab-proc.c   the parent's side: spawn a child, speak its protocol
 *   ab-instr.c  the deterministic layer: instructions per iteration
 *               under valgrind's cachegrind (--instructions)
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
 *   parent "quit" or EOF        child tears down, exits 0
 * Counting mode (`ab-child KEY count:N ...`): setup, verify, N iterations,
 * "done N", exit; run under cachegrind, two counts give the instructions
 * of N2 - N1 iterations. */
#ifndef TB_AB_H
#define TB_AB_H

#include <stdint.h>
#include <sys/types.h>

#define TB_AB_PROTO 1

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
    int verified;            /* from "ready": 1 pass, -1 not applicable */
    char checksum[24];
    char why[256];           /* a refusal or failure, one line */
} tb_abproc;

/* Spawn PREFIX... BIN ab-child KEY MODE run RUN_ARGV... (prefix NULL or
 * NULL-terminated, e.g. valgrind's argv; spawned through PATH when
 * prefix is given).  Waits for the hello line; 0, or -1 with p->why set
 * (a binary without the protocol is named as such).  Then, for MODE
 * "serve", waits for "ready": 0, or -1 with p->why ("fail ..." relayed). */
int tb_abproc_start(tb_abproc *p, const char *bin, char *const *prefix, const char *key, const char *mode,
                    char *const *run_argv, int run_argc);
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
/* Whether a hardware instruction counter is live here (perf_event_open of
 * PERF_COUNT_HW_INSTRUCTIONS): 1, or 0 with the reason. */
int tb_ab_pmu_live(char *why, int wlen);

#endif
