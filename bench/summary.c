/* summary.c - the readable tables printed after `tritbench run`, read back
 * from the store through read-only cursors (so they show exactly what was
 * stored; nothing here writes).  A header states the machine and the
 * facts of the whole run once; then one table per workload with only the
 * columns that mean something for it:
 *   bandwidth  median, CI, GB/s (median) and GB/s best (the ceiling)
 *   peak       median, CI, GOP/s (median) and GOP/s best (the ceiling)
 *   matmul     cache mode, median, CI, GB/s, GOP/s, roofline % with the
 *              ceiling it was computed against, and the paired speedup
 *              over the group's fp16 baseline from interleaved rounds;
 * and the ceilings whose start and end measurements drifted apart; after
 * an `isa` run, the ladder table of summary-isa.c. */
#include "tb-cli.h"
#include "tb-store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void ci_text(double lo, double hi, char *buf, size_t len)
{
    char lb[32], hb[32];
    if (isnan(lo) || isnan(hi))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "[%s, %s]", tb_fmt_ns(lo, lb, sizeof lb), tb_fmt_ns(hi, hb, sizeof hb));
}

static void num(double v, const char *fmt, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, fmt, v);
}

static int header(tb_store *s, int64_t run_id)
{
    tb_cursor *c = tb_store_select(s, "SELECT m.cpu_brand, m.hypervisor, m.l3_bytes, r.suite, r.started_at,"
                                      " b.git_commit, b.git_dirty FROM runs r JOIN machines m ON m.id=r.machine_id"
                                      " JOIN builds b ON b.id=r.build_id WHERE r.id=?");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc = tb_cursor_next(c);
    if (rc == 1)
        printf("run %lld: suite %s on %s (hypervisor %s, LLC %.0f MiB), build %.12s%s, started %s\n",
               (long long)run_id, tb_cursor_text(c, 3), tb_cursor_text(c, 0), tb_cursor_text(c, 1),
               tb_cursor_real(c, 2) / 1048576.0, tb_cursor_text(c, 5), tb_cursor_int(c, 6) ? "-dirty" : "",
               tb_cursor_text(c, 4));
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    c = tb_store_select(s, "SELECT fact, reason FROM run_facts WHERE run_id=? ORDER BY fact");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    while ((rc = tb_cursor_next(c)) == 1)
        printf("  run fact %s: %s\n", tb_cursor_text(c, 0), tb_cursor_text(c, 1));
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

static const char *status_tail(const char *status, const char *flags, const char *reason, int color, char *buf,
                               size_t len)
{
    int bad = strcmp(status, "ok") != 0;
    snprintf(buf, len, "%s%s%s%s%s", bad && color ? "\033[31m" : "", bad ? reason : "", bad && color ? "\033[0m" : "",
             bad && *flags ? " " : "", flags);
    return buf;
}

/* bandwidth and peak: one table each. */
static int probe_table(tb_store *s, int64_t run_id, const char *wl, const char *unit, const char *m_med,
                       const char *m_best, int color)
{
    tb_cursor *c = tb_store_select(s, "SELECT c.case_key, c.status, c.status_reason, s.median, s.ci_lo, s.ci_hi,"
                                      " coalesce(c.flags,''),"
                                      " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name=?3),"
                                      " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name=?4)"
                                      " FROM cases c LEFT JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
                                      " WHERE c.run_id=?1 AND c.workload=?2 ORDER BY c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    tb_cursor_bind_text(c, 2, wl);
    tb_cursor_bind_text(c, 3, m_med);
    tb_cursor_bind_text(c, 4, m_best);
    int rc, rows = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (rows++ == 0)
            printf("\n%-40s %-6s %12s %25s %10s %10s  %s\n", wl, "status", "median", "95% CI of median", unit,
                   "best", "flags");
        char mb[32], ci[64], a[24], b[24], tail[600];
        tb_fmt_ns(tb_cursor_real(c, 3), mb, sizeof mb);
        ci_text(tb_cursor_real(c, 4), tb_cursor_real(c, 5), ci, sizeof ci);
        num(tb_cursor_real(c, 7), "%.2f", a, sizeof a);
        num(tb_cursor_real(c, 8), "%.2f", b, sizeof b);
        printf("%-40s %-6s %12s %25s %10s %10s  %s\n", tb_cursor_text(c, 0), tb_cursor_text(c, 1), mb, ci, a, b,
               status_tail(tb_cursor_text(c, 1), tb_cursor_text(c, 6), tb_cursor_text(c, 2), color, tail,
                           sizeof tail));
    }
    if (rows)
        printf("  %s: median figure; best: the fastest of the repetitions, used as the ceiling\n", unit);
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* The ISA level of the peak probe named in a peak ceiling's note
 * ("... peak/int8-avx2/t1 ..." -> "avx2"; the ternary-step probe peak/tern-avx2 ->
 * "tern-avx2"); "" if it names none. */
static void peak_level(const char *note, char *buf, size_t len)
{
    const char *k = strstr(note, "peak/");
    buf[0] = 0;
    if (!k)
        return;
    k += 5;
    const char *dash = strchr(k, '-'), *slash = strchr(k, '/');
    if (!dash || !slash || dash > slash)
        return;
    if (!strncmp(k, "tern-", 5)) /* the ternary-step probe: say so */
        dash = k - 1;
    snprintf(buf, len, "%.*s", (int)(slash - dash - 1), dash + 1);
}

/* The ceiling a roofline % was computed against, in a few characters:
 * the read probe's size and rate, or the compute peak's ISA level and rate. */
static void ceiling_text(const char *roof_note, double bw, double bw_mib, double peak, const char *peak_note,
                         char *buf, size_t len)
{
    char lvl[32];
    peak_level(peak_note, lvl, sizeof lvl);
    if (strstr(roof_note, "memory-bound") && !isnan(bw))
        snprintf(buf, len, "rd%.0fM %.1f", bw_mib, bw);
    else if (!isnan(peak) && lvl[0])
        snprintf(buf, len, "pk %s %.0f", lvl, peak);
    else if (!isnan(peak))
        snprintf(buf, len, "peak %.0f", peak);
    else
        snprintf(buf, len, "-");
}

static int matmul_table(tb_store *s, int64_t run_id, int color)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT c.case_key, coalesce(c.cache_mode,''), c.status, c.status_reason, s.median, s.ci_lo, s.ci_hi,"
           " coalesce(c.flags,''),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='gbps'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='gops'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='roofline_pct'),"
           " (SELECT coalesce(note,'') FROM metrics x WHERE x.case_id=c.id AND x.name='roofline_pct'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='bw_ceiling_gbps'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='bw_ceiling_mib'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='peak_ceiling_gops'),"
           " q.median, q.ci_lo, q.ci_hi, coalesce(c.is_baseline, 0),"
           " (SELECT coalesce(note,'') FROM metrics x WHERE x.case_id=c.id AND x.name='peak_ceiling_gops')"
           " FROM cases c LEFT JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
           " LEFT JOIN ratios q ON q.case_id=c.id AND q.metric='speedup'"
           " WHERE c.run_id=? AND c.workload='matmul' ORDER BY c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc, rows = 0, suspect = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (rows++ == 0)
            printf("\n%-46s %-5s %-6s %11s %23s %8s %8s %7s %-18s %-19s  %s\n", "matmul", "cache", "status",
                   "median", "95% CI of median", "GB/s", "GOP/s", "%roof", "ceiling", "vs fp16 [95% CI]", "flags");
        const char *status = tb_cursor_text(c, 2), *flags = tb_cursor_text(c, 7), *rnote = tb_cursor_text(c, 11);
        char mb[32], ci[64], g1[16], g2[16], roof[16], ceil[32], vs[48], tail[600];
        tb_fmt_ns(tb_cursor_real(c, 4), mb, sizeof mb);
        ci_text(tb_cursor_real(c, 5), tb_cursor_real(c, 6), ci, sizeof ci);
        num(tb_cursor_real(c, 8), "%.2f", g1, sizeof g1);
        num(tb_cursor_real(c, 9), "%.2f", g2, sizeof g2);
        double r = tb_cursor_real(c, 10);
        if (strstr(flags, "ceiling_suspect")) {
            snprintf(roof, sizeof roof, "suspect");
            suspect++;
        } else {
            num(r, "%.0f%%", roof, sizeof roof);
        }
        double bw_mib = tb_cursor_real(c, 13);
        if (isnan(r))
            snprintf(ceil, sizeof ceil, "-");
        else
            ceiling_text(rnote, tb_cursor_real(c, 12), bw_mib, tb_cursor_real(c, 14), tb_cursor_text(c, 19), ceil,
                         sizeof ceil);
        double q = tb_cursor_real(c, 15), lo = tb_cursor_real(c, 16), hi = tb_cursor_real(c, 17);
        if (tb_cursor_int(c, 18))
            snprintf(vs, sizeof vs, "baseline");
        else if (isnan(q))
            snprintf(vs, sizeof vs, "-");
        else if (isnan(lo))
            snprintf(vs, sizeof vs, "%.2fx", q);
        else
            snprintf(vs, sizeof vs, "%.2fx [%.2f,%.2f]", q, lo, hi);
        printf("%-46s %-5s %-6s %11s %23s %8s %8s %7s %-18s %-19s  %s\n", tb_cursor_text(c, 0), tb_cursor_text(c, 1),
               status, mb, ci, g1, g2, roof, ceil, vs,
               status_tail(status, flags, tb_cursor_text(c, 3), color, tail, sizeof tail));
    }
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    if (rows) {
        printf("  %%roof: max(bytes / read-bandwidth ceiling, MACs / MAC-peak ceiling) / median; ceiling: the binding\n"
               "  one (rdNM G = read probe of N MiB at G GB/s, best repetition; cold cases: the probe beyond the LLC;\n"
               "  hot: a cache-resident probe of the weights' size class; pk L P = the compute probe of the variant's ISA\n"
               "  level L and data type (fp32 FMA for fp16/bf16, int8 multiply-add for int8 and ternary; tern-avx2: the\n"
               "  AVX2 ternary GEMM step, vpmaddubsw + int16 adds), P GOP/s)\n"
               "  vs fp16: per interleaved round, fp16 time / this case's time; median over rounds with its 95%% CI\n");
        if (suspect)
            printf("  %d case(s) beat their ceiling by more than 5%%: shown as 'suspect' (reasons in cases.flags_reason)\n",
                   suspect);
    }
    return 0;
}

