/* platform-fs.c - owns the fixture roots (TRITBENCH_SYSFS_ROOT,
 * TRITBENCH_PROC_ROOT, TRITBENCH_DEV_ROOT replace /sys, /proc, /dev), path
 * building under them and the small-file readers (see tb-platform.h).
 * Fault injection for the samplers stays in samplers/sys-shim.c, which
 * maps its paths through here. */
#define _GNU_SOURCE
#include "tb-platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int tb_plat_read_text(const char *path, char *buf, size_t len)
{
    if (!len)
        return -EINVAL;
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
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

int tb_plat_read_int64(const char *path, int64_t *v)
{
    char b[64], *end;
    int r = tb_plat_read_text(path, b, sizeof b);
    if (r < 0)
        return r;
    errno = 0;
    long long x = strtoll(b, &end, 10);
    if (end == b || errno || (*end && *end != '\n' && *end != ' '))
        return -EINVAL;
    *v = x;
    return 0;
}
