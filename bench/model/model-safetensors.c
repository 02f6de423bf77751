/* model-safetensors.c - tb_wsrc_safetensors: a Hugging Face checkpoint
 * folder (model.safetensors, or model.safetensors.index.json naming the
 * shards) as a weight source.  Every file is memory-mapped read-only and
 * indexed by model-st-parse.c; when a config is given, every tensor it
 * implies is checked (present, shape, dtype) at open, so a mismatched
 * checkpoint fails before minutes of packing.  fill() converts one tensor
 * to fp32 and then drops its pages from the mapping (MADV_DONTNEED), so
 * loading a 13 GB fp16 checkpoint does not leave 13 GB of it in the
 * process's resident set.  Sub-layer norms are found under either
 * spelling: attn_sub_norm / ffn_sub_norm (2B4T) or inner_attn_ln /
 * ffn_layernorm (1bitLLM).  fill() may run on several threads at once. */
#define _GNU_SOURCE
#include "tb-model.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-model-parse.h"

#define TB_ST_INDEX_MAX_BYTES (64 << 20) /* an index.json of 100k tensors is ~10 MB */

typedef struct st_src {
    char dir[PATH_MAX];
    tb_st_index ix;
    long page;
} st_src;

static void st_unmap_all(st_src *s)
{
    for (int i = 0; i < s->ix.nfiles; i++)
        if (s->ix.files[i].size)
            munmap((void *)s->ix.files[i].base, s->ix.files[i].size);
}

static void st_close(void *ctx)
{
    st_src *s = ctx;
    if (!s)
        return;
    st_unmap_all(s);
    tb_st_index_free(&s->ix);
    free(s);
}

/* Map dir/name and add its tensors to the index. */
static int st_add_file(st_src *s, const char *name, char *err, int errlen)
{
    char path[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, (size_t)errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        snprintf(err, (size_t)errlen, "%s: not a regular file", path);
        return -EINVAL;
    }
    size_t size = (size_t)sb.st_size;
    const uint8_t *base = NULL;
    if (size) {
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            snprintf(err, (size_t)errlen, "%s: cannot map: %s", path, strerror(e));
            return -e;
        }
        base = m;
    }
    close(fd);
    int rc = tb_st_index_add(&s->ix, base, size, path, err, errlen);
    if (rc && size)
        munmap((void *)base, size);
    return rc;
}

