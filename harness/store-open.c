/* store-open.c - opening a tritbench database: the file is inspected
 * read-only first (regular file, SQLite, our meta row, schema version,
 * integrity); only a fresh file or one of ours is ever written.  A
 * refusal says what is wrong (store-errors.c: not SQLite, read-only
 * directory or file, disk full, ...), and a new file the open created is
 * removed again with its -wal/-shm.  Schema creation and the upgrade of an
 * older version (results/migrate-<v>-to-<v+1>.sql, chained) happen under BEGIN IMMEDIATE with the state re-checked inside
 * the lock, so two processes opening a new database together both
 * succeed.  The upgrade writes a backup copy (VACUUM INTO) beside the
 * database first.  A writing open then marks runs whose writer is gone
 * as abandoned (store-writer.c).  WAL, foreign keys, lock waits up to
 * TB_STORE_WAIT_S (store-wait.c). */
#include "store-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TB_XSTR(x) #x
#define TB_STR(x) TB_XSTR(x)

extern const char tb_schema_sql[];
extern const char tb_migrate_1_2_sql[];
extern const char tb_migrate_2_3_sql[];

/* The upgrade chain: step i takes version i+1 to i+2. */
static const char *const migrations[] = {tb_migrate_1_2_sql, tb_migrate_2_3_sql};
_Static_assert(sizeof migrations / sizeof migrations[0] == TB_SCHEMA_VERSION - 1,
               "one migration per schema version step");

static void db_error(sqlite3 *db, int rc, const char *path, const char *what, char *err, int errlen);

static int query_int(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : (rc == SQLITE_DONE ? -ENOENT : -EIO);
}

/* user_version and the number of schema objects, read by one statement. */
static int query_version_tables(sqlite3 *db, int64_t *uv, int64_t *ntables)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM sqlite_master)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *uv = sqlite3_column_int64(st, 0);
        *ntables = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -EIO;
}

/* 2 = ours at version 1 (upgradable), 0 = ours at this version, 1 = empty
 * (new), negative = refuse (reason in err). */
static int inspect(sqlite3 *db, const char *path, char *err, int errlen)
{
    int64_t uv = 0, ntables = 0, app = 0;
    /* one statement, one snapshot: read apart, a schema another process
     * commits in between would show its tables with user_version 0 */
    if (query_version_tables(db, &uv, &ntables) < 0) {
        /* not SQLite, or SQLite that cannot be read from here (no -wal/-shm
         * in a read-only directory, disk full, locked): say which */
        int code = sqlite3_extended_errcode(db);
        db_error(db, SQLITE_ERROR, path, NULL, err, errlen);
        return (code & 0xff) == SQLITE_NOTADB ? -EINVAL : tb_store_code_errno(code, sqlite3_system_errno(db));
    }
    if (ntables == 0 && uv == 0)
        return 1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key='application' AND value='" TB_STORE_APP "'",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            app = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (!app) {
        snprintf(err, (size_t)errlen, "%s: not a tritbench database (no tritbench meta row); refusing to touch it",
                 path);
        return -EINVAL;
    }
    if (uv > TB_SCHEMA_VERSION) {
        snprintf(err, (size_t)errlen,
                 "%s: schema version %lld is newer than this tritbench understands (%d); upgrade tritbench", path,
                 (long long)uv, TB_SCHEMA_VERSION);
        return -EPROTO;
    }
    if (uv >= 1 && uv < TB_SCHEMA_VERSION)
        return 2;
    if (uv != TB_SCHEMA_VERSION) {
        snprintf(err, (size_t)errlen, "%s: schema version %lld is unknown; refusing to touch it", path,
                 (long long)uv);
        return -EPROTO;
    }
    return 0;
}

static int integrity(sqlite3 *db, const char *path, char *err, int errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, (size_t)errlen, "%s: corrupt database (%s); refusing to write to it", path, sqlite3_errmsg(db));
        return -EIO;
    }
    int rc = sqlite3_step(st);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    int ok = t && !strcmp((const char *)t, "ok");
    if (!ok)
        snprintf(err, (size_t)errlen, "%s: corrupt database (integrity check: %s); refusing to write to it", path,
                 t ? (const char *)t : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok ? 0 : -EIO;
}

static int exec_db(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO; }

