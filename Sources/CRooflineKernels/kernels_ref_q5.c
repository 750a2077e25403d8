// Scalar reference code for Q5_0 and Q5_1: weight quantizers (ggml-quants.c quantize_row_q5_*_ref), row
// dequantizers and dot products with Q8_0 / Q8_1 activations (ggml_vec_dot_q5_*_q8_*_generic).
#include "kernels_internal.h"
#include <float.h>
#include <math.h>
#include <string.h>

static inline uint32_t load_qh(const uint8_t *qh) { uint32_t v; memcpy(&v, qh, 4); return v; }

void rf_quantize_row_q5_0_ref(const float *x, void *vy, int64_t k) {
    rf_block_q5_0 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++, x += RF_QK) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < RF_QK; j++) if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
        const float d = max / -16;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = rf_fp32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            const int8_t t0 = (int8_t)(x[j] * id + 16.5f), t1 = (int8_t)(x[j + 16] * id + 16.5f);
            const uint8_t q0 = (uint8_t)(t0 < 31 ? t0 : 31), q1 = (uint8_t)(t1 < 31 ? t1 : 31);
            y[i].qs[j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= ((uint32_t)(q0 & 0x10) >> 4) << j;
            qh |= ((uint32_t)(q1 & 0x10) >> 4) << (j + 16);
        }
        memcpy(y[i].qh, &qh, 4);
    }
}

void rf_quantize_row_q5_1_ref(const float *x, void *vy, int64_t k) {
    rf_block_q5_1 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++, x += RF_QK) {
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < RF_QK; j++) { if (x[j] < min) min = x[j]; if (x[j] > max) max = x[j]; }
        const float d = (max - min) / 31;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = rf_fp32_to_fp16(d);
        y[i].m = rf_fp32_to_fp16(min);
        uint32_t qh = 0;
        for (int j = 0; j < 16; j++) {
            const uint8_t q0 = (uint8_t)((x[j] - min) * id + 0.5f), q1 = (uint8_t)((x[j + 16] - min) * id + 0.5f);
            y[i].qs[j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= ((uint32_t)(q0 & 0x10) >> 4) << j;
            qh |= ((uint32_t)(q1 & 0x10) >> 4) << (j + 16);
        }
        memcpy(y[i].qh, &qh, 4);
    }
}

// The 5-bit code of element j (0..31) of a block.
static inline int q5_code(const uint8_t *qs, uint32_t qh, int j) {
    const int lo = j < 16 ? qs[j] & 0x0F : qs[j - 16] >> 4;
    return lo | (int)(((qh >> j) & 1) << 4);
}

void rf_dequantize_row_q5_0(const void *vx, float *y, int64_t k) {
    const rf_block_q5_0 *x = vx;
    for (int64_t i = 0; i < k / RF_QK; i++) {
        const float d = rf_fp16_to_fp32(x[i].d);
        const uint32_t qh = load_qh(x[i].qh);
        for (int j = 0; j < RF_QK; j++) y[i * RF_QK + j] = (float)(q5_code(x[i].qs, qh, j) - 16) * d;
    }
}

void rf_dequantize_row_q5_1(const void *vx, float *y, int64_t k) {
    const rf_block_q5_1 *x = vx;
    for (int64_t i = 0; i < k / RF_QK; i++) {
        const float d = rf_fp16_to_fp32(x[i].d), m = rf_fp16_to_fp32(x[i].m);
        const uint32_t qh = load_qh(x[i].qh);
        for (int j = 0; j < RF_QK; j++) y[i * RF_QK + j] = (float)q5_code(x[i].qs, qh, j) * d + m;
    }
}

float rf_vec_dot_q5_0_q8_0_ref(int n, const void *vx, const void *vy) {
    const rf_block_q5_0 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        const uint32_t qh = load_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < RF_QK; j++) sumi += (q5_code(x[i].qs, qh, j) - 16) * y[i].qs[j];
        sumf += (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d)) * (float)sumi;
    }
    return sumf;
}

float rf_vec_dot_q5_1_q8_1_ref(int n, const void *vx, const void *vy) {
    const rf_block_q5_1 *x = vx; const rf_block_q8_1 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        const uint32_t qh = load_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < RF_QK; j++) sumi += q5_code(x[i].qs, qh, j) * y[i].qs[j];
        sumf += (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d)) * (float)sumi
              + rf_fp16_to_fp32(x[i].m) * rf_fp16_to_fp32(y[i].s);
    }
    return sumf;
}
