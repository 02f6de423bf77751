/* store-errors.c - what a store failure means, in words: an SQLite result
 * code and the OS error behind it become one phrase that names the real
 * problem (disk full, read-only directory or file system, no permission,
 * locked by another process, corrupt, not SQLite) instead of SQLite's
 * generic message, and the negative errno the store's calls return. */
#define _GNU_SOURCE
#include "store-internal.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory holding path, in dir. */
static void dir_of(const char *path, char *dir, size_t len)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(dir, len, "%s", dirname(tmp));
}

static int fs_readonly(const char *dir)
{
    struct statvfs v;
    return statvfs(dir, &v) == 0 && (v.f_flag & ST_RDONLY);
}

int tb_store_code_errno(int code, int sys_errno)
{
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return -EBUSY;
    case SQLITE_FULL: return -ENOSPC;
    case SQLITE_READONLY: return -EROFS;
    default: break;
    }
    if (sys_errno == ENOSPC || sys_errno == EDQUOT)
        return -ENOSPC;
    if (sys_errno == EROFS)
        return -EROFS;
    return -EIO;
}

void tb_store_describe_create(int e, const char *path, char *buf, size_t len)
{
    char dir[1024];
    dir_of(path, dir, sizeof dir);
    if (e == ENOSPC || e == EDQUOT)
        snprintf(buf, len, "disk full: no space left on the file system holding %s", dir);
    else if (e == EROFS)
        snprintf(buf, len, "read-only file system at %s", dir);
    else if (e == EACCES || e == EPERM)
        snprintf(buf, len, "directory %s is not writable (%s)", dir, strerror(e));
    else
        snprintf(buf, len, "%s", strerror(e));
}

void tb_store_describe(int code, int sys_errno, const char *path, const char *sqlite_msg, char *buf, size_t len)
{
    char dir[1024];
    dir_of(path, dir, sizeof dir);
    int full = (code & 0xff) == SQLITE_FULL || sys_errno == ENOSPC || sys_errno == EDQUOT;
    if (full) {
        snprintf(buf, len, "disk full: no space left on the file system holding %s", dir);
        return;
    }
    switch (code & 0xff) {
    case SQLITE_NOTADB:
        snprintf(buf, len, "not a SQLite database (%s)", sqlite_msg);
        return;
    case SQLITE_CORRUPT:
        snprintf(buf, len, "corrupt database (%s)", sqlite_msg);
        return;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(buf, len, "locked by another process (%s)", sqlite_msg);
        return;
    case SQLITE_NOMEM:
        snprintf(buf, len, "out of memory");
        return;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
        /* A WAL database needs P-wal and P-shm beside it, and a writer needs
         * the file itself writable: say which of them could not be had. */
        if (sys_errno == EROFS || fs_readonly(dir)) {
            snprintf(buf, len, "read-only file system at %s: cannot write %s or create its -wal/-shm files", dir,
                     path);
            return;
        }
        if (access(dir, W_OK) != 0) {
            snprintf(buf, len, "directory %s is not writable (%s): cannot create %s-wal and %s-shm", dir,
                     strerror(errno), path, path);
            return;
        }
        if ((code & 0xff) == SQLITE_READONLY || (access(path, F_OK) == 0 && access(path, W_OK) != 0)) {
            snprintf(buf, len, "the file is read-only (no write permission)%s%s", *sqlite_msg ? ": " : "",
                     sqlite_msg);
            return;
        }
        if (sys_errno == EACCES || sys_errno == EPERM) {
            snprintf(buf, len, "permission denied (%s)", sqlite_msg);
            return;
        }
        snprintf(buf, len, "cannot open (%s%s%s)", sqlite_msg, sys_errno ? ": " : "",
                 sys_errno ? strerror(sys_errno) : "");
        return;
    default:
        break;
    }
    if ((code & 0xff) == SQLITE_IOERR) {
        snprintf(buf, len, "I/O error (%s%s%s)", sqlite_msg, sys_errno ? ": " : "",
                 sys_errno ? strerror(sys_errno) : "");
        return;
    }
    snprintf(buf, len, "%s", sqlite_msg);
}
