/* sampler-test.h - helpers shared by the sampler tests: temporary trees,
 * small files, fixture roots.  Header-only (each test is one executable). */
#ifndef TB_SAMPLER_TEST_H
#define TB_SAMPLER_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-test.h"
#include "samplers/sys-shim.h"
#include "samplers/tb-sampler-internal.h"

/* mkdir -p for the directory part of `path`. */
static inline void st_mkdirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
}

static inline void st_write(const char *root, const char *rel, const char *fmt, ...)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    st_mkdirs(path);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* Record MSR `addr` = v in the fixture file root/rel: the 8-byte word at
 * offset 8*addr of a sparse regular file (msr.c reads fixtures that way;
 * offset = address would overlap consecutive MSRs such as AMD 0xC001029A/B). */
static inline void st_write_word(const char *root, const char *rel, uint64_t addr, uint64_t v)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    st_mkdirs(path);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0 || pwrite(fd, &v, sizeof v, (off_t)addr * 8) != (ssize_t)sizeof v) {
        fprintf(stderr, "cannot write word to %s: %s\n", path, strerror(errno));
        exit(2);
    }
    close(fd);
}

static inline int st_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    return remove(p);
}

static inline void st_rmtree(const char *root)
{
    nftw(root, st_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *st_tmpdir(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/tb-sampler-test-XXXXXX");
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        exit(2);
    }
    return buf;
}

/* Point /sys and /proc at fixture scenario `scn` (relative to TB_FIXTURES). */
static inline void st_use_fixture(const char *scn)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s/sys", TB_FIXTURES, scn);
    setenv("TRITBENCH_SYSFS_ROOT", p, 1);
    snprintf(p, sizeof p, "%s/%s/proc", TB_FIXTURES, scn);
    setenv("TRITBENCH_PROC_ROOT", p, 1);
}

static inline void st_use_roots(const char *root)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/sys", root);
    setenv("TRITBENCH_SYSFS_ROOT", p, 1);
    snprintf(p, sizeof p, "%s/proc", root);
    setenv("TRITBENCH_PROC_ROOT", p, 1);
    snprintf(p, sizeof p, "%s/dev", root);
    setenv("TRITBENCH_DEV_ROOT", p, 1);
}

static inline void st_reset_roots(void)
{
    unsetenv("TRITBENCH_SYSFS_ROOT");
    unsetenv("TRITBENCH_PROC_ROOT");
    unsetenv("TRITBENCH_DEV_ROOT");
    tb_shim_reset();
}

static inline int st_find_chan(const tb_chan *ch, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(ch[i].name, name))
            return i;
    return -1;
}

#endif
