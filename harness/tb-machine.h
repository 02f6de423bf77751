/* tb-machine.h - the machine fingerprint: what a result must be compared
 * with.  Read from /proc and /sys through the platform module's roots
 * (TRITBENCH_PROC_ROOT and TRITBENCH_SYSFS_ROOT, so tests parse fixture
 * trees); the run's frequency policy is tb_plat_freq_policy(m). */
#ifndef TB_MACHINE_H
#define TB_MACHINE_H

#include <stdint.h>
#include "tb-platform.h" /* tb_plat_freq_policy, roots */

typedef struct tb_machine {
    char hostname[64];
    char vendor[32], brand[128];
    int family, model, stepping;    /* -1 unknown */
    char microcode[32];
    char isa_flags[512];            /* performance-relevant cpuinfo flags */
    int sockets, cores, threads, smt_on; /* -1 unknown */
    int64_t l1d, l1i, l2, l3;       /* bytes per instance, -1 unknown */
    int numa_nodes;
    int64_t mem_bytes;
    char kernel[96], os[96];
    char hypervisor[32];            /* "none" on bare metal; "undetectable" where the CPU cannot
                                       tell (AArch64 without /sys/hypervisor/type) */
    char governor[32];              /* "" unknown (no cpufreq) */
    char boost[16];                 /* "on", "off", "" unknown */
    int64_t freq_min_khz, freq_max_khz; /* -1 unknown */
    char thp[16];                   /* always|madvise|never */
    int aslr;
    int perf_event_paranoid;        /* -99 unknown */
    char fingerprint[17];           /* 16 hex digits */
} tb_machine;

/* Probe the running machine (or fixture roots).  Never fails: fields it
 * cannot read stay unknown. */
void tb_machine_probe(tb_machine *m);
/* Same with explicit roots ("" = the platform's root: the variable, else
 * the real /proc or /sys). */
void tb_machine_probe_at(tb_machine *m, const char *proc_root, const char *sys_root);
/* Compute m->fingerprint from the performance-relevant fields. */
void tb_machine_fingerprint(tb_machine *m);
/* JSON object of every field into buf; returns bytes written. */
int tb_machine_json(const tb_machine *m, char *buf, int len);

#endif