static int create_schema(sqlite3 *db, const char *path, char *err, int errlen)
{
    char pv[64];
    snprintf(pv, sizeof pv, "PRAGMA user_version=%d", TB_SCHEMA_VERSION);
    if (exec_db(db, tb_schema_sql) < 0 ||
        exec_db(db, "INSERT INTO meta VALUES('application','" TB_STORE_APP "')") < 0 ||
        exec_db(db, "INSERT INTO meta VALUES('created_schema_version','" TB_STR(TB_SCHEMA_VERSION) "')") < 0 ||
        exec_db(db, pv) < 0) {
        snprintf(err, (size_t)errlen, "%s: cannot create schema: %s", path, sqlite3_errmsg(db));
        return -EIO;
    }
    return 0;
}

/* Backup path: "<path>.v<old>-backup-<UTC stamp>". */
static int backup_old(sqlite3 *db, const char *path, char *bpath, size_t blen, char *err, int errlen)
{
    int64_t uv = 0;
    if (query_int(db, "PRAGMA user_version", &uv) < 0)
        uv = 0;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(bpath, blen, "%s.v%lld-backup-%s", path, (long long)uv, stamp);
    char *sql = sqlite3_mprintf("VACUUM INTO %Q", bpath);
    int rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, (size_t)errlen,
                 "%s: schema version %lld needs an upgrade, but the backup copy %s could not be written (%s); "
                 "free space or run `sqlite3 %s .dump > backup.sql`, then retry",
                 path, (long long)uv, bpath, sqlite3_errmsg(db), path);
        return -EIO;
    }
    return 0;
}

/* Run the upgrade chain from the stored version to TB_SCHEMA_VERSION in one
 * transaction: all steps commit or none does. */
static int migrate_old(sqlite3 *db, const char *path, char *err, int errlen)
{
    /* SQLite's table-rebuild procedure: foreign keys off outside the
     * transaction, rebuild, check, commit, foreign keys back on. */
    if (exec_db(db, "PRAGMA foreign_keys=OFF") < 0 || exec_db(db, "BEGIN IMMEDIATE") < 0) {
        snprintf(err, (size_t)errlen, "%s: cannot start the upgrade: %s", path, sqlite3_errmsg(db));
        return -EIO;
    }
    int64_t uv = 0;
    if (query_int(db, "PRAGMA user_version", &uv) == 0 && uv == TB_SCHEMA_VERSION) {
        exec_db(db, "COMMIT"); /* another process upgraded it meanwhile */
        exec_db(db, "PRAGMA foreign_keys=ON");
        return 0;
    }
    int64_t bad = 0;
    char pv[64], up[96];
    snprintf(pv, sizeof pv, "PRAGMA user_version=%d", TB_SCHEMA_VERSION);
    snprintf(up, sizeof up, "INSERT OR REPLACE INTO meta VALUES('upgraded_from','%lld')", (long long)uv);
    for (int64_t v = uv; v < TB_SCHEMA_VERSION; v++) {
        if (v < 1 || exec_db(db, migrations[v - 1]) < 0) {
            snprintf(err, (size_t)errlen, "%s: upgrade from schema %lld to %lld failed: %s; database left at version %lld",
                     path, (long long)v, (long long)v + 1, sqlite3_errmsg(db), (long long)uv);
            goto fail;
        }
    }
    if (query_int(db, "SELECT count(*) FROM pragma_foreign_key_check", &bad) < 0 || bad != 0) {
        snprintf(err, (size_t)errlen, "%s: upgrade from schema %lld broke %lld foreign key(s); database left at version %lld",
                 path, (long long)uv, (long long)bad, (long long)uv);
        goto fail;
    }
    if (exec_db(db, up) < 0 || exec_db(db, pv) < 0 || exec_db(db, "COMMIT") < 0) {
        snprintf(err, (size_t)errlen, "%s: upgrade from schema %lld could not commit: %s; database left at version %lld",
                 path, (long long)uv, sqlite3_errmsg(db), (long long)uv);
        goto fail;
    }
    exec_db(db, "PRAGMA foreign_keys=ON");
    return 0;
fail:
    exec_db(db, "ROLLBACK");
    exec_db(db, "PRAGMA foreign_keys=ON");
    return -EIO;
}

/* "<path>: <problem>" from the connection's last error. */
static void db_error(sqlite3 *db, int rc, const char *path, const char *what, char *err, int errlen)
{
    char problem[400];
    int code = db ? sqlite3_extended_errcode(db) : rc;
    if (code == SQLITE_OK)
        code = rc;
    tb_store_describe(code, db ? sqlite3_system_errno(db) : 0, path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                      problem, sizeof problem);
    snprintf(err, (size_t)errlen, "%s: %s%s%s", path, what ? what : "", what ? ": " : "", problem);
}

