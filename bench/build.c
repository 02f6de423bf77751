/* build.c - build provenance for the store: git commit and dirty flag,
 * compiler, flags (from the generated tb-build-info.h), the kernel
 * variants compiled in, and the SHA-256 of the running executable. */
#include "tb-build-info.h"
#include "tb-cli.h"
#include "tb-kernel.h"
#include "tb-sha256.h"
#include "tb-store.h"

#include <stdio.h>
#include <string.h>

int tb_build_fill(tb_build_info *b, char *hash, int hash_len, char *variants, int variants_len)
{
    memset(b, 0, sizeof *b);
    b->git_commit = TB_GIT_COMMIT;
    b->git_dirty = TB_GIT_DIRTY;
    b->git_describe = TB_GIT_DESCRIBE;
    b->compiler = TB_COMPILER;
    b->compiler_version = TB_COMPILER_VERSION;
    b->cflags = TB_CFLAGS;
    b->build_type = TB_BUILD_TYPE;
    b->deps = TB_DEPS;
    b->tool_version = TB_VERSION;
    char hex[65];
    int rc = hash_len >= 65 ? tb_sha256_file("/proc/self/exe", hex) : -1;
    snprintf(hash, (size_t)hash_len, "%s", rc == 0 ? hex : "");
    b->binary_sha256 = hash;
    int off = 0;
    variants[0] = 0;
    for (int i = 0, n = tb_kernel_count(); i < n && off < variants_len - 1; i++)
        off += snprintf(variants + off, (size_t)(variants_len - off), "%s%s", off ? "," : "", tb_kernel_at(i)->name);
    b->kernel_variants = variants;
    return rc;
}
