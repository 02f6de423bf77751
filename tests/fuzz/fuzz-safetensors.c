/* fuzz-safetensors.c - the safetensors file parser and validator
 * (tb_st_index_add / finish / find / tensor_to_f32) on arbitrary file
 * images: no crash or over-read, a refusal always says why on one line,
 * and an accepted index only holds tensors inside the file. */
#include "fuzz.h"
#include "tb-model-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tb_st_index ix = {0};
    char err[512] = "";
    int rc = tb_st_index_add(&ix, data, size, "fuzz.safetensors", err, sizeof err);
    if (rc == 0)
        rc = tb_st_index_finish(&ix, "fuzz", err, sizeof err);
    if (rc != 0) {
        if (!err[0] || strchr(err, '\n'))
            abort();
        tb_st_index_free(&ix);
        return 0;
    }
    for (int i = 0; i < ix.nt; i++) {
        const tb_st_tensor *t = &ix.t[i];
        const tb_st_file *f = &ix.files[t->file];
        if (t->begin > t->end || f->data_off + t->end > f->size)
            abort();
        if (tb_st_index_find(&ix, t->name) != t)
            abort();
        if (t->ndim < 1 || t->ndim > 2)
            continue;
        int64_t rows = t->ndim == 1 ? 1 : t->shape[0], cols = t->ndim == 1 ? t->shape[0] : t->shape[1];
        if (rows * cols > (1 << 20) || (t->ndim == 2 && rows == 1))
            continue;
        float *out = malloc((size_t)(rows * cols + 1) * sizeof *out);
        if (!out)
            abort();
        err[0] = '\0';
        if (tb_st_tensor_to_f32(&ix, t, rows, cols, out, err, sizeof err) != 0 && (!err[0] || strchr(err, '\n')))
            abort();
        /* a wrong shape is refused before anything is written */
        if (tb_st_tensor_to_f32(&ix, t, rows + 1, cols, NULL, err, sizeof err) == 0)
            abort();
        free(out);
    }
    tb_st_index_free(&ix);
    return 0;
}