/* Create the database file ourselves (mode 0666 less the umask), so that a
 * refusal knows the file is ours to remove.  1 created, 0 it appeared
 * meanwhile (another process), negative errno with err set. */
static int create_file(const char *path, char *err, int errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (errno == EEXIST)
        return 0;
    int e = errno;
    char problem[400];
    tb_store_describe_create(e, path, problem, sizeof problem);
    snprintf(err, (size_t)errlen, "%s: cannot create the database: %s", path, problem);
    return -e;
}

static int exists_suffix(const char *path, const char *suffix, off_t *size)
{
    char p[1100];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    if (stat(p, &sb) != 0)
        return 0;
    if (size)
        *size = sb.st_size;
    return 1;
}

static void unlink_suffix(const char *path, const char *suffix)
{
    char p[1100];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    unlink(p);
}

/* Does any process hold SQLite's locks on the database file?  Every open
 * connection in WAL mode holds a read lock on its shared byte range. */
static int others_hold(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return 1; /* cannot tell: assume someone does */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0x40000000, .l_len = 512};
    int held = fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

/* What an open leaves beside the database before it is refused. */
typedef struct beside { int wal, shm; } beside;

/* Close after a refusal, leaving nothing behind: a file this open created
 * is removed, with any -wal, -shm or -journal beside it, when no schema
 * made it in (nothing of anyone's is lost: a schema is committed before
 * anything else); for a file that was there, a -wal (empty) and -shm this
 * open created are removed when no other process has the database open. */
static void refuse_close(sqlite3 *db, const char *path, int created, const beside *before)
{
    int empty = 0;
    if (created && db) {
        int64_t n = -1;
        empty = query_int(db, "SELECT count(*) FROM sqlite_master", &n) < 0 || n == 0;
    }
    sqlite3_close(db);
    struct stat sb;
    if (created && (empty || (stat(path, &sb) == 0 && sb.st_size == 0))) {
        unlink(path);
        unlink_suffix(path, "-wal");
        unlink_suffix(path, "-shm");
        unlink_suffix(path, "-journal");
        return;
    }
    if (!before || (before->wal && before->shm))
        return;
    off_t wal_size = 0;
    int wal = exists_suffix(path, "-wal", &wal_size), shm = exists_suffix(path, "-shm", NULL);
    if ((!wal || before->wal) && (!shm || before->shm))
        return;
    if (others_hold(path))
        return;
    if (wal && !before->wal && wal_size == 0)
        unlink_suffix(path, "-wal");
    if (shm && !before->shm && !exists_suffix(path, "-wal", NULL))
        unlink_suffix(path, "-shm");
}

/* Switch to WAL.  Converting a fresh file needs a moment of exclusive
 * access, and SQLite may answer "locked" without consulting the busy
 * handler while another process converts or creates it: retry for up to
 * 30 s (a database already in WAL needs nothing). */
