/* build.c - build provenance for the store: git commit and dirty flag,
 * compiler, flags (from the generated tb-build-info.h), the kernel
 * variants compiled in, and a hash of the running binary's bytes. */
#include "tb-build-info.h"
#include "tb-cli.h"
#include "tb-kernel.h"
#include "tb-store.h"

#include <stdio.h>
#include <string.h>

void tb_build_fill(tb_build_info *b, char *hash, int hash_len, char *isa, int isa_len)
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
    uint64_t h = TB_FNV_INIT;
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f) {
        char buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            h = tb_fnv1a(buf, n, h);
        fclose(f);
        snprintf(hash, (size_t)hash_len, "fnv1a64:%016llx", (unsigned long long)h);
    } else {
        snprintf(hash, (size_t)hash_len, "unknown:%s", TB_GIT_COMMIT);
    }
    b->binary_hash = hash;
    int off = 0;
    isa[0] = 0;
    for (int i = 0, n = tb_kernel_count(); i < n && off < isa_len - 1; i++)
        off += snprintf(isa + off, (size_t)(isa_len - off), "%s%s", off ? "," : "", tb_kernel_at(i)->name);
    b->isa_variants = isa;
}
