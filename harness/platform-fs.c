/* platform-fs.c - owns the fixture roots (TRITBENCH_SYSFS_ROOT,
 * TRITBENCH_PROC_ROOT, TRITBENCH_DEV_ROOT replace /sys, /proc, /dev), path
 * building under them, the one safe open of system files (non-blocking,
 * file type checked: a FIFO planted where sysfs has a file cannot hang a
 * reader) and the file readers and integer parsers (see tb-platform.h).
 * Fault injection for the samplers stays in samplers/sys-shim.c, which
 * maps its paths through here. */
#define _GNU_SOURCE
#include "tb-platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *real, *env;
} roots[TB_ROOT__COUNT] = {
    [TB_ROOT_SYS] = {"/sys", "TRITBENCH_SYSFS_ROOT"},
    [TB_ROOT_PROC] = {"/proc", "TRITBENCH_PROC_ROOT"},
    [TB_ROOT_DEV] = {"/dev", "TRITBENCH_DEV_ROOT"},
};

const char *tb_plat_root_dir(enum tb_plat_root root)
{
    if ((unsigned)root >= TB_ROOT__COUNT)
        return "";
    const char *v = tb_env(roots[root].env);
    return v && *v ? v : roots[root].real;
}

int tb_plat_root_redirected(enum tb_plat_root root)
{
    if ((unsigned)root >= TB_ROOT__COUNT)
        return 0;
    const char *v = tb_env(roots[root].env);
    return v && *v;
}

int tb_plat_join(const char *dir, const char *rel, char *buf, size_t len)
{
    while (*rel == '/')
        rel++;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    int r = *rel ? snprintf(buf, len, "%.*s/%s", (int)dl, dir, rel) : snprintf(buf, len, "%.*s", (int)dl, dir);
    return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

int tb_plat_path(enum tb_plat_root root, const char *rel, char *buf, size_t len)
{
    return tb_plat_join(tb_plat_root_dir(root), rel, buf, len);
}

int tb_plat_map(const char *abs_path, char *buf, size_t len)
{
    for (int i = 0; i < TB_ROOT__COUNT; i++) {
        size_t pl = strlen(roots[i].real);
        if (strncmp(abs_path, roots[i].real, pl) == 0 && (abs_path[pl] == '/' || abs_path[pl] == '\0'))
            return tb_plat_path((enum tb_plat_root)i, abs_path + pl, buf, len);
    }
    int r = snprintf(buf, len, "%s", abs_path);
    return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

const char *tb_plat_strerror(int err)
{
    if (err < 0)
        err = -err;
    if (err == TB_EFTYPE)
        return "not a regular file (a FIFO, socket, directory or device where a file belongs)";
    return strerror(err);
}

int tb_plat_open_ro(const char *path, enum tb_file_kind kind)
{
    /* O_NONBLOCK: opening a FIFO without a writer, or a device that waits,
     * returns at once instead of blocking; the type check below then
     * refuses it before any read */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int ok = S_ISREG(sb.st_mode) || (kind == TB_FILE_DEV && S_ISCHR(sb.st_mode));
    if (!ok) {
        close(fd);
        return -TB_EFTYPE;
    }
    return fd;
}

int tb_plat_read_text(const char *path, char *buf, size_t len)
{
    if (!len)
        return -EINVAL;
    buf[0] = 0;
    int fd = tb_plat_open_ro(path, TB_FILE_REG);
    if (fd < 0)
        return fd;
    ssize_t n = read(fd, buf, len - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    return (int)n;
}

int tb_plat_read_all(const char *path, size_t max, int (*done)(const char *, size_t), char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = tb_plat_open_ro(path, TB_FILE_REG);
    if (fd < 0)
        return fd;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    int rc = b ? 0 : -ENOMEM;
    while (rc == 0) {
        if (n == cap) {
            if (cap >= max) {
                rc = -EFBIG;
                break;
            }
            cap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            b = nb;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = -errno;
        else if (r == 0)
            break;
        else {
            n += (size_t)r;
            if (done && done(b, n))
                break;
        }
    }
    close(fd);
    if (rc < 0) {
        free(b);
        return rc;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return 0;
}

int tb_plat_parse_int64(const char *s, size_t n, int64_t *v)
{
    /* optional spaces, an optional sign, decimal digits, then only
     * newlines or spaces: what sysfs and procfs integer files hold */
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    size_t d0 = i;
    uint64_t x = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned dg = (unsigned)(s[i] - '0');
        if (x > (lim - dg) / 10)
            return -ERANGE;
        x = x * 10 + dg;
    }
    if (i == d0)
        return -EINVAL;
    for (; i < n && s[i]; i++)
        if (s[i] != '\n' && s[i] != ' ' && s[i] != '\t')
            return -EINVAL;
    *v = neg ? (x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    return 0;
}

int tb_plat_read_int64(const char *path, int64_t *v)
{
    char b[64];
    int r = tb_plat_read_text(path, b, sizeof b);
    if (r < 0)
        return r;
    int64_t x;
    r = tb_plat_parse_int64(b, (size_t)r, &x);
    if (r < 0)
        return -EINVAL;
    *v = x;
    return 0;
}

int tb_plat_meminfo_parse(const char *s, size_t n, const char *key, int64_t *bytes)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        /* "MemTotal:       24637472 kB" */
        if (e - i > kl && !memcmp(s + i, key, kl) && s[i + kl] == ':') {
            size_t j = i + kl + 1;
            while (j < e && s[j] == ' ')
                j++;
            size_t d = j;
            int64_t kb = 0;
            for (; j < e && s[j] >= '0' && s[j] <= '9'; j++) {
                if (kb > (INT64_MAX / 1024 - 9) / 10)
                    return -ERANGE;
                kb = kb * 10 + (s[j] - '0');
            }
            if (j == d)
                return -EINVAL;
            while (j < e && s[j] == ' ')
                j++;
            if (e - j == 2 && !memcmp(s + j, "kB", 2))
                *bytes = kb * 1024;
            else if (j == e)
                *bytes = kb;
            else
                return -EINVAL;
            return 0;
        }
        i = e + 1;
    }
    return -ENOENT;
}

int tb_plat_meminfo(const char *key, int64_t *bytes)
{
    char path[512], *buf;
    size_t n;
    int r = tb_plat_path(TB_ROOT_PROC, "meminfo", path, sizeof path);
    if (r < 0 || (r = tb_plat_read_all(path, 1 << 20, NULL, &buf, &n)) < 0)
        return r;
    r = tb_plat_meminfo_parse(buf, n, key, bytes);
    free(buf);
    return r;
}
