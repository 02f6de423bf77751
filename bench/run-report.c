/* run-report.c - the report stage of `tritbench run`: the summary tables
 * read back from the store (unless --quiet; derived figures were stored
 * with each case), and the closing lines.  Decides the run's exit code. */
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
        fprintf(stderr, "tritbench: interrupted after %d of %d cases; stored cases are kept (run %lld)\n", s->stored,
                s->ncases, (long long)s->run_id);
    if (!a->quiet)
        printf("run %lld: %d case(s) stored in %s\n", (long long)s->run_id, s->stored, a->db);
    return failures || s->interrupted ? TB_EXIT_FAIL : TB_EXIT_OK;
}
