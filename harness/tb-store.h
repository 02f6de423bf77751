/* tb-store.h - the SQLite result store.  One transaction per case; every
 * open checks the schema version and refuses newer or foreign databases
 * without writing to them. */
#ifndef TB_STORE_H
#define TB_STORE_H

#include <stdint.h>
#include "tb-machine.h"
#include "tb-runner.h"
#include "tb-sampler.h"

#define TB_SCHEMA_VERSION 1
#define TB_STORE_APP "tritbench"

typedef struct tb_store tb_store;
struct sqlite3;

/* Open (creating when absent) the database at path.  On refusal returns
 * a negative errno and a one-line reason in err, having written nothing. */
int tb_store_open(const char *path, tb_store **out, char *err, int errlen);
/* Open an existing database read-only (report/compare); same checks. */
int tb_store_open_readonly(const char *path, tb_store **out, char *err, int errlen);
void tb_store_close(tb_store *s);
struct sqlite3 *tb_store_db(tb_store *s);
const char *tb_store_errmsg(tb_store *s);

typedef struct tb_build_info {
    const char *git_commit, *git_describe, *compiler, *compiler_version, *cflags, *build_type,
        *isa_variants, *deps, *tool_version, *binary_hash;
    int git_dirty;
} tb_build_info;

int tb_store_machine(tb_store *s, const tb_machine *m, int64_t *id);
int tb_store_build(tb_store *s, const tb_build_info *b, int64_t *id);
int tb_store_run_begin(tb_store *s, int64_t machine, int64_t build, const char *suite,
                       const char *argv, const char *options_json, const char *env_json,
                       const char *host_state, int64_t *run_id);
int tb_store_run_end(tb_store *s, int64_t run_id, const char *status, const char *host_state);
int tb_store_sampler_status(tb_store *s, int64_t run_id, const char *sampler, const tb_probe *p);
/* One idle-baseline reading (chan.kind POWER, value in W). */
int tb_store_idle_baseline(tb_store *s, int64_t run_id, const tb_reading *r);
/* Everything about one case, in one transaction. */
int tb_store_case(tb_store *s, int64_t run_id, const tb_case_result *r, int64_t *case_id);

#endif
