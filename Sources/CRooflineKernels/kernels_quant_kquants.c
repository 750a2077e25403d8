// K-quant weight quantizers (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K), ported from llama.cpp's ggml/src/ggml-quants.c
// (MIT; llama-cpp-python 0.3.36's vendored tree): quantize_row_q{2,3,4,5,6}_K_ref with their helpers
// nearest_int, make_qx_quants, make_q3_quants and make_qkx2_quants, statement for statement and in the same
// float operation order, so the bytes equal ggml's (which llama-quantize writes when no importance matrix is
// given: quantize_q*_K with quant_weights NULL calls these). This file must not be compiled with FMA
// contraction into different roundings: it has no target attribute, and Roofline is built without -march.
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

#define GROUP_MAX_EPS 1e-15f
#define KMAX(a, b) ((a) > (b) ? (a) : (b))
#define KMIN(a, b) ((a) < (b) ? (a) : (b))

// ggml's nearest_int: round half to even through the 1.5 * 2^23 trick (|fval| <= 4194303).
static inline int nearest_int(float fval) {
    float val = fval + 12582912.f;
    int i; memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

// ggml's make_qx_quants (symmetric, codes in [0, 2 nmax), returned scale), rmse_type 1, no quant weights:
// the only form quantize_row_q6_K_ref uses.
// The value of largest magnitude (the first such), or 0 with L cleared when every |x| < GROUP_MAX_EPS: the
// common start of make_qx_quants and make_q3_quants.
static float signed_amax_or_clear(int n, const float *x, int8_t *L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        float ax = fabsf(x[i]);
        if (ax > amax) { amax = ax; max = x[i]; }
    }
    if (amax < GROUP_MAX_EPS) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    return max;
}

// Rounds iscale·x to [-nmax, nmax - 1] and sums Σ w·x·l and Σ w·l² with w = x² (both helpers' inner loop, in
// ggml's order); stores l + offset into L unless L is NULL.
static void x2_weighted_sums(int n, int nmax, float iscale, const float *x, int8_t *L, int offset, float *sumlx_out, float *suml2_out) {
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * x[i]);
        l = KMAX(-nmax, KMIN(nmax - 1, l));
        if (L) L[i] = (int8_t)(l + offset);
        float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    *sumlx_out = sumlx; *suml2_out = suml2;
}

static float make_qx_quants(int n, int nmax, const float *x, int8_t *L) {
    const float max = signed_amax_or_clear(n, x, L);
    if (max == 0) return 0.f;
    float iscale = -nmax / max;
    float sumlx, suml2;
    x2_weighted_sums(n, nmax, iscale, x, L, nmax, &sumlx, &suml2);
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        x2_weighted_sums(n, nmax, iscale, x, NULL, 0, &sumlx, &suml2);
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) {
                int l = nearest_int(iscale * x[i]);
                L[i] = (int8_t)(nmax + KMAX(-nmax, KMIN(nmax - 1, l)));
            }
            scale = sumlx / suml2; best = scale * sumlx;
        }
    }
    return scale;
}

// ggml's make_q3_quants with do_rmse = true (quantize_row_q3_K_ref's only use).
static float make_q3_quants(int n, int nmax, const float *x, int8_t *L) {
    const float max = signed_amax_or_clear(n, x, L);
    if (max == 0) return 0.f;
    float sumlx, suml2;
    x2_weighted_sums(n, nmax, -nmax / max, x, L, 0, &sumlx, &suml2);
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx > 0) {
                float sl2 = suml2 - w * L[i] * L[i];
                int new_l = nearest_int(x[i] * sl2 / slx);
                new_l = KMAX(-nmax, KMIN(nmax - 1, new_l));
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (int8_t)new_l; sumlx = slx; suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = (int8_t)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// ggml's make_qkx2_quants: affine codes in [0, nmax] with a non-positive min, searched over nstep + 1 scales.
static float make_qkx2_quants(int n, int nmax, const float *x, const float *weights, uint8_t *L, float *the_min,
                              uint8_t *Laux, float rmin, float rdelta, int nstep, int use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * (x[i] - min));
        L[i] = (uint8_t)KMAX(0, KMIN(nmax, l));
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        float w = weights[i];
        best_error += w * diff;
    }
    if (nstep < 1) { *the_min = -min; return scale; }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale * (x[i] - min));
            l = KMAX(0, KMIN(nmax, l));
            Laux[i] = (uint8_t)l;
            float w = weights[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) { this_min = 0; this_scale = sum_xl / sum_l2; }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = use_mad ? fabsf(diff) : diff * diff;
                float w = weights[i];
                cur_error += w * diff;
            }
            if (cur_error < best_error) {
                for (int i = 0; i < n; ++i) L[i] = Laux[i];
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

static inline void get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else { *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); *m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4); }
}

