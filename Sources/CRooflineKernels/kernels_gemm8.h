// Eight-column kernels (kernels_gemm8.c): packed activations and one-row × eight-column products.
#ifndef CROOFLINE_KERNELS_GEMM8_H
#define CROOFLINE_KERNELS_GEMM8_H
#include "kernels_internal.h"

// One block of 32 elements of eight activation columns: q[j][c] holds bytes 4j..4j+3 of column c (signed,
// or +128 when packed for signed weights), with each column's scale, Q8_1 sum and Σq over the block.
typedef struct {
    uint8_t q[8][8][4];
    float d[8];
    float s[8];
    int32_t sy[8];
} rf_x8_block;

typedef void (*rf_gemm8_fn)(int n, const void *w, const rf_x8_block *x, float *out, size_t out_stride);

// The same for sixteen columns (each 64-byte row q[j] holds word j of columns 0-15), for the sixteen-column
// kernels on 512-bit registers; a kernel's offset convention is its eight-column sibling's.
typedef struct {
    uint8_t q[8][16][4];
    float d[16];
    float s[16];
    int32_t sy[16];
} rf_x16_block;

typedef void (*rf_gemm16_fn)(int n, const void *w, const rf_x16_block *x, float *out, size_t out_stride);

// One super-block of 256 elements of sixteen Q8_K activation columns, for the K-quant sixteen-column kernels:
// q[j] holds word j (elements 4j..4j+3) of columns 0-15, d each column's scale; bs32[p] the sums of sub-blocks
// 2p and 2p + 1 of 32 (Q4_K's mins) and bs16[p] of sub-blocks 2p and 2p + 1 of 16 (Q6_K's offset), as int16
// pairs in one int32 per column.
typedef struct {
    uint8_t q[64][16][4];
    float d[16];
    int32_t bs32[4][16];
    int32_t bs16[8][16];
} rf_xk16_block;

// The same for eight columns, on 256-bit registers (a group of two to eight columns costs half a sixteen's).
typedef struct {
    uint8_t q[64][8][4];
    float d[8];
    int32_t bs32[4][8];
    int32_t bs16[8][8];
} rf_xk8_block;

// A packed group may hold fewer columns than its width (zeros after them): `ncols` results are stored.
typedef void (*rf_gemmk16_fn)(int n, const void *w, const rf_xk16_block *x, float *out, size_t out_stride, int ncols);
typedef void (*rf_gemmk8_fn)(int n, const void *w, const rf_xk8_block *x, float *out, size_t out_stride, int ncols);

/// The K-quant sixteen- and eight-column kernels for weight `type` on `path` (NULL when there is none).
rf_gemmk16_fn rf_get_gemmk16(int type, int path);
rf_gemmk8_fn rf_get_gemmk8(int type, int path);
void rf_pack_xk16(int path, const void *x, size_t x_stride, int ncols, int64_t k, rf_xk16_block *out);
void rf_pack_xk8(int path, const void *x, size_t x_stride, int ncols, int64_t k, rf_xk8_block *out);

/// K-quant prefill tiles (kernels_tile16.c): `unpack` lays sixteen weight rows (`w_row` bytes apart) out as
/// RF_TILE16_SB_BYTES per super-block; `gemm` multiplies such a tile by a group of eight Q8_K activation columns
/// packed by rf_tile16_pack_x (one rf_xt_block per super-block), storing sixteen results for each of the first
/// `ncols` columns at y + c * y_stride.
#define RF_TILE16_SB_BYTES 6144
typedef struct {
    int8_t q[8][256];
    float d[8];
    int32_t bs32[4][8];
    int32_t bs16[8][8];
} rf_xt_block;
typedef void (*rf_tile16_unpack_fn)(int n, const void *w, size_t w_row, void *tile);
typedef void (*rf_tile16_gemm_fn)(int n, const void *tile, const void *x, int ncols, float *y, size_t y_stride);
/// Packs `ncols` (at most eight) Q8_K activation rows `x_stride` bytes apart for the tiles, zeros after them.
void rf_tile16_pack_x(const void *x, size_t x_stride, int ncols, int64_t k, rf_xt_block *out);
/// The same for Q5_0 and Q8_0 weights (Q8_0 activations) and Q4_1 (Q8_1), one rf_xt32_block per block of 32,
/// their tiles RF_TILE16_B_BYTES per block: each column's codes, scale d, Q8_1 sum s, and the offsets -16·Σy and
/// -128·Σy of each half. act_type: RF_Q8_0 or RF_Q8_1.
#define RF_TILE16_B_BYTES 640
typedef struct {
    int8_t q[8][32];
    float d[8], s[8];
    int32_t m16sy[8], m128lo[8], m128hi[8];
} rf_xt32_block;
void rf_tile16_pack_x32(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, rf_xt32_block *out);
/// Sets the tile kernels for weight `type` on `path`; returns 0 (and sets them to NULL) when there are none.
/// Q4_K and Q6_K tiles take rf_xt_block columns, Q5_0, Q8_0 and Q4_1 tiles rf_xt32_block columns.
int rf_get_tile16(int type, int path, rf_tile16_unpack_fn *unpack, rf_tile16_gemm_fn *gemm);

/// The sixteen-column kernel for weight `type` on `path` (NULL when there is none); its packing wants the
/// offset rf_get_gemm8 reports for the type.
rf_gemm16_fn rf_get_gemm16(int type, int path);
void rf_pack_x16(int path, const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x16_block *out);

/// The eight-column kernel for weight `type` on `path` (NULL when there is none); `offset` tells whether it
/// wants its activations packed as unsigned (q + 128).
rf_gemm8_fn rf_get_gemm8(int type, int path, int *offset);
void rf_pack_x8(int path, const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x8_block *out);

#ifdef RF_X86
void rf_pack_x8_vnni(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x8_block *out);
void rf_gemm8_q4_1_vnni(int n, const void *w, const rf_x8_block *x, float *out, size_t out_stride);
void rf_gemm8_q4_0_vnni(int n, const void *w, const rf_x8_block *x, float *out, size_t out_stride);
void rf_gemm8_q8_0_vnni(int n, const void *w, const rf_x8_block *x, float *out, size_t out_stride);
void rf_pack_x16_vnni(const void *x, size_t x_stride, int ncols, int64_t k, int act_type, int offset, rf_x16_block *out);
void rf_gemm16_q4_1_vnni(int n, const void *w, const rf_x16_block *x, float *out, size_t out_stride);
void rf_gemm16_q4_0_vnni(int n, const void *w, const rf_x16_block *x, float *out, size_t out_stride);
void rf_gemm16_q8_0_vnni(int n, const void *w, const rf_x16_block *x, float *out, size_t out_stride);
void rf_gemm8_q5_0_vnni(int n, const void *w, const rf_x8_block *x, float *out, size_t out_stride);
void rf_gemm16_q5_0_vnni(int n, const void *w, const rf_x16_block *x, float *out, size_t out_stride);
#endif
#endif
