/* run-signals.c - SIGINT, SIGTERM and SIGHUP during `tritbench run`.
 * Installed before anything is opened.  The first of them sets a flag the
 * runner polls after every repetition: the current repetition finishes,
 * what is complete is stored, the run is marked 'interrupted' and the
 * process exits 128 + the signal (130 INT, 143 TERM, 129 HUP).  A second
 * one exits at once (128 + its number) without touching the database;
 * the run it leaves 'running' is marked abandoned by the next open.  A
 * signal ignored when tritbench started stays ignored (nohup's SIGHUP, a
 * non-interactive shell's background job's SIGINT).  Once the run's end
 * is recorded the default actions are restored. */
#include "tb-run.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;

static void say(const char *m) { (void)!write(STDERR_FILENO, m, strlen(m)); }

static void on_signal(int sig)
{
    if (g_stop) {
        say("\ntritbench: second signal: exiting at once; the next run on this database marks this one "
            "abandoned\n");
        _exit(TB_EXIT_SIGNAL(sig));
    }
    g_stop = sig;
    say(sig == SIGINT    ? "\ntritbench: SIGINT: "
        : sig == SIGTERM ? "\ntritbench: SIGTERM: "
                         : "\ntritbench: SIGHUP: ");
    say("finishing the current repetition and storing what is complete (again to exit at once)\n");
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static int g_caught[sizeof stop_signals / sizeof stop_signals[0]]; /* which have our handler */

void tb_run_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* /proc and sysfs reads are not all EINTR-proof */
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]); /* one handler at a time: first vs second is exact */
    for (unsigned i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        struct sigaction old;
        g_caught[i] = 0;
        if (sigaction(stop_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* ignored by whoever started us: keep it so */
        g_caught[i] = sigaction(stop_signals[i], &sa, NULL) == 0;
    }
}

void tb_run_signals_restore(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        if (g_caught[i])
            sigaction(stop_signals[i], &sa, NULL);
}

int tb_run_signal(void) { return g_stop; }

const char *tb_run_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

volatile const int *tb_run_stop_flag(void)
{
    _Static_assert(sizeof(sig_atomic_t) == sizeof(int), "the runner polls the stop flag as an int");
    return (volatile const int *)&g_stop;
}
