/* summary.c - the readable table printed after `tritbench run`, read back
 * from the store (so it shows exactly what was stored).  Matmul rows also
 * show their share of the roofline and the speedup over fp16 on the same
 * shape, n and threads in the same run.
 * %roof = max(bytes / read bandwidth, MACs / peak MAC rate) / median time,
 * with the read bandwidth of the probe sized like the case's bytes. */
#include "tb-cli.h"
#include "tb-store.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Roofline ceilings of this machine at a thread count: the bandwidth
 * probe's read GB/s and the compute probe's GOP/s of the kind a format
 * runs on (int8 multiply-add for int8 and ternary, fp32 FMA for float),
 * preferring this run's probes, else the latest on this machine. */
static double ceiling(sqlite3 *db, int64_t run_id, int threads, const char *backend_like, double bytes,
                      double *probe_bytes)
{
    /* Bandwidth: the read probe whose array is the smallest >= bytes (else
     * the largest); compute: the best peak.  This run's probes first. */
    const char *sql =
        "SELECT x.value, c.bytes_acts FROM metrics x JOIN cases c ON c.id=x.case_id JOIN runs r ON r.id=c.run_id"
        " WHERE r.machine_id=(SELECT machine_id FROM runs WHERE id=?1) AND c.status='ok'"
        " AND c.threads=?2 AND c.backend LIKE ?3 AND x.name=(CASE WHEN ?3 LIKE 'bw-%' THEN 'gbps' ELSE 'gops' END)"
        " ORDER BY (c.run_id=?1) DESC, (coalesce(c.bytes_acts,0) >= ?4) DESC,"
        " CASE WHEN coalesce(c.bytes_acts,0) >= ?4 THEN c.bytes_acts ELSE -c.bytes_acts END ASC,"
        " x.value DESC LIMIT 1";
    sqlite3_stmt *st;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NAN;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int(st, 2, threads);
    sqlite3_bind_text(st, 3, backend_like, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 4, bytes);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_double(st, 0);
        if (probe_bytes)
            *probe_bytes = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    return v;
}

