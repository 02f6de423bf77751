/* sys-shim.c - owns the syscall wrappers every sampler uses and the
 * fault-injection rules of tests; paths go through the platform module's
 * roots (tb_plat_map) and CPU identity through its cpuinfo parser.
 * See sys-shim.h for the contract. */
#define _GNU_SOURCE
#include "sys-shim.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TB_SHIM_RULES 16
#define TB_SHIM_FDS 512

static struct { enum tb_shim_op op; char substr[128]; int any; int err; } rules[TB_SHIM_RULES];
static int nrules;
/* fd -> path it was opened from, so pread/ioctl faults can match a path. */
static char fdpath[TB_SHIM_FDS][96];
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static tb_shim_perf_fn perf_hook;
static tb_shim_dlopen_fn dlopen_hook;
static tb_shim_dlsym_fn dlsym_hook;

void tb_fmt(char *dst, size_t len, const char *fmt, ...)
{
    if (!len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(dst, len, fmt, ap);
    va_end(ap);
    if (r < 0)
        dst[0] = '\0';
}

void tb_shim_fail(enum tb_shim_op op, const char *substr, int err)
{
    if (nrules >= TB_SHIM_RULES)
        return;
    rules[nrules].op = op;
    rules[nrules].any = substr == NULL;
    tb_fmt(rules[nrules].substr, sizeof rules[nrules].substr, "%s", substr ? substr : "");
    rules[nrules].err = err;
    nrules++;
}

void tb_shim_reset(void)
{
    nrules = 0;
    perf_hook = NULL;
    dlopen_hook = NULL;
    dlsym_hook = NULL;
}

void tb_shim_set_perf_open(tb_shim_perf_fn fn) { perf_hook = fn; }
void tb_shim_set_dl(tb_shim_dlopen_fn o, tb_shim_dlsym_fn s)
{
    dlopen_hook = o;
    dlsym_hook = s;
}

/* errno of the first rule matching (op, what); 0 when none. */
static int shim_fault(enum tb_shim_op op, const char *what)
{
    for (int i = 0; i < nrules; i++)
        if (rules[i].op == op && (rules[i].any || (what && strstr(what, rules[i].substr))))
            return rules[i].err;
    return 0;
}

static void fd_remember(int fd, const char *what)
{
    if (fd < 0 || fd >= TB_SHIM_FDS)
        return;
    pthread_mutex_lock(&fd_lock);
    tb_fmt(fdpath[fd], sizeof fdpath[fd], "%s", what);
    pthread_mutex_unlock(&fd_lock);
}

static int fd_fault(enum tb_shim_op op, int fd)
{
    if (!nrules)
        return 0;
    char what[96] = "";
    if (fd >= 0 && fd < TB_SHIM_FDS) {
        pthread_mutex_lock(&fd_lock);
        memcpy(what, fdpath[fd], sizeof what);
        pthread_mutex_unlock(&fd_lock);
    }
    return shim_fault(op, what);
}

int tb_sys_path(char *buf, size_t len, const char *abs_path)
{
    return tb_plat_map(abs_path, buf, len);
}

int tb_sys_open(const char *abs_path, int flags)
{
    char p[512];
    int e = shim_fault(TB_SHIM_OPEN, abs_path);
    if (e)
        return -e;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EINVAL; /* the samplers only read */
    int r = tb_sys_path(p, sizeof p, abs_path);
    if (r < 0)
        return r;
    /* non-blocking, and a regular file (a character device under /dev):
     * a FIFO where sysfs has a file must not hang `tritbench info` */
    int dev = !strncmp(abs_path, "/dev/", 5);
    int fd = tb_plat_open_ro(p, dev ? TB_FILE_DEV : TB_FILE_REG);
    if (fd < 0)
        return fd;
    fd_remember(fd, abs_path);
    return fd;
}

int tb_sys_opendir_check(const char *abs_path)
{
    char p[512];
    int e = shim_fault(TB_SHIM_OPEN, abs_path);
    if (e)
        return -e;
    int r = tb_sys_path(p, sizeof p, abs_path);
    if (r < 0)
        return r;
    DIR *d = opendir(p);
    if (!d)
        return -errno;
    closedir(d);
    return 0;
}

ssize_t tb_sys_pread(int fd, void *buf, size_t n, off_t off)
{
    int e = fd_fault(TB_SHIM_PREAD, fd);
    if (e)
        return -e;
    ssize_t r = pread(fd, buf, n, off);
    return r < 0 ? -errno : r;
}

ssize_t tb_sys_read(int fd, void *buf, size_t n)
{
    int e = fd_fault(TB_SHIM_PREAD, fd);
    if (e)
        return -e;
    ssize_t r = read(fd, buf, n);
    return r < 0 ? -errno : r;
}

int tb_sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
    int e = fd_fault(TB_SHIM_IOCTL, fd);
    if (e)
        return -e;
    return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

void tb_sys_close(int fd)
{
    if (fd < 0)
        return;
    fd_remember(fd, "");
    close(fd);
}

int tb_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
                           int group_fd, unsigned long flags)
{
    char what[96];
    tb_fmt(what, sizeof what, "perf:type=%u config=%llu excl_kernel=%u",
           attr->type, (unsigned long long)attr->config, (unsigned)attr->exclude_kernel);
    int e = shim_fault(TB_SHIM_PERF_OPEN, what);
    if (e)
        return -e;
    int fd;
    if (perf_hook) {
        fd = perf_hook(attr, pid, cpu, group_fd, flags);
        if (fd < 0)
            return fd;
    } else {
        fd = (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
        if (fd < 0)
            return -errno;
    }
    fd_remember(fd, what);
    return fd;
}

void *tb_sys_dlopen(const char *name, char *why, size_t len)
{
    int e = shim_fault(TB_SHIM_DLOPEN, name);
    if (e) {
        tb_fmt(why, len, "%s: %s (injected)", name, strerror(e));
        return NULL;
    }
    void *h = dlopen_hook ? dlopen_hook(name) : dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *d = dlopen_hook ? "not found" : dlerror();
        tb_fmt(why, len, "%s", d ? d : "dlopen failed");
    }
    return h;
}

void *tb_sys_dlsym(void *h, const char *sym)
{
    return dlsym_hook ? dlsym_hook(h, sym) : dlsym(h, sym);
}

void tb_sys_dlclose(void *h)
{
    if (h && !dlopen_hook)
        dlclose(h);
}

ssize_t tb_sys_read_text(const char *abs_path, char *buf, size_t len)
{
    if (!len)
        return -EINVAL;
    int fd = tb_sys_open(abs_path, O_RDONLY);
    if (fd < 0)
        return fd;
    ssize_t n = tb_sys_pread(fd, buf, len - 1, 0);
    tb_sys_close(fd);
    if (n < 0)
        return n;
    buf[n] = '\0';
    return n;
}

int tb_sys_cpu_id(tb_cpu_id *id)
{
    tb_cpuinfo ci;
    memset(id, 0, sizeof *id);
    id->family = id->model = -1;
    int r = tb_plat_cpuinfo(&ci);
    if (r < 0)
        return r;
    tb_fmt(id->vendor, sizeof id->vendor, "%s", ci.vendor);
    id->family = ci.family;
    id->model = ci.model;
    id->hypervisor = tb_cpuinfo_has_flag(&ci, "hypervisor");
    id->rapl_flag = tb_cpuinfo_has_flag(&ci, "rapl");
    return 0;
}