/* Decode steps against the same steps' matmuls alone (--matmuls): what
 * the decoder adds around its GEMVs (norms, RoPE, attention, GLU, copies
 * of activations), per model, format, batch and threads.  The two cases
 * are measured in the same interleaved rounds: the ratio is paired, per
 * round decode time / matmuls time, median with its 95% CI. */
static int overhead_lines(tb_store *s, int64_t run_id)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT a.case_key, a.id, b.id FROM cases a JOIN cases b ON b.run_id=a.run_id"
           " AND b.workload='e2e' AND b.status='ok'"
           " AND b.case_key=replace(a.case_key, '/' || (SELECT value FROM case_params p WHERE p.case_id=a.id"
           " AND p.name='test') || '/', '/' || (SELECT value FROM case_params p WHERE p.case_id=a.id"
           " AND p.name='test') || '-matmuls/')"
           " WHERE a.run_id=? AND a.workload='e2e' AND a.status='ok' AND b.id != a.id ORDER BY a.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc, n = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        char key[200];
        snprintf(key, sizeof key, "%s", tb_cursor_text(c, 0));
        int64_t ida = tb_cursor_int(c, 1), idb = tb_cursor_int(c, 2);
        tb_cursor *q = tb_store_select(s, "SELECT 1.0 * a.wall_ns / a.iters, 1.0 * b.wall_ns / b.iters FROM samples a"
                                          " JOIN samples b ON b.case_id=?2 AND b.round=a.round WHERE a.case_id=?1"
                                          " ORDER BY a.round");
        if (!q)
            break;
        tb_cursor_bind_int(q, 1, ida);
        tb_cursor_bind_int(q, 2, idb);
        double r[1024], da[1024], db[1024];
        int m = 0, qr;
        while ((qr = tb_cursor_next(q)) == 1 && m < 1024) {
            da[m] = tb_cursor_real(q, 0);
            db[m] = tb_cursor_real(q, 1);
            r[m] = db[m] > 0 ? da[m] / db[m] : NAN;
            m++;
        }
        tb_cursor_close(q);
        if (qr < 0)
            break;
        tb_stats st, sa, sb;
        if (m < 1 || tb_stats_compute(r, m, &st) < 0 || tb_stats_compute(da, m, &sa) < 0 ||
            tb_stats_compute(db, m, &sb) < 0)
            continue;
        if (n++ == 0)
            printf("\ndecode vs the same steps' matmuls alone (same build, copies, threads; measured in the same "
                   "rounds):\n");
        char ci[64] = "";
        if (!isnan(st.ci_lo))
            snprintf(ci, sizeof ci, " [%.3f, %.3f]", st.ci_lo, st.ci_hi);
        printf("  %-54s %9.3f vs %9.3f ms/iter: decode/matmuls %.3f%s over %d paired rounds (%+.1f%%)\n", key,
               sa.median / 1e6, sb.median / 1e6, st.median, ci, m, 100 * (st.median - 1));
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* Decoder cases: llama-bench's figures (tokens/s with its CI, per-token
 * latency p50/p99, time to first token), the decode roofline share, the
 * model's weights and the paired speedup over fp16. */
