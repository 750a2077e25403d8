// Scalar reference kernels: the plain code every SIMD kernel is tested against.
// Ported from ggml's generic paths (ggml-quants.c quantize_row_*_ref, ggml-cpu quants.c ggml_vec_dot_*_generic),
// with activation rounding matching ggml's x86 quantize_row_q8_0/q8_1 (d = amax/127, multiply by 127/amax,
// round half to even) so the engine's numbers follow llama.cpp on x86.
#include "CRooflineKernels.h"
#include "kernels_internal.h"
#include <math.h>

static inline float amax32(const float *x) {
    float m = 0.0f;
    for (int j = 0; j < RF_QK; j++) { float a = fabsf(x[j]); if (a > m) m = a; }
    return m;
}

void rf_quantize_row_q8_0_ref(const float *x, void *vy, int64_t k) {
    rf_block_q8_0 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++, x += RF_QK) {
        const float amax = amax32(x);
        const float d = amax / 127.f;
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = rf_fp32_to_fp16(d);
        for (int j = 0; j < RF_QK; j++) y[i].qs[j] = (int8_t)nearbyintf(x[j] * id);
    }
}

void rf_quantize_row_q8_1_ref(const float *x, void *vy, int64_t k) {
    rf_block_q8_1 *y = vy;
    for (int64_t i = 0; i < k / RF_QK; i++, x += RF_QK) {
        const float amax = amax32(x);
        const float d = amax / 127.f;
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        y[i].d = rf_fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < RF_QK; j++) { y[i].qs[j] = (int8_t)nearbyintf(x[j] * id); sum += y[i].qs[j]; }
        y[i].s = rf_fp32_to_fp16(d * (float)sum);
    }
}

void rf_quantize_row_f16_ref(const float *x, void *vy, int64_t k) {
    uint16_t *y = vy;
    for (int64_t i = 0; i < k; i++) y[i] = rf_fp32_to_fp16(x[i]);
}

void rf_quantize_row_bf16_ref(const float *x, void *vy, int64_t k) {
    uint16_t *y = vy;
    for (int64_t i = 0; i < k; i++) y[i] = rf_fp32_to_bf16(x[i]);
}

void rf_quantize_row_f32_ref(const float *x, void *vy, int64_t k) {
    float *y = vy;
    for (int64_t i = 0; i < k; i++) y[i] = x[i];
}

float rf_vec_dot_q4_0_q8_0_ref(int n, const void *vx, const void *vy) {
    const rf_block_q4_0 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            const int v0 = (x[i].qs[j] & 0x0F) - 8;
            const int v1 = (x[i].qs[j] >> 4) - 8;
            sumi += v0 * y[i].qs[j] + v1 * y[i].qs[j + 16];
        }
        sumf += (float)sumi * rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d);
    }
    return sumf;
}

float rf_vec_dot_q4_1_q8_1_ref(int n, const void *vx, const void *vy) {
    const rf_block_q4_1 *x = vx; const rf_block_q8_1 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            sumi += (x[i].qs[j] & 0x0F) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
        }
        sumf += (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d)) * (float)sumi
              + rf_fp16_to_fp32(x[i].m) * rf_fp16_to_fp32(y[i].s);
    }
    return sumf;
}

float rf_vec_dot_q8_0_q8_0_ref(int n, const void *vx, const void *vy) {
    const rf_block_q8_0 *x = vx; const rf_block_q8_0 *y = vy;
    float sumf = 0;
    for (int i = 0; i < n / RF_QK; i++) {
        int sumi = 0;
        for (int j = 0; j < RF_QK; j++) sumi += x[i].qs[j] * y[i].qs[j];
        sumf += (float)sumi * (rf_fp16_to_fp32(x[i].d) * rf_fp16_to_fp32(y[i].d));
    }
    return sumf;
}

float rf_vec_dot_f16_f16_ref(int n, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    double s = 0;  // ggml_vec_dot_f16 generic accumulates in ggml_float (double)
    for (int i = 0; i < n; i++) s += (double)(rf_fp16_to_fp32(x[i]) * rf_fp16_to_fp32(y[i]));
    return (float)s;
}

float rf_vec_dot_bf16_bf16_ref(int n, const void *vx, const void *vy) {
    const uint16_t *x = vx, *y = vy;
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)(rf_bf16_to_fp32(x[i]) * rf_bf16_to_fp32(y[i]));
    return (float)s;
}

float rf_vec_dot_f32_f32_ref(int n, const void *vx, const void *vy) {
    const float *x = vx, *y = vy;
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)(x[i] * y[i]);
    return (float)s;
}

int rf_dequantize_row(int type, const void *vx, float *y, int64_t k) {
    switch (type) {
    case RF_F32: { const float *x = vx; for (int64_t i = 0; i < k; i++) y[i] = x[i]; return 0; }
    case RF_F16: { const uint16_t *x = vx; for (int64_t i = 0; i < k; i++) y[i] = rf_fp16_to_fp32(x[i]); return 0; }
    case RF_BF16: { const uint16_t *x = vx; for (int64_t i = 0; i < k; i++) y[i] = rf_bf16_to_fp32(x[i]); return 0; }
    case RF_Q4_0: {
        const rf_block_q4_0 *x = vx;
        for (int64_t i = 0; i < k / RF_QK; i++) {
            const float d = rf_fp16_to_fp32(x[i].d);
            for (int j = 0; j < 16; j++) {
                y[i * 32 + j] = ((x[i].qs[j] & 0x0F) - 8) * d;
                y[i * 32 + j + 16] = ((x[i].qs[j] >> 4) - 8) * d;
            }
        }
        return 0;
    }
    case RF_Q4_1: {
        const rf_block_q4_1 *x = vx;
        for (int64_t i = 0; i < k / RF_QK; i++) {
            const float d = rf_fp16_to_fp32(x[i].d), m = rf_fp16_to_fp32(x[i].m);
            for (int j = 0; j < 16; j++) {
                y[i * 32 + j] = (x[i].qs[j] & 0x0F) * d + m;
                y[i * 32 + j + 16] = (x[i].qs[j] >> 4) * d + m;
            }
        }
        return 0;
    }
    case RF_Q8_0: {
        const rf_block_q8_0 *x = vx;
        for (int64_t i = 0; i < k / RF_QK; i++) {
            const float d = rf_fp16_to_fp32(x[i].d);
            for (int j = 0; j < RF_QK; j++) y[i * 32 + j] = x[i].qs[j] * d;
        }
        return 0;
    }
    case RF_Q8_1: {
        const rf_block_q8_1 *x = vx;
        for (int64_t i = 0; i < k / RF_QK; i++) {
            const float d = rf_fp16_to_fp32(x[i].d);
            for (int j = 0; j < RF_QK; j++) y[i * 32 + j] = x[i].qs[j] * d;
        }
        return 0;
    }
    case RF_Q5_0: rf_dequantize_row_q5_0(vx, y, k); return 0;
    case RF_Q5_1: rf_dequantize_row_q5_1(vx, y, k); return 0;
    case RF_MXFP4: rf_dequantize_row_mxfp4(vx, y, k); return 0;
    case RF_NVFP4: rf_dequantize_row_nvfp4(vx, y, k); return 0;
    case RF_FP8_E4M3: case RF_FP8_E5M2: rf_dequantize_row_fp8(type, vx, y, k); return 0;  // one row of k
    default: return rf_dequantize_row_kquant(type, vx, y, k);
    }
}
