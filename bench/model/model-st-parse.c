/* model-st-parse.c - the safetensors format from bytes: header parsing and
 * validation into a tensor index, lookup, and conversion of F32/F16/BF16
 * tensors to fp32.  No file access (model-safetensors.c maps the files),
 * so the unit tests and the fuzz target drive it with plain buffers.
 *
 * Format (huggingface/safetensors): u64 little-endian N, then N bytes of
 * JSON {"<tensor>": {"dtype": "F16", "shape": [r, c], "data_offsets":
 * [begin, end]}, ..., "__metadata__": {...}}, then the data section;
 * offsets are relative to the data section, tensors are row-major and
 * little-endian.  The index is immutable once finished: thread-safe reads. */
#define _GNU_SOURCE
#include "tb-model-parse.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp16/fp16-internal.h" /* tb_fp16_to_f32, tb_bf16_to_f32: the kernels' exact conversions */

static const struct {
    const char *name;
    int bytes;
} tb_st_dtypes[] = {
    [TB_ST_F64] = {"F64", 8},          [TB_ST_F32] = {"F32", 4},   [TB_ST_F16] = {"F16", 2},
    [TB_ST_BF16] = {"BF16", 2},        [TB_ST_F8_E4M3] = {"F8_E4M3", 1},
    [TB_ST_F8_E5M2] = {"F8_E5M2", 1},  [TB_ST_I64] = {"I64", 8},   [TB_ST_I32] = {"I32", 4},
    [TB_ST_I16] = {"I16", 2},          [TB_ST_I8] = {"I8", 1},     [TB_ST_U64] = {"U64", 8},
    [TB_ST_U32] = {"U32", 4},          [TB_ST_U16] = {"U16", 2},   [TB_ST_U8] = {"U8", 1},
    [TB_ST_BOOL] = {"BOOL", 1},
};
#define TB_ST_NDTYPES ((int)(sizeof tb_st_dtypes / sizeof tb_st_dtypes[0]))

/* JSON numbers are doubles: integers are exact up to 2^53. */
#define TB_ST_MAX_INT 9007199254740992.0

const char *tb_st_dtype_name(tb_st_dtype d)
{
    return (int)d >= 0 && (int)d < TB_ST_NDTYPES ? tb_st_dtypes[d].name : "?";
}

const char *tb_st_printable(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

static void shape_str(const int64_t *shape, int ndim, char *buf, size_t len)
{
    size_t off = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < ndim && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (off < len)
        snprintf(buf + off, len - off, "]");
}

static int get_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > TB_ST_MAX_INT ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (uint64_t)v->valuedouble;
    return 0;
}

/* One header entry -> t (name set by the caller); data_bytes: size of the data section. */
static int parse_entry(const cJSON *e, uint64_t data_bytes, tb_st_tensor *t, const char *file, const char *name,
                       char *err, int errlen)
{
    if (!cJSON_IsObject(e)) {
        snprintf(err, (size_t)errlen, "%s: %s: expected an object with dtype, shape and data_offsets", file, name);
        return -EINVAL;
    }
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt)) {
        snprintf(err, (size_t)errlen, "%s: %s: dtype: %s", file, name, dt ? "expected a string" : "missing");
        return -EINVAL;
    }
    int d = 0;
    while (d < TB_ST_NDTYPES && strcmp(dt->valuestring, tb_st_dtypes[d].name))
        d++;
    if (d == TB_ST_NDTYPES) {
        char b[40];
        snprintf(err, (size_t)errlen, "%s: %s: unknown dtype \"%s\"", file, name,
                 tb_st_printable(dt->valuestring, b, sizeof b));
        return -EINVAL;
    }
    t->dtype = (tb_st_dtype)d;
    if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) > TB_ST_MAX_DIMS) {
        snprintf(err, (size_t)errlen, "%s: %s: shape: %s", file, name,
                 !sh ? "missing" : cJSON_IsArray(sh) ? "more than 8 dimensions" : "expected an array");
        return -EINVAL;
    }
    /* element count, overflow-checked against the data section it must fit in */
    uint64_t count = 1;
    int overflow = 0;
    const cJSON *x;
    t->ndim = 0;
    cJSON_ArrayForEach(x, sh)
    {
        uint64_t n;
        if (get_uint(x, &n)) {
            snprintf(err, (size_t)errlen, "%s: %s: shape: dimension %d is not a non-negative integer", file, name,
                     t->ndim);
            return -EINVAL;
        }
        t->shape[t->ndim++] = (int64_t)n;
        if (n && count > UINT64_MAX / n)
            overflow = 1;
        else
            count *= n;
    }
    if (cJSON_GetArraySize(off) != 2 || !cJSON_IsArray(off) || get_uint(cJSON_GetArrayItem(off, 0), &t->begin) ||
        get_uint(cJSON_GetArrayItem(off, 1), &t->end)) {
        snprintf(err, (size_t)errlen, "%s: %s: data_offsets: %s", file, name,
                 off ? "expected [begin, end], two non-negative integers" : "missing");
        return -EINVAL;
    }
    if (t->begin > t->end || t->end > data_bytes) {
        snprintf(err, (size_t)errlen,
                 "%s: %s: data_offsets [%llu, %llu] out of range (the data section holds %llu bytes)", file, name,
                 (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)data_bytes);
        return -EINVAL;
    }
    uint64_t esz = (uint64_t)tb_st_dtypes[d].bytes;
    if (overflow || count > UINT64_MAX / esz || count * esz != t->end - t->begin) {
        char s[160];
        shape_str(t->shape, t->ndim, s, sizeof s);
        snprintf(err, (size_t)errlen, "%s: %s: shape %s of %s needs %s%llu bytes, data_offsets span %llu", file, name,
                 s, tb_st_dtypes[d].name, overflow || count > UINT64_MAX / esz ? "over " : "",
                 (unsigned long long)(overflow || count > UINT64_MAX / esz ? UINT64_MAX : count * esz),
                 (unsigned long long)(t->end - t->begin));
        return -EINVAL;
    }
    return 0;
}