static int e2e_table(tb_store *s, int64_t run_id, int color)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT c.case_key, c.status, c.status_reason, coalesce(c.flags,''),"
           " (SELECT value FROM case_params p WHERE p.case_id=c.id AND p.name='n_gen'),"
           " (SELECT value FROM case_params p WHERE p.case_id=c.id AND p.name='n_prompt'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='tokens_per_s'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='tokens_per_s_ci_lo'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='tokens_per_s_ci_hi'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='pp_tokens_per_s'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='pp_tokens_per_s_ci_lo'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='pp_tokens_per_s_ci_hi'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='ms_per_token'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='tpot_p99_ms'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='ttft_ms'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='roofline_pct'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='model_bytes'),"
           " q.median, q.ci_lo, q.ci_hi, coalesce(c.is_baseline, 0),"
           " (SELECT value FROM case_params p WHERE p.case_id=c.id AND p.name='extrapolated')"
           " FROM cases c"
           " LEFT JOIN ratios q ON q.case_id=c.id AND q.metric='speedup'"
           " WHERE c.run_id=? AND c.workload='e2e' ORDER BY c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc, rows = 0, extrap = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (rows++ == 0)
            printf("\n%-54s %-6s %22s %9s %9s %9s %6s %8s %-19s  %s\n", "decoder (e2e)", "status",
                   "tokens/s [95% CI]", "ms/tok", "p99 ms", "TTFT ms", "%roof", "weights", "vs fp16 [95% CI]",
                   "flags");
        const char *status = tb_cursor_text(c, 1), *flags = tb_cursor_text(c, 3);
        int dec = tb_cursor_int(c, 4) > 0;
        double tps = tb_cursor_real(c, dec ? 6 : 9), lo = tb_cursor_real(c, dec ? 7 : 10),
               hi = tb_cursor_real(c, dec ? 8 : 11);
        char rate[48], m1[16], m2[16], m3[16], roof[16], gb[16], vs[48], tail[600];
        if (isnan(tps))
            snprintf(rate, sizeof rate, "-");
        else if (isnan(lo))
            snprintf(rate, sizeof rate, "%.2f%s", tps, dec ? "" : " pp");
        else
            snprintf(rate, sizeof rate, "%.2f%s [%.2f,%.2f]", tps, dec ? "" : " pp", lo, hi);
        num(tb_cursor_real(c, 12), "%.2f", m1, sizeof m1);
        num(tb_cursor_real(c, 13), "%.2f", m2, sizeof m2);
        num(tb_cursor_real(c, 14), "%.1f", m3, sizeof m3);
        if (strstr(flags, "ceiling_suspect"))
            snprintf(roof, sizeof roof, "suspect");
        else
            num(tb_cursor_real(c, 15), "%.0f%%", roof, sizeof roof);
        double wb = tb_cursor_real(c, 16);
        if (isnan(wb))
            snprintf(gb, sizeof gb, "-");
        else
            snprintf(gb, sizeof gb, "%.2f GB", wb / 1e9);
        double q = tb_cursor_real(c, 17), qlo = tb_cursor_real(c, 18), qhi = tb_cursor_real(c, 19);
        if (tb_cursor_int(c, 20))
            snprintf(vs, sizeof vs, "baseline");
        else if (isnan(q))
            snprintf(vs, sizeof vs, "-");
        else if (isnan(qlo))
            snprintf(vs, sizeof vs, "%.2fx", q);
        else
            snprintf(vs, sizeof vs, "%.2fx [%.2f,%.2f]", q, qlo, qhi);
        int x = tb_cursor_int(c, 21) == 1;
        extrap += x;
        char key[128];
        snprintf(key, sizeof key, "%s%s", tb_cursor_text(c, 0), x ? " *" : "");
        printf("%-54s %-6s %22s %9s %9s %9s %6s %8s %-19s  %s\n", key, status, rate, m1, m2, m3, roof, gb, vs,
               status_tail(status, flags, tb_cursor_text(c, 2), color, tail, sizeof tail));
    }
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    if (rows) {
        printf("  tokens/s: decode (tg: batch x tokens / decode time) or prefill ('pp'), median over repetitions;\n"
               "  ms/tok and p99: per-output-token latency (decode steps); TTFT: prefill of the prompt; %%roof: bytes\n"
               "  one decode step reads / this run's DRAM read ceiling over the median step; weights: the whole model\n"
               "  in its format; vs fp16: per interleaved round, fp16 time / this case's time\n");
        if (extrap)
            printf("  * EXTRAPOLATED: measured on --layers K of the model's layers and scaled to its depth\n");
    }
    return overhead_lines(s, run_id);
}

