/* tb-probe-kernels.h - inner loops of the machine-ceiling probes, one set
 * per ISA file (probe-<isa>.c, compiled with that ISA's flags only).
 * Bandwidth loops follow STREAM's read/copy/triad over float arrays; peak
 * loops run independent dependency chains so the FMA / VNNI ports saturate. */
#ifndef TB_PROBE_KERNELS_H
#define TB_PROBE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* n floats, n a multiple of 64; arrays 64-byte aligned. */
typedef float (*tb_bw_read_fn)(const float *a, size_t n);
typedef void (*tb_bw_copy_fn)(float *dst, const float *src, size_t n);
typedef void (*tb_bw_triad_fn)(float *a, const float *b, const float *c, float s, size_t n);
/* `loops` trips of the peak loop; returns a value so nothing is elided. */
typedef float (*tb_peak_fma_fn)(uint64_t loops);
typedef int32_t (*tb_peak_int8_fn)(uint64_t loops);

/* Per-trip work of the peak loops (for the analytic counts): independent
 * accumulator chains.  12 covers FMA latency x throughput (4 cycles x 2
 * ports = 8; vpdpbusd 5 x 2 = 10) and still leaves AVX2's 16 ymm registers
 * room for the loop constants (2 for fp32, 3 + a temporary for int8), so no
 * accumulator is spilled to the stack (tests/kernels/test-probe-regs.sh).
 * The scalar loop (mul + add: 6-8 cycles x 2 ports) is slightly short of
 * chains on older cores; it is only the no-AVX2 fallback. */
#define TB_PEAK_CHAINS 12

float tb_bw_read_scalar(const float *a, size_t n);
void tb_bw_copy_scalar(float *dst, const float *src, size_t n);
void tb_bw_triad_scalar(float *a, const float *b, const float *c, float s, size_t n);
float tb_peak_fma_scalar(uint64_t loops); /* TB_PEAK_CHAINS chains x 1 lane, mul+add */

float tb_bw_read_avx2(const float *a, size_t n);
void tb_bw_copy_avx2(float *dst, const float *src, size_t n);
void tb_bw_triad_avx2(float *a, const float *b, const float *c, float s, size_t n);
float tb_peak_fma_avx2(uint64_t loops);   /* TB_PEAK_CHAINS chains x 8 lanes FMA */
int32_t tb_peak_int8_avx2(uint64_t loops); /* chains of vpmaddubsw+vpmaddwd+vpaddd, 32 int8 MACs each */
int32_t tb_peak_tern_avx2(uint64_t loops); /* chains of vpmaddubsw+vpaddw (int16 sums), 32 MACs each */

float tb_bw_read_avx512(const float *a, size_t n);
void tb_bw_copy_avx512(float *dst, const float *src, size_t n);
void tb_bw_triad_avx512(float *a, const float *b, const float *c, float s, size_t n);
float tb_peak_fma_avx512(uint64_t loops); /* TB_PEAK_CHAINS chains x 16 lanes FMA */
int32_t tb_peak_int8_avx512(uint64_t loops); /* vpmaddubsw+vpmaddwd+vpaddd on zmm, 64 int8 MACs each */

int32_t tb_peak_int8_avxvnni(uint64_t loops); /* chains of VEX vpdpbusd ymm, 32 int8 MACs each */

int32_t tb_peak_int8_avx512vnni(uint64_t loops); /* chains of vpdpbusd, 64 int8 MACs each */

/* The int8 loops other than avx512vnni return lane 0 of the summed chains
 * (bench/probes.c checks them against the closed form). */

#endif