static int cmp_begin(const void *a, const void *b)
{
    const tb_st_tensor *x = *(const tb_st_tensor *const *)a, *y = *(const tb_st_tensor *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Tensors [first, ix->nt) come from one file: no byte may belong to two. */
static int check_overlap(const tb_st_index *ix, int first, const char *file, char *err, int errlen)
{
    int n = ix->nt - first, rc = 0;
    if (n < 2)
        return 0;
    const tb_st_tensor **by = malloc((size_t)n * sizeof *by);
    if (!by) {
        snprintf(err, (size_t)errlen, "%s: out of memory", file);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++)
        by[i] = &ix->t[first + i];
    qsort(by, (size_t)n, sizeof *by, cmp_begin);
    const tb_st_tensor *prev = NULL;
    for (int i = 0; i < n && !rc; i++) {
        if (by[i]->begin == by[i]->end)
            continue; /* empty tensors hold no bytes */
        if (prev && by[i]->begin < prev->end) {
            char a[200], b[200];
            snprintf(err, (size_t)errlen, "%s: %s: data_offsets [%llu, %llu] overlap those of %s [%llu, %llu]", file,
                     tb_st_printable(by[i]->name, a, sizeof a), (unsigned long long)by[i]->begin,
                     (unsigned long long)by[i]->end, tb_st_printable(prev->name, b, sizeof b),
                     (unsigned long long)prev->begin, (unsigned long long)prev->end);
            rc = -EINVAL;
        }
        prev = by[i];
    }
    free(by);
    return rc;
}

int tb_st_index_add(tb_st_index *ix, const uint8_t *bytes, size_t size, const char *file, char *err, int errlen)
{
    if (size < 8) {
        snprintf(err, (size_t)errlen, "%s: truncated: %zu bytes, shorter than the 8-byte header length", file, size);
        return -EINVAL;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | bytes[i]; /* u64 little-endian */
    if (hlen > TB_ST_MAX_HEADER_BYTES) {
        snprintf(err, (size_t)errlen, "%s: header length %llu is over the format's limit of %u bytes", file,
                 (unsigned long long)hlen, TB_ST_MAX_HEADER_BYTES);
        return -EINVAL;
    }
    if (hlen > size - 8) {
        snprintf(err, (size_t)errlen, "%s: header length %llu runs past the end of the file (%zu bytes): truncated?",
                 file, (unsigned long long)hlen, size);
        return -EINVAL;
    }
    const char *json = (const char *)bytes + 8, *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)hlen, &end, 0);
    if (!root) {
        snprintf(err, (size_t)errlen, "%s: header is not valid JSON (error at byte %td of %llu)", file,
                 end && end >= json ? end - json : (ptrdiff_t)0, (unsigned long long)hlen);
        return -EINVAL;
    }
    int first = ix->nt, rc = -EINVAL;
    if (!cJSON_IsObject(root)) {
        snprintf(err, (size_t)errlen, "%s: header is not a JSON object", file);
        goto fail;
    }
    tb_st_file *nf = realloc(ix->files, (size_t)(ix->nfiles + 1) * sizeof *nf);
    if (!nf)
        goto oom;
    ix->files = nf;
    int n = cJSON_GetArraySize(root);
    if (ix->nt + n > ix->cap) {
        int cap = ix->nt + n + 64;
        tb_st_tensor *nt = realloc(ix->t, (size_t)cap * sizeof *nt);
        if (!nt)
            goto oom;
        ix->t = nt;
        ix->cap = cap;
    }
    uint64_t data_bytes = size - 8 - hlen;
    const cJSON *e;
    cJSON_ArrayForEach(e, root)
    {
        if (!strcmp(e->string, "__metadata__"))
            continue;
        char nb[200];
        const char *pname = tb_st_printable(e->string, nb, sizeof nb);
        tb_st_tensor *t = &ix->t[ix->nt];
        memset(t, 0, sizeof *t);
        if ((rc = parse_entry(e, data_bytes, t, file, pname, err, errlen)))
            goto fail;
        if (!(t->name = strdup(e->string)))
            goto oom;
        t->file = ix->nfiles;
        ix->nt++;
    }
    if ((rc = check_overlap(ix, first, file, err, errlen)))
        goto fail;
    tb_st_file *f = &ix->files[ix->nfiles];
    if (!(f->path = strdup(file)))
        goto oom;
    f->base = bytes;
    f->size = size;
    f->data_off = 8 + hlen;
    ix->nfiles++;
    cJSON_Delete(root);
    return 0;
oom:
    snprintf(err, (size_t)errlen, "%s: out of memory", file);
    rc = -ENOMEM;
fail:
    while (ix->nt > first)
        free(ix->t[--ix->nt].name);
    cJSON_Delete(root);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const tb_st_tensor *)a)->name, ((const tb_st_tensor *)b)->name);
}

