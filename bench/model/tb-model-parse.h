/* tb-model-parse.h - the in-memory parsers behind tb-model.h's checkpoint
 * readers (model-json.c, model-safetensors.c), exposed for the unit tests
 * and the fuzz targets: they see bytes, never open files, and report one
 * line "<name>: [<tensor or field>: ]<problem>" on bad input. */
#ifndef TB_MODEL_PARSE_H
#define TB_MODEL_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "tb-model.h"

/* config.json text (len bytes, need not be NUL-terminated) -> out; `path`
 * names the input in messages and goes into out->source.  Sizes are
 * checked field by field (present, integer, positive); cross-field
 * consistency (heads % kv_heads, ...) is tb_model_config_check's job.
 * 0, or -EINVAL with "<path>: <field>: <problem>". */
int tb_model_config_parse_json(const char *text, size_t len, const char *path, tb_model_config *out, char *err,
                          int errlen);

/* safetensors element types (the format's dtype strings). */
typedef enum tb_st_dtype {
    TB_ST_F64, TB_ST_F32, TB_ST_F16, TB_ST_BF16, TB_ST_F8_E4M3, TB_ST_F8_E5M2,
    TB_ST_I64, TB_ST_I32, TB_ST_I16, TB_ST_I8, TB_ST_U64, TB_ST_U32, TB_ST_U16, TB_ST_U8,
    TB_ST_BOOL,
} tb_st_dtype;

#define TB_ST_MAX_DIMS 8
/* The format caps the JSON header at 100 MB; a larger length is refused. */
#define TB_ST_MAX_HEADER_BYTES (100u << 20)

typedef struct tb_st_tensor {
    char *name;                       /* malloc'd */
    tb_st_dtype dtype;
    int ndim;
    int64_t shape[TB_ST_MAX_DIMS];
    int file;                         /* index into tb_st_index.files */
    uint64_t begin, end;              /* byte range, relative to the file's data section */
} tb_st_tensor;

typedef struct tb_st_file {
    char *path;                       /* malloc'd, for messages */
    const uint8_t *base;              /* the whole file (mapped or caller's bytes) */
    size_t size;
    uint64_t data_off;                /* 8 + header length */
} tb_st_file;

/* Every tensor of every file of one checkpoint.  Immutable once built, so
 * concurrent lookups and fills are safe. */
typedef struct tb_st_index {
    tb_st_file *files;
    int nfiles;
    tb_st_tensor *t;                  /* sorted by name after tb_st_index_finish */
    int nt, cap;
} tb_st_index;

/* Parse and validate one file image (8-byte little-endian header length,
 * JSON header, data) and append its tensors; `file` names it in messages.
 * The bytes must outlive the index.  Checks: header length within the
 * file and under the cap, valid JSON object, every tensor's dtype known,
 * shape non-negative integers, data_offsets in the data section, shape x
 * element size == byte length, no two tensors overlapping.  __metadata__
 * is ignored.  0, or -EINVAL with "<file>: [<tensor>: ]<problem>". */
int tb_st_index_add(tb_st_index *ix, const uint8_t *bytes, size_t size, const char *file, char *err, int errlen);
/* Sort by name and refuse a name present twice (across files too);
 * `where` names the checkpoint in that message. */
int tb_st_index_finish(tb_st_index *ix, const char *where, char *err, int errlen);
/* Binary search (after finish); NULL when absent. */
const tb_st_tensor *tb_st_index_find(const tb_st_index *ix, const char *name);
/* Convert tensor t to fp32 into out[rows * cols]: its shape must be
 * [rows, cols], or [cols] when rows == 1; F32, F16 and BF16 only; every
 * value finite.  0, or -EINVAL with "<file>: <tensor>: <problem>". */
int tb_st_tensor_to_f32(const tb_st_index *ix, const tb_st_tensor *t, int64_t rows, int64_t cols, float *out,
                        char *err, int errlen);
/* Frees names and arrays (not the bytes of the files). */
void tb_st_index_free(tb_st_index *ix);

const char *tb_st_dtype_name(tb_st_dtype d);
/* s fit for a one-line message: control bytes become '?', cut to len - 1 bytes; returns buf. */
const char *tb_st_printable(const char *s, char *buf, size_t len);

#endif
