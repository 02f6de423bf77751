/* tb-platform.h - the one door to the operating system's facts: clocks,
 * reads of /sys, /proc and /dev under fixture roots, the /proc/cpuinfo
 * parser, the steal-time reader, the CPU-frequency policy and the
 * TRITBENCH_* environment.  Everything else in the harness asks here
 * rather than calling clock_gettime, getenv or fopen("/proc/...") itself.
 *
 *   platform-clock.c  clocks
 *   platform-fs.c     fixture roots, paths, small-file reads
 *   platform-cpu.c    /proc/cpuinfo, /proc/stat steal, frequency policy
 *   platform-env.c    the environment-variable registry
 *   <arch>/platform-<arch>.c  what only the CPU can say (x86/, arm/, generic/)
 *
 * Thread-safety: every function may be called from any thread; none keeps
 * state except tb_env's once-per-variable deprecation warning (atomic). */
#ifndef TB_PLATFORM_H
#define TB_PLATFORM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* ---- clocks (platform-clock.c) ------------------------------------------ */

uint64_t tb_plat_now_ns(void);          /* CLOCK_MONOTONIC_RAW, ns */
uint64_t tb_plat_cpu_ns(void);          /* CPU time of the process, all threads, ns */
uint64_t tb_plat_thread_cpu_ns(void);   /* CPU time of the calling thread, ns */
double tb_plat_clock_res_ns(void);      /* resolution of tb_plat_now_ns, NAN unknown */
/* Wall-clock now as ISO-8601 UTC, "2024-05-01T12:34:56Z" (21 bytes with NUL). */
void tb_plat_utc_now(char *buf, size_t len);

/* ---- fixture roots and small files (platform-fs.c) ----------------------- */

/* Each root is the real mount point unless its variable names a directory
 * that replaces it (tests point these at trees under tests/fixtures). */
enum tb_plat_root {
    TB_ROOT_SYS = 0,    /* /sys,  TRITBENCH_SYSFS_ROOT */
    TB_ROOT_PROC,       /* /proc, TRITBENCH_PROC_ROOT */
    TB_ROOT_DEV,        /* /dev,  TRITBENCH_DEV_ROOT */
    TB_ROOT__COUNT
};

/* The directory standing for ROOT now: the variable's value, else "/sys",
 * "/proc" or "/dev".  Read per call, so tests may change it between calls. */
const char *tb_plat_root_dir(enum tb_plat_root root);
/* 1 when ROOT is redirected to a fixture directory. */
int tb_plat_root_redirected(enum tb_plat_root root);
/* DIR "/" REL into buf (one slash between them).  0 or -ENAMETOOLONG. */
int tb_plat_join(const char *dir, const char *rel, char *buf, size_t len);
/* REL ("devices/system/cpu/online") under ROOT.  0 or -ENAMETOOLONG. */
int tb_plat_path(enum tb_plat_root root, const char *rel, char *buf, size_t len);
/* An absolute system path ("/sys/class/powercap") with its /sys, /proc or
 * /dev prefix replaced by the root; other paths are copied unchanged.
 * 0 or -ENAMETOOLONG. */
int tb_plat_map(const char *abs_path, char *buf, size_t len);

/* Every read of a /sys, /proc or /dev file opens it here: read-only,
 * O_NONBLOCK (a FIFO without a writer or a device that waits returns at
 * once instead of hanging the reader), then fstat: KIND TB_FILE_REG wants a
 * regular file (all of /sys and /proc), TB_FILE_DEV a character device or a
 * regular file standing for one in a fixture tree.  Anything else (FIFO,
 * socket, directory, block device) is closed and refused with -TB_EFTYPE.
 * Returns the fd or -errno. */
enum tb_file_kind { TB_FILE_REG = 0, TB_FILE_DEV = 1 };
#define TB_EFTYPE EMEDIUMTYPE   /* "wrong file type": see tb_plat_strerror */
int tb_plat_open_ro(const char *path, enum tb_file_kind kind);
/* strerror(), with TB_EFTYPE spelled out; ERR may be negative. */
const char *tb_plat_strerror(int err);
/* Read a small file whole (one read), NUL-terminated, trailing newlines
 * and spaces stripped.  Returns its length or -errno. */
int tb_plat_read_text(const char *path, char *buf, size_t len);
/* Read a file of any length up to MAX bytes into a malloc'd, NUL-terminated
 * buffer (*out, free it; *len bytes).  DONE (optional) is asked after each
 * read whether the bytes so far suffice (e.g. /proc/stat's cpu lines).
 * 0, -EFBIG past MAX, or -errno. */
int tb_plat_read_all(const char *path, size_t max, int (*done)(const char *, size_t), char **out, size_t *len);
/* A file holding one decimal integer.  0, -errno, or -EINVAL (not a number). */
int tb_plat_read_int64(const char *path, int64_t *v);
/* The parser behind it: N bytes (no NUL needed) holding optional blanks,
 * an optional sign, decimal digits and then only blanks or newlines.
 * 0, -EINVAL (not such a number) or -ERANGE (beyond int64). */
int tb_plat_parse_int64(const char *s, size_t n, int64_t *v);
/* /proc/meminfo's KEY ("MemTotal", "MemAvailable") in bytes, under the
 * proc root.  0, -ENOENT (no such line), -EINVAL/-ERANGE or -errno. */
int tb_plat_meminfo(const char *key, int64_t *bytes);
/* The parser behind it, on N bytes of meminfo text. */
int tb_plat_meminfo_parse(const char *s, size_t n, const char *key, int64_t *bytes);

/* ---- CPU facts (platform-cpu.c) ------------------------------------------ */

