/* summary-isa.c - the ISA ladder's own table after `tritbench run isa`:
 * per format, per measured group (one shape, n, thread count and cache
 * mode, its variants timed in interleaved rounds), what each ISA level buys:
 * median time, GB/s, roofline % and the speedup over the format's scalar
 * reference and over its first SIMD level (AVX2 on x86-64, NEON on AArch64:
 * the level every CPU of the architecture that tritbench targets has) in
 * the same group.  Speedups are
 * ratios of the two cases' medians from the same group (never of figures
 * measured apart); '-' where the level was not measured or not ok;
 * 'suspect' for a roofline share above the ceiling's margin, as in matmul.
 * Reads the store only. */
#include "tb-cli.h"
#include "tb-store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ladder_row {
    char fmt[24], group[112], backend[48], isa[24];
    double median, gbps, roof;
    int ok, suspect;
} ladder_row;

static void copy_text(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* The ok median of the format's variant at ISA level isa in group g; NAN if none. */
static double level_median(const ladder_row *v, int n, const ladder_row *of, const char *isa)
{
    for (int i = 0; i < n; i++)
        if (v[i].ok && !strcmp(v[i].isa, isa) && !strcmp(v[i].fmt, of->fmt) &&
            !strcmp(v[i].group, of->group))
            return v[i].median;
    return NAN;
}

static void speedup_text(double base, double t, char *buf, size_t len)
{
    if (isnan(base) || isnan(t) || t <= 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx", base / t);
}

static void print_rows(const ladder_row *v, int n)
{
    const char *base = "avx2"; /* the second speedup column: the architecture's first SIMD level */
    for (int i = 0; i < n; i++)
        if (!strncmp(v[i].isa, "neon", 4))
            base = "neon";
    char base_head[16];
    snprintf(base_head, sizeof base_head, "vs %s", base);
    printf("\nISA ladder: what each level buys, per format (speedups: medians of the same interleaved group)\n");
    printf("%-6s %-32s %-16s %-11s %11s %8s %7s %10s %9s\n", "format", "group", "variant", "isa", "median",
           "GB/s", "%roof", "vs scalar", base_head);
    for (int f = 0; f < n; f++) {
        int first = 1; /* formats in order of first appearance */
        for (int e = 0; e < f; e++)
            first &= strcmp(v[e].fmt, v[f].fmt) != 0;
        if (!first)
            continue;
        for (int g = 0; g < n; g++) {
            if (strcmp(v[g].fmt, v[f].fmt))
                continue;
            int gfirst = 1; /* groups of this format in order of first appearance */
            for (int e = 0; e < g; e++)
                gfirst &= strcmp(v[e].fmt, v[g].fmt) != 0 || strcmp(v[e].group, v[g].group) != 0;
            if (!gfirst)
                continue;
            const char *gname = strncmp(v[g].group, "matmul/", 7) ? v[g].group : v[g].group + 7;
            for (int i = 0; i < n; i++) {
                if (strcmp(v[i].fmt, v[g].fmt) || strcmp(v[i].group, v[g].group))
                    continue;
                char mb[32], gb[16], rf[16], s0[16], s1[16];
                if (v[i].ok)
                    tb_fmt_ns(v[i].median, mb, sizeof mb);
                else
                    snprintf(mb, sizeof mb, "-");
                if (v[i].ok && !isnan(v[i].gbps))
                    snprintf(gb, sizeof gb, "%.2f", v[i].gbps);
                else
                    snprintf(gb, sizeof gb, "-");
                if (v[i].ok && v[i].suspect)
                    snprintf(rf, sizeof rf, "suspect");
                else if (v[i].ok && !isnan(v[i].roof))
                    snprintf(rf, sizeof rf, "%.0f%%", v[i].roof);
                else
                    snprintf(rf, sizeof rf, "-");
                double t = v[i].ok ? v[i].median : NAN;
                speedup_text(level_median(v, n, &v[i], "scalar"), t, s0, sizeof s0);
                speedup_text(level_median(v, n, &v[i], base), t, s1, sizeof s1);
                printf("%-6s %-32s %-16s %-11s %11s %8s %7s %10s %9s\n", v[i].fmt, gname, v[i].backend, v[i].isa,
                       mb, gb, rf, s0, s1);
            }
        }
    }
}

int tb_summary_isa_ladder(tb_store *s, int64_t run_id)
{
    tb_cursor *c = tb_store_select(s, "SELECT suite FROM runs WHERE id=?");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    int rc = tb_cursor_next(c), isa = rc == 1 && !strcmp(tb_cursor_text(c, 0), "isa");
    tb_cursor_close(c);
    if (rc < 0)
        return -1;
    if (!isa)
        return 0;
    c = tb_store_select(
        s, "SELECT coalesce((SELECT value FROM case_params p WHERE p.case_id=c.id AND p.name='format'),''),"
           " coalesce(c.group_key,''), coalesce(c.backend,''), coalesce(c.isa,''), c.status, s.median,"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='gbps'),"
           " (SELECT value FROM metrics x WHERE x.case_id=c.id AND x.name='roofline_pct'),"
           " coalesce(c.flags,'')"
           " FROM cases c LEFT JOIN stats s ON s.case_id=c.id AND s.metric='ns_per_iter'"
           " WHERE c.run_id=? AND c.workload='matmul' ORDER BY c.id");
    if (!c)
        return -1;
    tb_cursor_bind_int(c, 1, run_id);
    ladder_row *v = NULL;
    int n = 0, cap = 0;
    while ((rc = tb_cursor_next(c)) == 1) {
        if (n == cap) {
            int ncap = cap ? 2 * cap : 64;
            ladder_row *nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            v = nv;
            cap = ncap;
        }
        ladder_row *r = &v[n++];
        copy_text(r->fmt, sizeof r->fmt, tb_cursor_text(c, 0));
        copy_text(r->group, sizeof r->group, tb_cursor_text(c, 1));
        copy_text(r->backend, sizeof r->backend, tb_cursor_text(c, 2));
        copy_text(r->isa, sizeof r->isa, tb_cursor_text(c, 3));
        r->median = tb_cursor_real(c, 5);
        r->ok = !strcmp(tb_cursor_text(c, 4), "ok") && !isnan(r->median);
        r->gbps = tb_cursor_real(c, 6);
        r->roof = tb_cursor_real(c, 7);
        r->suspect = strstr(tb_cursor_text(c, 8), "ceiling_suspect") != NULL;
    }
    tb_cursor_close(c);
    if (rc == 0 && n > 0)
        print_rows(v, n);
    free(v);
    return rc < 0 ? -1 : 0;
}
