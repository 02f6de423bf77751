/* tl-panels-avx512vbmi.c - tl's panel decoder for the VNNI GEMM
 * (tl_avx512vnni, tl-avx512vnni.c): 16-bit tile words to int8 code panels.
 * Its own file because vpermt2b needs AVX-512 VBMI, which the other
 * avx512vnni files must not be compiled for (cmake/isa-table.txt).
 * Decode of one 32-row tile word (9 columns): three vpermw per 5-bit index
 * (the index's three base-3 digits, from 32-entry int16 digit tables; vpermw
 * ignores the higher bits, so shifts suffice) narrowed to bytes into a
 * column-major buffer (32 rows per column), then one vpermt2b per 16-row
 * panel and 4-column group builds the int8 panel layout. */
#include "tern-x86.h"

_Static_assert(TB_TL_VNNI_KC % 36 == 0 && TB_TL_VNNI_KC <= TB_TERN_VNNI_KC, "tl: K block");

void tb_tl_panels_avx512vbmi(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                             int64_t klen, uint8_t *dst)
{
    (void)nrows; /* the tile is padded to 32 rows; rows past nrows are not stored */
    _Alignas(64) uint8_t cbuf[(TB_TL_VNNI_KC + 4) * TB_TL_ROWS];
    int16_t d[3][TB_TL_TAB];
    _Alignas(64) uint8_t ix[2][64];
    for (int i = 0; i < TB_TL_TAB; i++) {
        d[0][i] = (int16_t)(i < 27 ? i % 3 : 0);
        d[1][i] = (int16_t)(i < 27 ? i / 3 % 3 : 0);
        d[2][i] = (int16_t)(i < 27 ? i / 9 : 0);
    }
    for (int i = 0; i < 16; i++)
        for (int h = 0; h < 4; h++) {
            ix[0][4 * i + h] = (uint8_t)(h * 32 + i);
            ix[1][4 * i + h] = (uint8_t)(h * 32 + 16 + i);
        }
    const __m512i d0 = _mm512_loadu_si512(d[0]), d1 = _mm512_loadu_si512(d[1]);
    const __m512i d2 = _mm512_loadu_si512(d[2]);
    const __m512i i0 = _mm512_load_si512(ix[0]), i1 = _mm512_load_si512(ix[1]);
    const int64_t nw = m->nwords, m0 = k0 / TB_TL_WCOLS, nwk = klen / TB_TL_WCOLS;
    const int64_t kn = (klen + 3) / 4;
    const uint16_t *w = (const uint16_t *)(const void *)m->data +
                        ((row / TB_TL_ROWS) * nw + m0) * TB_TL_ROWS;
    for (int64_t k = 0; k < nwk; k++) {
        const __m512i a = _mm512_load_si512((const void *)(w + k * TB_TL_ROWS));
        const __m512i idx[3] = {a, _mm512_srli_epi16(a, 5), _mm512_srli_epi16(a, 10)};
        uint8_t *c = cbuf + k * TB_TL_WCOLS * TB_TL_ROWS;
#pragma GCC unroll 3
        for (int g = 0; g < 3; g++) {
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d0)));
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g + 1) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d1)));
            _mm256_store_si256((__m256i *)(void *)(c + (3 * g + 2) * 32),
                               _mm512_cvtepi16_epi8(_mm512_permutexvar_epi16(idx[g], d2)));
        }
    }
    /* columns past klen up to the last whole group: code 0 (their activations are 0) */
    for (int64_t c = klen; c < kn * 4; c++)
        _mm256_store_si256((__m256i *)(void *)(cbuf + c * 32), _mm256_setzero_si256());
    for (int64_t q = 0; q < kn; q++) {
        const __m512i lo = _mm512_load_si512((const void *)(cbuf + q * 128));
        const __m512i hi = _mm512_load_si512((const void *)(cbuf + q * 128 + 64));
        _mm512_store_si512((void *)(dst + q * 64), _mm512_permutex2var_epi8(lo, i0, hi));
        _mm512_store_si512((void *)(dst + (kn + q) * 64), _mm512_permutex2var_epi8(lo, i1, hi));
    }
}