static int set_wal(sqlite3 *db)
{
    for (int attempt = 0; attempt < 600; attempt++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK) {
            int rc = sqlite3_step(st);
            const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
            int wal = mode && !strcmp((const char *)mode, "wal");
            sqlite3_finalize(st);
            if (wal)
                return 0;
            if (rc != SQLITE_ROW && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
                return -EIO;
        } else if ((sqlite3_errcode(db) & 0xff) != SQLITE_BUSY && (sqlite3_errcode(db) & 0xff) != SQLITE_LOCKED) {
            return -EIO;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return -EIO;
}

static int open_common(const char *path, int readonly, tb_store **out, char *err, int errlen, char *backup,
                       int backup_len)
{
    *out = NULL;
    if (backup && backup_len > 0)
        backup[0] = 0;
    if (!path || !*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5)) {
        snprintf(err, (size_t)errlen, "--db '%s': not a file path (an in-memory or URI database would vanish)",
                 path ? path : "");
        return -EINVAL;
    }
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (readonly && !exists) {
        snprintf(err, (size_t)errlen, "%s: no such database", path);
        return -ENOENT;
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        snprintf(err, (size_t)errlen, "%s: not a regular file", path);
        return -EINVAL;
    }
    beside before = {exists_suffix(path, "-wal", NULL), exists_suffix(path, "-shm", NULL)};
    int created = 0;
    if (!exists && !readonly) {
        created = create_file(path, err, errlen);
        if (created < 0)
            return created;
    }
    tb_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, (size_t)errlen, "%s: out of memory", path);
        refuse_close(NULL, path, created, NULL);
        return -ENOMEM;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->readonly = readonly;
    s->wait_limit_s = TB_STORE_WAIT_S;
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        db_error(db, rc, path, "cannot open", err, errlen);
        goto refuse_eio;
    }
    s->db = db;
    tb_store_wait_install(s);
    if (!readonly && sqlite3_db_readonly(db, "main") == 1) {
        /* SQLite fell back to reading: say why rather than fail later */
        char problem[400];
        tb_store_describe(SQLITE_READONLY, access(path, W_OK) == 0 ? 0 : errno, path, "",
                          problem, sizeof problem);
        snprintf(err, (size_t)errlen, "%s: %s; refusing to open it for writing", path, problem);
        goto refuse_eio;
    }
    int st = inspect(db, path, err, errlen);
    if (st >= 0 && st != 1 && integrity(db, path, err, errlen) < 0)
        st = -EIO;
    if (st < 0 || (readonly && st == 1) || (readonly && st == 2)) {
        if (st == 1)
            snprintf(err, (size_t)errlen, "%s: empty database (no tritbench results yet)", path);
        if (st == 2) {
            int64_t old = 0;
            query_int(db, "PRAGMA user_version", &old);
            snprintf(err, (size_t)errlen,
                     "%s: schema version %lld is older than this tritbench (%d); any writing command upgrades it "
                     "after a backup copy, e.g. `tritbench run quick --db %s --filter peak`",
                     path, (long long)old, TB_SCHEMA_VERSION, path);
        }
        refuse_close(db, path, created, &before);
        free(s);
        return st < 0 ? st : st == 2 ? -EPROTO : -ENOENT;
    }
    if (!readonly) {
        if (set_wal(db) < 0 || exec_db(db, "PRAGMA foreign_keys=ON") < 0) {
            db_error(db, SQLITE_ERROR, path, "cannot configure", err, errlen);
            goto refuse_eio;
        }
        if (st == 1) {
            /* create under the write lock; another process may have won */
            if (exec_db(db, "BEGIN IMMEDIATE") < 0) {
                db_error(db, SQLITE_ERROR, path, "cannot lock to create the schema", err, errlen);
                goto refuse_eio;
            }
            int again = inspect(db, path, err, errlen);
            rc = again == 1 ? create_schema(db, path, err, errlen) : again < 0 ? again : 0;
            if (rc < 0 || exec_db(db, "COMMIT") < 0) {
                if (rc == 0)
                    db_error(db, SQLITE_ERROR, path, "cannot commit the schema", err, errlen);
                exec_db(db, "ROLLBACK");
                refuse_close(db, path, created, &before);
                free(s);
                return rc < 0 ? rc : -EIO;
            }
            if (again == 2)
                st = 2;
        }
        if (st == 2) {
            char bpath[1100];
            if (backup_old(db, path, bpath, sizeof bpath, err, errlen) < 0 || migrate_old(db, path, err, errlen) < 0)
                goto refuse_eio;
            if (backup && backup_len > 0)
                snprintf(backup, (size_t)backup_len, "%s", bpath);
        }
        if ((rc = tb_store_reap(s)) < 0) {
            snprintf(err, (size_t)errlen, "%s", s->err);
            for (int i = 0; i < s->ncache; i++) {
                sqlite3_finalize(s->cache[i].st);
                free(s->cache[i].sql);
            }
            refuse_close(db, path, created, &before);
            free(s);
            return rc;
        }
    }
    *out = s;
    return 0;
refuse_eio:
    refuse_close(db, path, created, &before);
    free(s);
    return -EIO;
}

int tb_store_open(const char *path, tb_store **out, char *err, int errlen)
{
    return open_common(path, 0, out, err, errlen, NULL, 0);
}

int tb_store_open_upgrade(const char *path, tb_store **out, char *err, int errlen, char *backup, int backup_len)
{
    return open_common(path, 0, out, err, errlen, backup, backup_len);
}

int tb_store_open_readonly(const char *path, tb_store **out, char *err, int errlen)
{
    return open_common(path, 1, out, err, errlen, NULL, 0);
}

void tb_store_close(tb_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->ncache; i++) {
        sqlite3_finalize(s->cache[i].st);
        free(s->cache[i].sql);
    }
    sqlite3_close(s->db);
    free(s);
}

const char *tb_store_errmsg(tb_store *s) { return s->err[0] ? s->err : "no error recorded"; }