// Packs two 4-bit planes (L[j..j+31] low, L[j+32..j+63] high) per 64 values, as Q4_K and Q5_K store them.
static void pack_4bit_pairs(const uint8_t *L, uint8_t *q) {
    for (int j = 0; j < RF_QK_K; j += 64, q += 32)
        for (int l = 0; l < 32; ++l) q[l] = (uint8_t)((L[j + l] & 0xF) | ((L[j + l + 32] & 0xF) << 4));
}

// Four 2-bit planes per 128 values (Q2_K, Q3_K's low bits).
static void pack_2bit_planes(const uint8_t *L, uint8_t *qs) {
    for (int j = 0; j < RF_QK_K; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

void rf_quantize_row_q2_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q2_K *y = vy;
    uint8_t L[RF_QK_K], Laux[16];
    float weights[16], mins[RF_QK_K / 16], scales[RF_QK_K / 16];
    const float q4scale = 15.f;
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < RF_QK_K / 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = fabsf(x[16 * j + l]);
            scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, 1);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0) {
            float iscale = q4scale / max_scale;
            for (int j = 0; j < RF_QK_K / 16; ++j) y[i].scales[j] = (uint8_t)nearest_int(iscale * scales[j]);
            y[i].d = rf_fp32_to_fp16(max_scale / q4scale);
        } else {
            for (int j = 0; j < RF_QK_K / 16; ++j) y[i].scales[j] = 0;
            y[i].d = rf_fp32_to_fp16(0.f);
        }
        if (max_min > 0) {
            float iscale = q4scale / max_min;
            for (int j = 0; j < RF_QK_K / 16; ++j) y[i].scales[j] |= (uint8_t)(nearest_int(iscale * mins[j]) << 4);
            y[i].dmin = rf_fp32_to_fp16(max_min / q4scale);
        } else {
            y[i].dmin = rf_fp32_to_fp16(0.f);
        }
        for (int j = 0; j < RF_QK_K / 16; ++j) {
            const float d = rf_fp16_to_fp32(y[i].d) * (y[i].scales[j] & 0xF);
            if (!d) continue;
            const float dm = rf_fp16_to_fp32(y[i].dmin) * (y[i].scales[j] >> 4);
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearest_int((x[16 * j + ii] + dm) / d);
                L[16 * j + ii] = (uint8_t)KMAX(0, KMIN(3, l));
            }
        }
        pack_2bit_planes(L, y[i].qs);
    }
}

void rf_quantize_row_q3_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q3_K *y = vy;
    int8_t L[RF_QK_K];
    float scales[RF_QK_K / 16];
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        float max_scale = 0, amax = 0;
        for (int j = 0; j < RF_QK_K / 16; ++j) {
            scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j);
            float scale = fabsf(scales[j]);
            if (scale > amax) { amax = scale; max_scale = scales[j]; }
        }
        memset(y[i].scales, 0, 12);
        if (max_scale) {
            float iscale = -32.f / max_scale;
            for (int j = 0; j < RF_QK_K / 16; ++j) {
                int8_t l = (int8_t)nearest_int(iscale * scales[j]);
                l = (int8_t)(KMAX(-32, KMIN(31, l)) + 32);
                if (j < 8) y[i].scales[j] = l & 0xF;
                else y[i].scales[j - 8] |= (uint8_t)((l & 0xF) << 4);
                l >>= 4;
                y[i].scales[j % 4 + 8] |= (uint8_t)(l << (2 * (j / 4)));
            }
            y[i].d = rf_fp32_to_fp16(1 / iscale);
        } else {
            y[i].d = rf_fp32_to_fp16(0.f);
        }
        for (int j = 0; j < RF_QK_K / 16; ++j) {
            int8_t sc = (int8_t)(j < 8 ? y[i].scales[j] & 0xF : y[i].scales[j - 8] >> 4);
            sc = (int8_t)((sc | (((y[i].scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
            float d = rf_fp16_to_fp32(y[i].d) * sc;
            if (!d) continue;
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearest_int(x[16 * j + ii] / d);
                L[16 * j + ii] = (int8_t)(KMAX(-4, KMIN(3, l)) + 4);
            }
        }
        memset(y[i].hmask, 0, RF_QK_K / 8);
        int m = 0;
        uint8_t hm = 1;
        for (int j = 0; j < RF_QK_K; ++j) {
            if (L[j] > 3) { y[i].hmask[m] |= hm; L[j] -= 4; }
            if (++m == RF_QK_K / 8) { m = 0; hm <<= 1; }
        }
        pack_2bit_planes((const uint8_t *)L, y[i].qs);
    }
}

// Q4_K and Q5_K share everything but nmax and the search range (quantize_row_q4_K_ref: 15, -1, 20 steps;
// quantize_row_q5_K_ref: 31, -0.5, 15 steps): sub-block scales and mins by make_qkx2_quants weighted by
// av_x + |x|, then 6-bit scales and mins against d = max_scale/63, dmin = max_min/63, then codes again.
static void quantize_q45_K_superblock(const float *x, int nmax, float rmin, int nstep, uint8_t *scales_out,
                                      uint16_t *d_out, uint16_t *dmin_out, uint8_t *L) {
    uint8_t Laux[32];
    float weights[32], mins[RF_QK_K / 32], scales[RF_QK_K / 32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < RF_QK_K / 32; ++j) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
        float av_x = sqrtf(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + fabsf(x[32 * j + l]);
        scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, 0);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < RF_QK_K / 32; ++j) {
        uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]);
        uint8_t lm = (uint8_t)nearest_int(inv_min * mins[j]);
        ls = KMIN(63, ls);
        lm = KMIN(63, lm);
        if (j < 4) {
            scales_out[j] = ls;
            scales_out[j + 4] = lm;
        } else {
            scales_out[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
            scales_out[j - 4] |= (uint8_t)((ls >> 4) << 6);
            scales_out[j - 0] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    *d_out = rf_fp32_to_fp16(max_scale / 63.f);
    *dmin_out = rf_fp32_to_fp16(max_min / 63.f);
    uint8_t sc, m;
    for (int j = 0; j < RF_QK_K / 32; ++j) {
        get_scale_min_k4(j, scales_out, &sc, &m);
        const float d = rf_fp16_to_fp32(*d_out) * sc;
        if (!d) continue;
        const float dm = rf_fp16_to_fp32(*dmin_out) * m;
        for (int ii = 0; ii < 32; ++ii) {
            int l = nearest_int((x[32 * j + ii] + dm) / d);
            L[32 * j + ii] = (uint8_t)KMAX(0, KMIN(nmax, l));
        }
    }
}

void rf_quantize_row_q4_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q4_K *y = vy;
    uint8_t L[RF_QK_K];
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        quantize_q45_K_superblock(x, 15, -1.f, 20, y[i].scales, &y[i].d, &y[i].dmin, L);
        pack_4bit_pairs(L, y[i].qs);
    }
}