int tb_summary_roofline(tb_store *s, int64_t run_id)
{
    sqlite3 *db = tb_store_db(s);
    const char *sql =
        "SELECT c.id, c.threads, c.format, c.m, c.n, c.k, s.median,"
        " coalesce(c.bytes_weights,0)+coalesce(c.bytes_acts,0)+coalesce(c.bytes_out,0)"
        " FROM cases c JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
        " WHERE c.run_id=? AND c.workload='matmul' AND c.status='ok'";
    sqlite3_stmt *st, *ins;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO metrics(case_id,name,value,unit,note) VALUES(?,?,?,?,?)", -1,
                           &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t cid = sqlite3_column_int64(st, 0);
        int threads = sqlite3_column_int(st, 1);
        const char *fmt = (const char *)sqlite3_column_text(st, 2);
        double macs = (double)sqlite3_column_int64(st, 3) * (double)sqlite3_column_int64(st, 4) *
                      (double)sqlite3_column_int64(st, 5);
        double med = sqlite3_column_double(st, 6), bytes = sqlite3_column_double(st, 7);
        int is_float = fmt && (!strcmp(fmt, "fp16") || !strcmp(fmt, "bf16"));
        double probe_bytes = NAN;
        double bw = ceiling(db, run_id, threads, "bw-read-%", bytes, &probe_bytes);
        double peak = ceiling(db, run_id, threads, is_float ? "peak-fp32-%" : "peak-int8-%", 0, NULL);
        char bw_note[128];
        snprintf(bw_note, sizeof bw_note, "read probe of %.0f MiB on this machine (smallest >= the case's bytes)",
                 probe_bytes / 1048576.0);
        double t_mem = bw > 0 ? bytes / bw : NAN;                 /* ns: bytes / (GB/s) */
        double t_cpu = peak > 0 ? macs / (peak / 2) : NAN;        /* peak counts mul + add per MAC */
        struct { const char *name; double v; const char *unit, *note; } rows[] = {
            {"bw_ceiling_gbps", bw, "GB/s", isnan(bw) ? "no bandwidth probe on this machine at this thread count"
                                                      : bw_note},
            {"peak_ceiling_gops", peak, "GOP/s", isnan(peak) ? "no compute probe on this machine at this thread count"
                                                             : is_float ? "fp32 FMA peak probe" : "int8 multiply-add peak probe"},
            {"roofline_pct", (isnan(t_mem) && isnan(t_cpu)) ? NAN : 100 * fmax(isnan(t_mem) ? 0 : t_mem, isnan(t_cpu) ? 0 : t_cpu) / med,
             "%", t_mem >= t_cpu ? "memory-bound: bytes / read bandwidth" : "compute-bound: MACs / peak"},
            {"bw_pct", isnan(t_mem) ? NAN : 100 * t_mem / med, "%", "share of measured read bandwidth"},
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            sqlite3_reset(ins);
            sqlite3_bind_int64(ins, 1, cid);
            sqlite3_bind_text(ins, 2, rows[i].name, -1, SQLITE_STATIC);
            if (isnan(rows[i].v))
                sqlite3_bind_null(ins, 3);
            else
                sqlite3_bind_double(ins, 3, rows[i].v);
            sqlite3_bind_text(ins, 4, rows[i].unit, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, rows[i].note, -1, SQLITE_STATIC);
            sqlite3_step(ins);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(ins);
    sqlite3_finalize(st);
    return 0;
}

int tb_summary_print(tb_store *s, int64_t run_id, int color)
{
    sqlite3 *db = tb_store_db(s);
    const char *sql =
        "SELECT c.case_key, c.workload, c.status, c.status_reason, s.median, s.ci_lo, s.ci_hi, c.flags,"
        " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='gbps'),"
        " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='gops'),"
        " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='roofline_pct'),"
        " c.threads, c.format, c.shape, c.n,"
        " (SELECT min(s2.median) FROM cases c2 JOIN stats s2 ON s2.case_id=c2.id AND s2.metric='ns_per_iter'"
        "  WHERE c2.run_id=c.run_id AND c2.format='fp16' AND c2.status='ok' AND c2.shape=c.shape"
        "  AND c2.n=c.n AND c2.threads=c.threads)"
        " FROM cases c LEFT JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
        " WHERE c.run_id=? ORDER BY c.id";

    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    printf("%-44s %-6s %12s %25s %9s %9s %6s %8s  %s\n", "case", "status", "median", "95% CI of median", "GB/s",
           "GOP/s", "%roof", "vs fp16", "flags");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = col_text(st, 0), *wl = col_text(st, 1), *status = col_text(st, 2);
        double med = col_num(st, 4), lo = col_num(st, 5), hi = col_num(st, 6), gbps = col_num(st, 8),
               gops = col_num(st, 9);
        double roof = col_num(st, 10);
        char mb[32], lb[32], hb[32], ci[64] = "-", g1[16] = "-", g2[16] = "-", pbw[16] = "-", vs[16] = "-";
        tb_fmt_ns(med, mb, sizeof mb);
        if (!isnan(lo))
            snprintf(ci, sizeof ci, "[%s, %s]", tb_fmt_ns(lo, lb, sizeof lb), tb_fmt_ns(hi, hb, sizeof hb));
        if (!isnan(gbps))
            snprintf(g1, sizeof g1, "%.2f", gbps);
        if (!isnan(gops))
            snprintf(g2, sizeof g2, "%.2f", gops);
        if (!strcmp(wl, "matmul") && !isnan(gbps)) {
            if (!isnan(roof))
                snprintf(pbw, sizeof pbw, "%.0f%%", roof);
            double f = col_num(st, 15); /* fp16 median, same shape, n, threads, run */
            if (!isnan(f) && !isnan(med) && med > 0)
                snprintf(vs, sizeof vs, "%.2fx", f / med);
        }
        int bad = strcmp(status, "ok") != 0;
        printf("%-44s %s%-6s%s %12s %25s %9s %9s %6s %8s  %s%s%s\n", key, bad && color ? "\033[31m" : "",
               status, bad && color ? "\033[0m" : "", bad ? "-" : mb, ci, g1, g2, pbw, vs, col_text(st, 7),
               bad ? " " : "", bad ? col_text(st, 3) : "");
    }
    sqlite3_finalize(st);
    return 0;
}