/* Reads a whole small file, NUL-terminated; NULL with err set. */
static char *slurp(const char *path, size_t max, size_t *len, int *rc, char *err, int errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = -errno;
        snprintf(err, (size_t)errlen, "%s: cannot open: %s", path, strerror(-*rc));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = !buf ? -ENOMEM : ferror(f) ? -EIO : n > max ? -EFBIG : 0;
    fclose(f);
    if (bad) {
        free(buf);
        *rc = bad == -EFBIG ? -EINVAL : bad;
        snprintf(err, (size_t)errlen, "%s: %s", path,
                 bad == -ENOMEM ? "out of memory" : bad == -EIO ? "read error" : "too large for an index");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* A shard name must be a plain file name inside the folder. */
static int shard_name_ok(const char *n)
{
    return n[0] && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..");
}

/* model.safetensors.index.json: map every shard of weight_map once, then
 * check that each listed tensor is in the shard the map names. */
static int st_open_sharded(st_src *s, const char *ipath, char *err, int errlen)
{
    size_t len = 0;
    int rc = -EINVAL;
    char *text = slurp(ipath, TB_ST_INDEX_MAX_BYTES, &len, &rc, err, errlen);
    if (!text)
        return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    const cJSON *wm = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    const cJSON *e;
    rc = -EINVAL;
    if (!root) {
        snprintf(err, (size_t)errlen, "%s: not valid JSON (error at byte %td)", ipath,
                 end && end >= text ? end - text : (ptrdiff_t)0);
        goto fail;
    }
    if (!cJSON_IsObject(wm) || !wm->child) {
        snprintf(err, (size_t)errlen, "%s: weight_map: %s", ipath,
                 !wm ? "missing" : cJSON_IsObject(wm) ? "empty" : "expected an object {tensor: shard file}");
        goto fail;
    }
    cJSON_ArrayForEach(e, wm)
    {
        char nb[200];
        if (!cJSON_IsString(e) || !shard_name_ok(e->valuestring)) {
            snprintf(err, (size_t)errlen, "%s: %s: shard must be a file name in the folder", ipath,
                     tb_st_printable(e->string, nb, sizeof nb));
            goto fail;
        }
        int seen = 0;
        for (const cJSON *p = wm->child; p != e && !seen; p = p->next)
            seen = !strcmp(p->valuestring, e->valuestring);
        if (!seen && (rc = st_add_file(s, e->valuestring, err, errlen)))
            goto fail;
        rc = -EINVAL;
    }
    if ((rc = tb_st_index_finish(&s->ix, s->dir, err, errlen)))
        goto fail;
    cJSON_ArrayForEach(e, wm)
    {
        const tb_st_tensor *t = tb_st_index_find(&s->ix, e->string);
        const char *in = t ? strrchr(s->ix.files[t->file].path, '/') + 1 : NULL;
        if (!t || strcmp(in, e->valuestring)) {
            char nb[200], sb[200];
            snprintf(err, (size_t)errlen, "%s: %s: listed in %s but %s", ipath,
                     tb_st_printable(e->string, nb, sizeof nb), tb_st_printable(e->valuestring, sb, sizeof sb),
                     t ? "found in another shard" : "not there");
            rc = -EINVAL;
            goto fail;
        }
    }
    rc = 0;
fail:
    cJSON_Delete(root);
    free(text);
    return rc;
}

/* The checkpoint's spelling of a tensor the decoder asks for. */
static const tb_st_tensor *st_lookup(const st_src *s, const char *name)
{
    static const char *const alias[][2] = {
        {".self_attn.attn_sub_norm.weight", ".self_attn.inner_attn_ln.weight"},
        {".mlp.ffn_sub_norm.weight", ".mlp.ffn_layernorm.weight"},
    };
    const tb_st_tensor *t = tb_st_index_find(&s->ix, name);
    size_t n = strlen(name);
    for (size_t k = 0; !t && k < sizeof alias / sizeof alias[0]; k++) {
        size_t a = strlen(alias[k][0]);
        char alt[512];
        if (n >= a && !strcmp(name + n - a, alias[k][0]) && n - a + strlen(alias[k][1]) < sizeof alt) {
            snprintf(alt, sizeof alt, "%.*s%s", (int)(n - a), name, alias[k][1]);
            t = tb_st_index_find(&s->ix, alt);
        }
    }
    return t;
}

/* Present, [rows, cols] (or [cols] when rows == 1), a float dtype. */
static int st_check(const st_src *s, const char *name, int64_t rows, int64_t cols, char *err, int errlen)
{
    const tb_st_tensor *t = st_lookup(s, name);
    if (!t) {
        snprintf(err, (size_t)errlen, "%s: %s: not in the checkpoint", s->dir, name);
        return -ENOENT;
    }
    int shape_ok = rows == 1 ? t->ndim == 1 && t->shape[0] == cols
                             : t->ndim == 2 && t->shape[0] == rows && t->shape[1] == cols;
    int dtype_ok = t->dtype == TB_ST_F32 || t->dtype == TB_ST_F16 || t->dtype == TB_ST_BF16;
    if (shape_ok && dtype_ok)
        return 0;
    /* the converter words the problem; it fails on shape or dtype before writing to out */
    return tb_st_tensor_to_f32(&s->ix, t, rows, cols, NULL, err, errlen);
}

/* Every tensor config c implies, with the shape it must have. */
static int st_check_model(const st_src *s, const tb_model_config *c, char *err, int errlen)
{
    int64_t q = c->heads * c->head_dim, kv = c->kv_heads * c->head_dim;
    int rc;
    char n[160];
    if ((rc = st_check(s, "model.embed_tokens.weight", c->vocab, c->hidden, err, errlen)) ||
        (rc = st_check(s, "model.norm.weight", 1, c->hidden, err, errlen)) ||
        (!c->tied && (rc = st_check(s, "lm_head.weight", c->vocab, c->hidden, err, errlen))))
        return rc;
    for (int64_t l = 0; l < c->layers; l++) {
        const struct {
            const char *suffix;
            int64_t rows, cols;
            int needs_subln;
        } want[] = {
            {"input_layernorm.weight", 1, c->hidden, 0},
            {"self_attn.q_proj.weight", q, c->hidden, 0},
            {"self_attn.k_proj.weight", kv, c->hidden, 0},
            {"self_attn.v_proj.weight", kv, c->hidden, 0},
            {"self_attn.o_proj.weight", c->hidden, q, 0},
            {"self_attn.attn_sub_norm.weight", 1, q, 1},
            {"post_attention_layernorm.weight", 1, c->hidden, 0},
            {"mlp.gate_proj.weight", c->ffn, c->hidden, 0},
            {"mlp.up_proj.weight", c->ffn, c->hidden, 0},
            {"mlp.down_proj.weight", c->hidden, c->ffn, 0},
            {"mlp.ffn_sub_norm.weight", 1, c->ffn, 1},
        };
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            if (want[k].needs_subln && !c->subln)
                continue;
            snprintf(n, sizeof n, "model.layers.%lld.%s", (long long)l, want[k].suffix);
            if ((rc = st_check(s, n, want[k].rows, want[k].cols, err, errlen)))
                return rc;
        }
    }
    return 0;
}

static int st_fill(void *ctx, const char *name, int64_t rows, int64_t cols, float *out, char *err, int errlen)
{
    const st_src *s = ctx;
    const tb_st_tensor *t = st_lookup(s, name);
    if (!t) {
        snprintf(err, (size_t)errlen, "%s: %s: not in the checkpoint", s->dir, name);
        return -ENOENT;
    }
    int rc = tb_st_tensor_to_f32(&s->ix, t, rows, cols, out, err, errlen);
    /* the bytes are in fp32 now: give the mapped pages back (they stay in
     * the page cache; a later fill of this tensor faults them in again) */
    const tb_st_file *f = &s->ix.files[t->file];
    uintptr_t lo = (uintptr_t)(f->base + f->data_off + t->begin), hi = (uintptr_t)(f->base + f->data_off + t->end);
    uintptr_t pg = (uintptr_t)s->page;
    lo = (lo + pg - 1) / pg * pg;
    hi = hi / pg * pg;
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
    return rc;
}

int tb_wsrc_safetensors(const char *dir, const tb_model_config *c, tb_wsrc *out, char *err, int errlen)
{
    struct stat sb;
    if (stat(dir, &sb) < 0) {
        int e = errno;
        snprintf(err, (size_t)errlen, "%s: %s", dir, strerror(e));
        return -e;
    }
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, (size_t)errlen, "%s: not a folder (a checkpoint folder holding model.safetensors is expected)",
                 dir);
        return -ENOTDIR;
    }
    st_src *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, (size_t)errlen, "%s: out of memory", dir);
        return -ENOMEM;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->page = sysconf(_SC_PAGESIZE);
    char single[PATH_MAX + 64], index[PATH_MAX + 64];
    snprintf(single, sizeof single, "%s/model.safetensors", dir);
    snprintf(index, sizeof index, "%s/model.safetensors.index.json", dir);
    int rc;
    if (access(single, F_OK) == 0) {
        if ((rc = st_add_file(s, "model.safetensors", err, errlen)) ||
            (rc = tb_st_index_finish(&s->ix, s->dir, err, errlen)))
            goto fail;
    } else if (access(index, F_OK) == 0) {
        if ((rc = st_open_sharded(s, index, err, errlen)))
            goto fail;
    } else {
        snprintf(err, (size_t)errlen, "%s: neither model.safetensors nor model.safetensors.index.json is there", dir);
        rc = -ENOENT;
        goto fail;
    }
    if (c && (rc = st_check_model(s, c, err, errlen)))
        goto fail;
    out->ctx = s;
    out->fill = st_fill;
    out->close = st_close;
    return 0;
fail:
    st_close(s);
    return rc;
}
