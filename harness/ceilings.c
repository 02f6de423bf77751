/* ceilings.c - collects the ceiling probes of a run and picks the one a
 * case is judged against (see tb-ceilings.h). */
#include "tb-ceilings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void tb_ceilings_init(tb_ceilings *c, double llc_bytes)
{
    memset(c, 0, sizeof *c);
    c->llc_bytes = llc_bytes;
}

int tb_ceilings_add(tb_ceilings *c, const tb_ceiling_obs *o)
{
    if (c->n == TB_CEILINGS_MAX)
        return -ENOSPC;
    c->v[c->n++] = *o;
    return 0;
}

/* Merge the start and end observations of the probe `key` into *out. */
static void merge(const tb_ceilings *c, const tb_ceiling_obs *o, tb_ceiling_pick *out)
{
    out->found = 1;
    out->start = out->end = NAN;
    out->bytes = o->bytes;
    snprintf(out->key, sizeof out->key, "%s", o->key);
    for (int i = 0; i < c->n; i++) {
        const tb_ceiling_obs *p = &c->v[i];
        if (p->kind != o->kind || p->threads != o->threads || p->bytes != o->bytes || strcmp(p->key, o->key))
            continue;
        double *slot = p->end ? &out->end : &out->start;
        if (isnan(*slot) || p->best > *slot)
            *slot = p->best;
    }
    out->value = isnan(out->start) ? out->end : isnan(out->end) ? out->start : fmax(out->start, out->end);
}

int tb_ceiling_bandwidth(const tb_ceilings *c, int threads, tb_cache_mode cache, double weight_bytes,
                         tb_ceiling_pick *out)
{
    memset(out, 0, sizeof *out);
    double llc = c->llc_bytes > 0 ? c->llc_bytes : INFINITY;
    const tb_ceiling_obs *dram = NULL, *fit = NULL, *largest_cached = NULL;
    for (int i = 0; i < c->n; i++) {
        const tb_ceiling_obs *o = &c->v[i];
        if (o->kind != TB_CEIL_READ_BW || o->threads != threads)
            continue;
        if (o->bytes > llc) {
            if (!dram || o->bytes > dram->bytes)
                dram = o;
        } else if (o->bytes <= llc / 2) {
            if (!largest_cached || o->bytes > largest_cached->bytes)
                largest_cached = o;
            if (o->bytes >= weight_bytes && (!fit || o->bytes < fit->bytes))
                fit = o;
        }
    }
    const tb_ceiling_obs *pick = NULL;
    const char *why = "";
    if (cache == TB_CACHE_COLD || weight_bytes > llc) {
        pick = dram;
        why = cache == TB_CACHE_COLD ? "weights streamed from memory: read probe beyond the LLC"
                                     : "weights larger than the LLC: read probe beyond the LLC";
    } else if (fit) {
        pick = fit;
        why = "cache-hot: smallest cache-resident read probe >= the weights";
    } else if (largest_cached) {
        pick = largest_cached;
        why = "cache-hot, weights above LLC/2: largest cache-resident read probe";
    } else {
        pick = dram;
        why = "cache-hot but no cache-resident read probe: read probe beyond the LLC";
    }
    if (!pick)
        return -ENOENT;
    merge(c, pick, out);
    snprintf(out->note, sizeof out->note, "%s (%s, %.0f MiB; start %.1f, end %.1f GB/s)", why, out->key,
             out->bytes / 1048576.0, out->start, out->end);
    return 0;
}

int tb_ceiling_peak(const tb_ceilings *c, tb_ceil_kind kind, int threads, const char *isa, tb_ceiling_pick *out)
{
    memset(out, 0, sizeof *out);
    const tb_ceiling_obs *best = NULL, *own = NULL;
    int want = isa && *isa;
    for (int i = 0; i < c->n; i++) {
        const tb_ceiling_obs *o = &c->v[i];
        if (o->kind != kind || o->threads != threads)
            continue;
        if (!best || o->best > best->best)
            best = o;
        if (want && !strcmp(o->isa, isa) && (!own || o->best > own->best))
            own = o;
    }
    if (!best)
        return -ENOENT;
    const tb_ceiling_obs *pick = own ? own : best;
    merge(c, pick, out);
    const char *what = kind == TB_CEIL_PEAK_FP32   ? "fp32 FMA"
                       : kind == TB_CEIL_PEAK_TERN ? "ternary-step (int16 sums)"
                                                   : "int8 multiply-add";
    if (own || !want)
        snprintf(out->note, sizeof out->note, "%s peak probe %s (start %.1f, end %.1f GOP/s)", what, out->key,
                 out->start, out->end);
    else
        snprintf(out->note, sizeof out->note, "no %s %s peak probe in this run: the fastest, %s (start %.1f, end %.1f GOP/s)",
                 isa, what, out->key, out->start, out->end);
    return 0;
}
