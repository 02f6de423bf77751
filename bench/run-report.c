/* run-report.c - the report stage of `tritbench run`: the summary tables
 * read back from the store (unless --quiet; derived figures were stored
 * with each case), and the closing lines.  Decides the run's exit code:
 * 0 every case ok (or does_not_fit), 1 a case was wrong or failed or could
 * not be stored, 128 + N when stop signal N ended the run (130 SIGINT,
 * 143 SIGTERM, 129 SIGHUP). */
#include "tb-run.h"
#include "tb-cli.h"

#include <stdio.h>
#include <unistd.h>

int tb_run_report(const tb_run_args *a, const tb_run_session *s)
{
    int failures = s->failures;
    if (!a->quiet && tb_summary_print(s->store, s->run_id, isatty(1)) < 0)
        failures++;
    if (s->interrupted)
        fprintf(stderr, "tritbench: %s: stopped after %d of %d cases; the %d stored are kept (run %lld, marked "
                "interrupted)\n", tb_run_signal_name(s->interrupted), s->measured, s->ncases, s->stored,
                (long long)s->run_id);
    if (!a->quiet)
        printf("run %lld: %d case(s) stored in %s\n", (long long)s->run_id, s->stored, a->db);
    if (s->interrupted)
        return TB_EXIT_SIGNAL(s->interrupted);
    return failures ? TB_EXIT_FAIL : TB_EXIT_OK;
}