/* Cases of any other workload. */
static int other_table(tb_store *s, int64_t run_id, int color)
{
    tb_cursor *c = tb_store_select(s, "SELECT c.case_key, c.status, c.status_reason, s.median, s.ci_lo, s.ci_hi,"
                                      " coalesce(c.flags,'') FROM cases c LEFT JOIN stats s ON s.case_id=c.id"
                                      " AND s.metric='ns_per_iter' WHERE c.run_id=? AND c.workload NOT IN"
                                      " ('bandwidth','peak','matmul','e2e') ORDER BY c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc, rows = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (rows++ == 0)
            printf("\n%-46s %-6s %12s %25s  %s\n", "case", "status", "median", "95% CI of median", "flags");
        char mb[32], ci[64], tail[600];
        tb_fmt_ns(tb_cursor_real(c, 3), mb, sizeof mb);
        ci_text(tb_cursor_real(c, 4), tb_cursor_real(c, 5), ci, sizeof ci);
        printf("%-46s %-6s %12s %25s  %s\n", tb_cursor_text(c, 0), tb_cursor_text(c, 1), mb, ci,
               status_tail(tb_cursor_text(c, 1), tb_cursor_text(c, 6), tb_cursor_text(c, 2), color, tail,
                           sizeof tail));
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* Ceiling probes measured at the start and again at the end of the suite:
 * say when their best repetitions differ by more than 10% (the host
 * changed under the run; the cases were judged against the start). */
static int drift_lines(tb_store *s, int64_t run_id)
{
    tb_cursor *c = tb_store_select(
        s, "SELECT a.case_key, xa.value, xb.value, xa.unit FROM cases a JOIN cases b ON b.run_id=a.run_id"
           " AND b.case_key=replace(a.case_key, '/t' || a.threads, '/end/t' || a.threads)"
           " AND b.workload=a.workload AND b.threads=a.threads"
           " JOIN metrics xa ON xa.case_id=a.id AND xa.name IN ('gbps_best','gops_best')"
           " JOIN metrics xb ON xb.case_id=b.id AND xb.name=xa.name"
           " WHERE a.run_id=? AND a.workload IN ('bandwidth','peak') AND a.case_key NOT LIKE '%/end/%'"
           " AND (xb.value > 1.1 * xa.value OR xb.value < 0.9 * xa.value) ORDER BY a.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc, n = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (n++ == 0)
            printf("\nceiling drift (best repetition at the suite's start vs its end; cases were judged against "
                   "the start):\n");
        double a = tb_cursor_real(c, 1), b = tb_cursor_real(c, 2);
        printf("  %-40s %9.2f -> %9.2f %s (%+.0f%%)\n", tb_cursor_text(c, 0), a, b, tb_cursor_text(c, 3),
               100 * (b / a - 1));
    }
    tb_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

int tb_summary_print(tb_store *s, int64_t run_id, int color)
{
    if (header(s, run_id) < 0 || probe_table(s, run_id, "bandwidth", "GB/s", "gbps", "gbps_best", color) < 0 ||
        probe_table(s, run_id, "peak", "GOP/s", "gops", "gops_best", color) < 0 ||
        drift_lines(s, run_id) < 0 || matmul_table(s, run_id, color) < 0 || tb_summary_isa_ladder(s, run_id) < 0 ||
        e2e_table(s, run_id, color) < 0 ||
        other_table(s, run_id, color) < 0) {
        fprintf(stderr, "tritbench: summary: %s\n", tb_store_errmsg(s));
        return -1;
    }
    return 0;
}