void rf_quantize_row_q5_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q5_K *y = vy;
    uint8_t L[RF_QK_K];
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        quantize_q45_K_superblock(x, 31, -0.5f, 15, y[i].scales, &y[i].d, &y[i].dmin, L);
        uint8_t *qh = y[i].qh;
        memset(qh, 0, RF_QK_K / 8);
        uint8_t m1 = 1, m2 = 2;
        for (int n = 0; n < RF_QK_K; n += 64) {
            for (int j = 0; j < 32; ++j) {
                if (L[n + j] > 15) qh[j] |= m1;
                if (L[n + j + 32] > 15) qh[j] |= m2;
            }
            m1 = (uint8_t)(m1 << 2); m2 = (uint8_t)(m2 << 2);
        }
        pack_4bit_pairs(L, y[i].qs);  // the low four bits of each code
    }
}

void rf_quantize_row_q6_K_ref(const float *x, void *vy, int64_t k) {
    rf_block_q6_K *y = vy;
    int8_t L[RF_QK_K];
    float scales[RF_QK_K / 16];
    for (int64_t i = 0; i < k / RF_QK_K; i++, x += RF_QK_K) {
        float max_scale = 0, max_abs_scale = 0;
        for (int ib = 0; ib < RF_QK_K / 16; ++ib) {
            const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
            scales[ib] = scale;
            const float abs_scale = fabsf(scale);
            if (abs_scale > max_abs_scale) { max_abs_scale = abs_scale; max_scale = scale; }
        }
        if (max_abs_scale < GROUP_MAX_EPS) {
            memset(&y[i], 0, sizeof(rf_block_q6_K));
            y[i].d = rf_fp32_to_fp16(0.f);
            continue;
        }
        float iscale = -128.f / max_scale;
        y[i].d = rf_fp32_to_fp16(1 / iscale);
        for (int ib = 0; ib < RF_QK_K / 16; ++ib) y[i].scales[ib] = (int8_t)KMIN(127, nearest_int(iscale * scales[ib]));
        for (int j = 0; j < RF_QK_K / 16; ++j) {
            float d = rf_fp16_to_fp32(y[i].d) * y[i].scales[j];
            if (!d) continue;
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearest_int(x[16 * j + ii] / d);
                L[16 * j + ii] = (int8_t)(KMAX(-32, KMIN(31, l)) + 32);
            }
        }
        uint8_t *ql = y[i].ql, *qh = y[i].qh;
        for (int j = 0; j < RF_QK_K; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t q1 = L[j + l + 0] & 0xF, q2 = L[j + l + 32] & 0xF;
                const uint8_t q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                ql[l + 0] = (uint8_t)(q1 | (q3 << 4));
                ql[l + 32] = (uint8_t)(q2 | (q4 << 4));
                qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }
}
