// Roofline's FP8 weight rows (RF_FP8_E4M3, RF_FP8_E5M2; not ggml types): each row is a float32 scale followed
// by k FP8 codes (E4M3FN or E5M2 as ml_dtypes defines them), value = decode(code) * scale. A per-tensor scale
// is the same scale on every row, a per-output-channel scale one per row, so both are held exactly.
// Scalar reference: row dequantizer, dot product with float32 activations, and the row quantizer
// (scale = amax / largest finite value, codes = round-to-nearest-even of x / scale, as llm-compressor does).
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

static inline float row_scale(const void *row) { float s; memcpy(&s, row, 4); return s; }

static inline float decode(int type, uint8_t c) {
    return type == RF_FP8_E4M3 ? rf_fp8_e4m3fn_to_fp32(c) : rf_fp8_e5m2_to_fp32(c);
}

void rf_dequantize_row_fp8(int type, const void *vx, float *y, int64_t k) {
    const float s = row_scale(vx);
    const uint8_t *q = (const uint8_t *)vx + RF_FP8_SCALE_BYTES;
    for (int64_t i = 0; i < k; i++) y[i] = decode(type, q[i]) * s;
}

static float dot_ref(int type, int n, const void *vx, const void *vy) {
    const uint8_t *q = (const uint8_t *)vx + RF_FP8_SCALE_BYTES;
    const float *y = vy;
    float sum = 0;
    for (int i = 0; i < n; i++) sum += decode(type, q[i]) * y[i];
    return sum * row_scale(vx);
}

float rf_vec_dot_fp8_e4m3_f32_ref(int n, const void *x, const void *y) { return dot_ref(RF_FP8_E4M3, n, x, y); }
float rf_vec_dot_fp8_e5m2_f32_ref(int n, const void *x, const void *y) { return dot_ref(RF_FP8_E5M2, n, x, y); }

static void quantize_row(int type, const float *x, void *vy, int64_t k) {
    const float fmax = type == RF_FP8_E4M3 ? 448.0f : 57344.0f;
    float amax = 0;
    for (int64_t i = 0; i < k; i++) if (amax < fabsf(x[i])) amax = fabsf(x[i]);
    const float s = amax / fmax;
    memcpy(vy, &s, 4);
    uint8_t *q = (uint8_t *)vy + RF_FP8_SCALE_BYTES;
    for (int64_t i = 0; i < k; i++) {
        float v = s > 0 ? x[i] / s : 0.0f;
        v = v > fmax ? fmax : v < -fmax ? -fmax : v;  // x / s may round just past the largest value
        q[i] = type == RF_FP8_E4M3 ? rf_fp32_to_fp8_e4m3fn(v) : rf_fp32_to_fp8_e5m2(v);
    }
}

void rf_quantize_row_fp8_e4m3_ref(const float *x, void *y, int64_t k) { quantize_row(RF_FP8_E4M3, x, y, k); }
void rf_quantize_row_fp8_e5m2_ref(const float *x, void *y, int64_t k) { quantize_row(RF_FP8_E5M2, x, y, k); }
