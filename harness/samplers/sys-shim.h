/* sys-shim.h - the one door from the samplers to the kernel and the file
 * system, so tests can redirect paths and inject failures.
 *
 * Paths: tb_sys_path() is tb_plat_map() (tb-platform.h): "/sys", "/dev"
 * and "/proc" paths go under the roots named by TRITBENCH_SYSFS_ROOT,
 * TRITBENCH_DEV_ROOT and TRITBENCH_PROC_ROOT.
 *
 * Faults: tb_shim_fail() arms a rule "operation OP on a path containing
 * SUBSTR fails with errno E" (SUBSTR NULL = any).  Rules stay armed until
 * tb_shim_reset().  Tests run as root, where chmod cannot make EACCES, so
 * permission cases come from here.  Hooks replace perf_event_open and
 * dlopen/dlsym wholesale (fake PMUs, fake NVML).
 *
 * Thread-safety: the rule table is meant to be set up before samplers run;
 * calls from the guard thread only read it. */
#ifndef TB_SYS_SHIM_H
#define TB_SYS_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tb-platform.h"

struct perf_event_attr;

enum tb_shim_op {
    TB_SHIM_OPEN = 0,   /* open(2) and opendir(3) */
    TB_SHIM_PREAD,      /* pread(2) and read(2) */
    TB_SHIM_IOCTL,
    TB_SHIM_PERF_OPEN,  /* matched against "type=T config=C" */
    TB_SHIM_DLOPEN,
    TB_SHIM__COUNT
};

/* Build the real path of an absolute system path ("/sys/class/powercap")
 * under the configured roots.  Returns 0 or -ENAMETOOLONG. */
int tb_sys_path(char *buf, size_t len, const char *abs_path);

/* Read-only (FLAGS must be O_RDONLY), through tb_plat_open_ro: never
 * blocks, and refuses with -TB_EFTYPE anything but a regular file (under
 * /dev also a character device).  fd or -errno. */
int tb_sys_open(const char *abs_path, int flags);
int tb_sys_opendir_check(const char *abs_path);            /* 0 or -errno */
ssize_t tb_sys_pread(int fd, void *buf, size_t n, off_t off); /* n or -errno */
ssize_t tb_sys_read(int fd, void *buf, size_t n);          /* n or -errno */
int tb_sys_ioctl(int fd, unsigned long req, unsigned long arg); /* 0 or -errno */
void tb_sys_close(int fd);
/* fd or -errno. */
int tb_sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
                           int group_fd, unsigned long flags);
void *tb_sys_dlopen(const char *name, char *why, size_t len); /* NULL + why */
void *tb_sys_dlsym(void *h, const char *sym);
void tb_sys_dlclose(void *h);

/* Read a small text file whole (NUL-terminated, trailing newline kept).
 * Returns length or -errno. */
ssize_t tb_sys_read_text(const char *abs_path, char *buf, size_t len);

/* Fault injection (tests). */
void tb_shim_fail(enum tb_shim_op op, const char *substr, int err);
void tb_shim_reset(void);
typedef int (*tb_shim_perf_fn)(struct perf_event_attr *attr, pid_t pid, int cpu,
                               int group_fd, unsigned long flags);
void tb_shim_set_perf_open(tb_shim_perf_fn fn); /* NULL = real syscall */
typedef void *(*tb_shim_dlopen_fn)(const char *name);
typedef void *(*tb_shim_dlsym_fn)(void *h, const char *sym);
void tb_shim_set_dl(tb_shim_dlopen_fn o, tb_shim_dlsym_fn s); /* NULL = real */

/* CPU identity from /proc/cpuinfo (through the proc root), the samplers'
 * subset of tb_plat_cpuinfo(). */
typedef struct tb_cpu_id {
    char vendor[16];   /* "GenuineIntel", "AuthenticAMD", "" */
    int family, model;
    int hypervisor;    /* cpuinfo flag "hypervisor" */
    int rapl_flag;     /* cpuinfo flag "rapl" (AMD only sets it) */
} tb_cpu_id;
int tb_sys_cpu_id(tb_cpu_id *id);

/* Copy with truncation, always NUL-terminated; formats like snprintf. */
void tb_fmt(char *dst, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