/* /proc/cpuinfo: identity fields are the first processor's (the first
 * occurrence of each key), counts cover the whole file. */
typedef struct tb_cpuinfo {
    char vendor[32];            /* vendor_id: "GenuineIntel", "AuthenticAMD", "" */
    char brand[128];            /* model name */
    char microcode[32];
    int family, model, stepping; /* -1 unknown */
    int processors;             /* "processor" records (0: none listed) */
    int packages;               /* distinct "physical id" values (0: none listed) */
    int cores_per_package;      /* "cpu cores", -1 unknown */
    int siblings;               /* "siblings" (threads per package), -1 unknown */
    char flags[4096];           /* first processor's flags, space separated */
} tb_cpuinfo;

/* Parse the cpuinfo file at PATH.  0 or -errno (fields unknown on error). */
int tb_plat_cpuinfo_read(const char *path, tb_cpuinfo *ci);
/* The parser behind it, on N bytes of cpuinfo text (no NUL needed); lines
 * longer than 8 KiB are cut there.  Never fails. */
void tb_plat_cpuinfo_parse(const char *s, size_t n, tb_cpuinfo *ci);
/* Parse /proc/cpuinfo under the proc root.  0 or -errno. */
int tb_plat_cpuinfo(tb_cpuinfo *ci);
/* 1 when FLAG is one of ci->flags (whole word). */
int tb_cpuinfo_has_flag(const tb_cpuinfo *ci, const char *flag);

/* Steal time: a snapshot of /proc/stat (under the proc root); the runner
 * takes one before and one after each repetition. */
typedef struct tb_plat_steal {
    int64_t ticks;              /* 8th field of the "cpu" line: steal in USER_HZ ticks
                                   summed over online CPUs; -1 unreadable */
    int ncpu;                   /* online CPUs: "cpuN" lines of the same read */
    uint64_t at_ns;             /* tb_plat_now_ns() at the read */
} tb_plat_steal;
/* 0 or -errno (then ticks = -1). */
int tb_plat_steal_read(tb_plat_steal *s);
/* The parser behind it, on N bytes of /proc/stat text: the steal field of
 * the "cpu" line into *ticks (-1 when absent or malformed) and the count
 * of "cpuN" lines into *ncpu; stops at the first line not starting with
 * "cpu".  0, or -EINVAL without a well-formed "cpu" line. */
int tb_plat_steal_parse(const char *s, size_t n, int64_t *ticks, int *ncpu);
/* Steal ticks between two snapshots, -1 when either is unreadable. */
int64_t tb_plat_steal_ticks(const tb_plat_steal *a, const tb_plat_steal *b);
/* Steal between two snapshots as a fraction of their wall interval,
 * averaged over online CPUs (0 = none, 1 = every CPU stolen all the time);
 * NAN when either is unreadable or the interval is empty. */
double tb_plat_steal_frac(const tb_plat_steal *a, const tb_plat_steal *b);

/* CPU-frequency policy of the run (the same for every case). */
enum tb_freq_state {
    TB_FREQ_UNKNOWN = 0,        /* no cpufreq in sysfs (e.g. a KVM guest): not observable */
    TB_FREQ_PINNED,             /* governor performance (or userspace), boost off */
    TB_FREQ_UNPINNED,           /* frequency may move between or within repetitions */
};
typedef struct tb_freq_policy {
    enum tb_freq_state state;
    char reason[160];           /* one line: what the verdict rests on */
} tb_freq_policy;
struct tb_machine;
/* Verdict from the machine facts (governor, boost, hypervisor). */
void tb_plat_freq_policy(const struct tb_machine *m, tb_freq_policy *out);
const char *tb_freq_state_name(enum tb_freq_state s); /* "unknown", "pinned", "unpinned" */

/* ---- the architecture boundary (harness/<arch>/platform-<arch>.c) -------- */

/* 1 when this architecture's cpuinfo flags say whether the machine is a
 * guest (x86: "hypervisor"), 0 when they cannot (AArch64 has no such flag,
 * so a missing one proves nothing). */
int tb_plat_cpuinfo_tells_guest(void);
/* The hypervisor's vendor signature, asked of the CPU (x86: CPUID leaf
 * 0x40000000, "KVMKVMKVM"...), into v (len >= 13).  Call it only on a guest.
 * 0, or -ENOSYS where the architecture offers no such query. */
int tb_plat_cpu_hypervisor(char *v, size_t len);

/* ---- environment (platform-env.c) ---------------------------------------- */

/* One registered variable.  Every variable tritbench reads is a row of the
 * registry; NAME is TRITBENCH_* except recorded-only foreign ones. */
typedef struct tb_env_var {
    const char *name;           /* "TRITBENCH_ISA" */
    const char *alias;          /* deprecated old name ("TB_ISA") or NULL */
    const char *meaning;        /* one line */
} tb_env_var;

/* Value of the registered variable NAME (its TRITBENCH_ name), else of its
 * deprecated alias with a one-time warning on stderr
 * ("tritbench: TB_ISA is deprecated, use TRITBENCH_ISA"); NULL when unset.
 * An unregistered NAME is a programmer error (assert; getenv in release). */
const char *tb_env(const char *name);
/* JSON object {"NAME":"value",...} of every registered variable that is set
 * (through its alias too, under the TRITBENCH_ name), for runs.env_json.
 * Returns bytes written or -ENOSPC when buf was too small (truncated). */
int tb_env_json(char *buf, size_t len);
int tb_env_count(void);
const tb_env_var *tb_env_at(int i);  /* NULL when out of range */

#endif