int tb_st_index_finish(tb_st_index *ix, const char *where, char *err, int errlen)
{
    if (ix->nt > 1)
        qsort(ix->t, (size_t)ix->nt, sizeof *ix->t, cmp_name);
    for (int i = 1; i < ix->nt; i++)
        if (!strcmp(ix->t[i - 1].name, ix->t[i].name)) {
            char nb[200];
            snprintf(err, (size_t)errlen, "%s: %s: present twice (in %s and %s)", where,
                     tb_st_printable(ix->t[i].name, nb, sizeof nb), ix->files[ix->t[i - 1].file].path,
                     ix->files[ix->t[i].file].path);
            return -EINVAL;
        }
    return 0;
}

const tb_st_tensor *tb_st_index_find(const tb_st_index *ix, const char *name)
{
    if (!ix->nt)
        return NULL;
    tb_st_tensor key = {.name = (char *)name};
    return bsearch(&key, ix->t, (size_t)ix->nt, sizeof *ix->t, cmp_name);
}

int tb_st_tensor_to_f32(const tb_st_index *ix, const tb_st_tensor *t, int64_t rows, int64_t cols, float *out,
                        char *err, int errlen)
{
    const tb_st_file *f = &ix->files[t->file];
    char nb[200];
    const char *name = tb_st_printable(t->name, nb, sizeof nb);
    int ok = rows == 1 ? t->ndim == 1 && t->shape[0] == cols
                       : t->ndim == 2 && t->shape[0] == rows && t->shape[1] == cols;
    if (!ok) {
        char got[160], want[64];
        shape_str(t->shape, t->ndim, got, sizeof got);
        if (rows == 1)
            snprintf(want, sizeof want, "[%lld]", (long long)cols);
        else
            snprintf(want, sizeof want, "[%lld, %lld]", (long long)rows, (long long)cols);
        snprintf(err, (size_t)errlen, "%s: %s: shape %s, expected %s", f->path, name, got, want);
        return -EINVAL;
    }
    if (t->dtype != TB_ST_F32 && t->dtype != TB_ST_F16 && t->dtype != TB_ST_BF16) {
        snprintf(err, (size_t)errlen, "%s: %s: dtype %s cannot be read as weights (F32, F16 and BF16 can)", f->path,
                 name, tb_st_dtypes[t->dtype].name);
        return -EINVAL;
    }
    /* data may sit at any alignment (the header length is arbitrary): memcpy each element */
    const uint8_t *p = f->base + f->data_off + t->begin;
    int64_t n = rows * cols;
    if (t->dtype == TB_ST_F32) {
        memcpy(out, p, (size_t)n * 4);
    } else if (t->dtype == TB_ST_F16) {
        for (int64_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            out[i] = tb_fp16_to_f32(h);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            out[i] = tb_bf16_to_f32(h);
        }
    }
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(out[i])) {
            snprintf(err, (size_t)errlen, "%s: %s: element [%lld, %lld] is %s", f->path, name,
                     (long long)(i / cols), (long long)(i % cols), isnan(out[i]) ? "NaN" : "infinite");
            return -EINVAL;
        }
    return 0;
}

void tb_st_index_free(tb_st_index *ix)
{
    for (int i = 0; i < ix->nt; i++)
        free(ix->t[i].name);
    for (int i = 0; i < ix->nfiles; i++)
        free(ix->files[i].path);
    free(ix->t);
    free(ix->files);
    memset(ix, 0, sizeof *ix);
}
