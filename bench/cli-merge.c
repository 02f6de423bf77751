/* cli-merge.c - `tritbench merge OUT.db IN.db...`: results from many
 * machines (or many CI runs) in one database.  Each input in its own
 * transaction on OUT (tb_store_merge): machines keyed by fingerprint,
 * builds by binary hash, a run merged twice stored once; a refused or
 * failing input leaves OUT as it was before that input. */
#include "tb-cli.h"
#include "tb-store-compare.h"
#include "tb-store.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const tb_opt merge_opts[] = {{0}}; /* only -h/--help */

static const tb_cmd_spec merge_spec = {
    .name = "merge",
    .args = "OUT.db IN.db...",
    .about = "Merge tritbench databases (e.g. one per machine) into OUT.db, created if absent.  Machines are\n"
             "matched by fingerprint, builds by binary hash; a run already in OUT (same machine, start time,\n"
             "suite and command line) is skipped, so merging a file twice adds nothing.  Every other row\n"
             "gets a new id, references kept.  Inputs are only read: one at an older schema version is\n"
             "upgraded in a temporary copy; a newer one or a file that is not a tritbench database is\n"
             "refused.  Each input is one transaction: a failure leaves OUT as it was before it.\n"
             "Stored comparisons (table comparisons) are not merged: re-run compare on the merged file.\n",
    .opts = merge_opts,
    .footer = "Exit status: 0 every input merged, 1 an input was refused or failed (the others are kept),\n"
              "2 usage error.\n",
};

int tb_cmd_merge(int argc, char **argv)
{
    tb_optparse p;
    const char *pos[256];
    int npos = 0;
    tb_opt_init(&p, &merge_spec, argc, argv);
    for (int id; (id = tb_opt_next(&p)) != TB_OPT_END;) {
        if (id == TB_OPT_HELP || id == TB_OPT_ERROR)
            return tb_opt_exit(id);
        if (npos == 256)
            return tb_die(TB_EXIT_USAGE, "merge: more than 255 inputs; merge in steps");
        pos[npos++] = p.arg;
    }
    if (npos < 2)
        return tb_die(TB_EXIT_USAGE, "merge: expected OUT.db IN.db... (try: tritbench merge --help)");
    if (tb_check_db_path("merge OUT", pos[0]) < 0)
        return TB_EXIT_USAGE;
    for (int i = 1; i < npos; i++) {
        if (access(pos[i], R_OK) != 0)
            return tb_die(TB_EXIT_USAGE, "merge: %s: no such readable file", tb_clip(pos[i]));
        char a[4096], b[4096];
        if (realpath(pos[0], a) && realpath(pos[i], b) && !strcmp(a, b))
            return tb_die(TB_EXIT_USAGE, "merge: %s is the output itself", tb_clip(pos[i]));
    }
    tb_store *s;
    char err[1024];
    if (tb_store_open(pos[0], &s, err, sizeof err) < 0)
        return tb_die(TB_EXIT_FAIL, "merge: %s", err);
    int loaded = 0; /* the published figures, as every writing command loads them */
    if (tb_store_reference_load(s, &loaded) < 0)
        fprintf(stderr, "tritbench: merge: %s: published figures not loaded: %s\n", pos[0], tb_store_errmsg(s));
    int code = TB_EXIT_OK;
    for (int i = 1; i < npos; i++) {
        tb_merge_stats st;
        if (tb_store_merge(s, pos[i], &st, err, sizeof err) < 0) {
            tb_die(TB_EXIT_FAIL, "merge: %s", err);
            code = TB_EXIT_FAIL;
            continue;
        }
        printf("%s: %d run(s) added (%d case(s)), %d already present; %d machine(s), %d build(s), %d noise floor(s) "
               "new\n",
               pos[i], st.runs_added, st.cases_added, st.runs_skipped, st.machines_added, st.builds_added,
               st.floors_added);
        if (st.conflicts)
            printf("%s: conflicts: %s\n", pos[i], st.conflict_text);
    }
    tb_store_close(s);
    return tb_stdout_done("merge", code);
}
