/* tb-sha256.h - SHA-256 of bytes and files (the build's identity). */
#ifndef TB_SHA256_H
#define TB_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t nbuf;
} tb_sha256;

void tb_sha256_init(tb_sha256 *s);
void tb_sha256_update(tb_sha256 *s, const void *data, size_t n);
/* Finish and write 64 lowercase hex digits and a NUL. */
void tb_sha256_hex(tb_sha256 *s, char out[65]);
/* Hash a whole file; 0, or -1 when it cannot be read. */
int tb_sha256_file(const char *path, char out[65]);

#endif
