// FP8 (E4M3FN, E5M2), FP4 (E2M1) and E8M0 element conversions, defined as ml_dtypes defines its casts
// from float32 (float8_e4m3fn, float8_e5m2, float4_e2m1fn, float8_e8m0fnu):
// - E4M3FN: round to nearest even; past 448 (after rounding) and ±inf -> NaN (0x7F | sign); NaN keeps its sign.
// - E5M2: round to nearest even; overflow and ±inf -> ±inf (0x7C | sign); NaN -> 0x7E | sign.
// - E2M1FN: round to nearest even; overflow and ±inf saturate to ±6; NaN -> 0x8 for +NaN, 0x0 for -NaN
//   (ml_dtypes' result, as it is).
// - E8M0FNU (unsigned power of two, 2^-127..2^127, 0xFF = NaN): ties away from zero on the exponent; zero,
//   negatives, NaN, inf and values past 2^127 (after rounding) -> 0xFF; float32 subnormals: exactly 2^-127 or
//   less -> 0x00, above -> 0x01.
// Checked against every vector of scripts/reference/make_minifloat_vectors.py.
#include "CRooflineKernels.h"
#include <math.h>
#include <string.h>

static inline uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

enum { OVF_NAN, OVF_INF, OVF_SAT };

// Rounds |x| (float32 bits `a`, finite, sign cleared) to a format with `m` mantissa bits and exponent bias
// `bias` (round to nearest even, subnormals included); the result may exceed the largest code.
static inline uint32_t round_magnitude(uint32_t a, int m, int bias) {
    const int sh = 23 - m;
    const int et = (int)(a >> 23) - 127 + bias;
    if (et > 0) {
        const uint32_t r = (a + (1u << (sh - 1)) - 1 + ((a >> sh) & 1)) >> sh;
        return r - ((uint32_t)(127 - bias) << m);
    }
    const int s = sh + 1 - et;
    if (s >= 25) return 0;
    const uint32_t full = (a & 0x7FFFFFu) | 0x800000u;
    return (full + (1u << (s - 1)) - 1 + ((full >> s) & 1)) >> s;
}

static inline uint8_t encode_signed(float x, int m, int bias, uint32_t max_code, int ovf, int sign_bit) {
    const uint32_t u = f2u(x), a = u & 0x7FFFFFFFu;
    const uint32_t sign = (u >> 31) << sign_bit;
    if (a > 0x7F800000u) {  // NaN
        if (ovf == OVF_NAN) return (uint8_t)(sign | 0x7F);
        if (ovf == OVF_INF) return (uint8_t)(sign | 0x7E);
        return (uint8_t)((1u - (u >> 31)) << sign_bit);
    }
    uint32_t r = a == 0x7F800000u ? max_code + 1 : round_magnitude(a, m, bias);
    if (r > max_code) r = ovf == OVF_NAN ? 0x7F : ovf == OVF_INF ? 0x7C : max_code;
    return (uint8_t)(sign | r);
}

// Decodes a sign/exponent/mantissa code (no special values handled here).
static inline float decode_finite(uint32_t c, int e_bits, int m, int bias) {
    const int sign_bit = e_bits + m;
    const int e = (int)((c >> m) & ((1u << e_bits) - 1));
    const int man = (int)(c & ((1u << m) - 1));
    const float mag = e == 0 ? ldexpf((float)man, 1 - bias - m) : ldexpf((float)((1 << m) | man), e - bias - m);
    return (c >> sign_bit) & 1 ? -mag : mag;
}

static inline float nan_with_sign(int negative) { return u2f((negative ? 0x80000000u : 0) | 0x7FC00000u); }

float rf_fp8_e4m3fn_to_fp32(uint8_t c) {
    if ((c & 0x7F) == 0x7F) return nan_with_sign(c >> 7);
    return decode_finite(c, 4, 3, 7);
}

uint8_t rf_fp32_to_fp8_e4m3fn(float x) { return encode_signed(x, 3, 7, 0x7E, OVF_NAN, 7); }

float rf_fp8_e5m2_to_fp32(uint8_t c) {
    if ((c & 0x7C) == 0x7C) {
        if (c & 0x03) return nan_with_sign(c >> 7);
        return c >> 7 ? -INFINITY : INFINITY;
    }
    return decode_finite(c, 5, 2, 15);
}

uint8_t rf_fp32_to_fp8_e5m2(float x) { return encode_signed(x, 2, 15, 0x7B, OVF_INF, 7); }

float rf_fp4_e2m1fn_to_fp32(uint8_t c) { return decode_finite(c & 0x0F, 2, 1, 1); }

uint8_t rf_fp32_to_fp4_e2m1fn(float x) { return encode_signed(x, 1, 1, 0x7, OVF_SAT, 3); }

float rf_e8m0_to_fp32(uint8_t c) {
    if (c == 0xFF) return nan_with_sign(0);
    return u2f(c == 0 ? 0x00400000u : (uint32_t)c << 23);
}

uint8_t rf_fp32_to_e8m0(float x) {
    const uint32_t u = f2u(x);
    if ((u >> 31) || u == 0 || (u >> 23) == 0xFF) return 0xFF;  // negative (or -0), zero, NaN, inf
    if ((u >> 23) == 0) return u > 0x00400000u ? 1 : 0;         // float32 subnormal
    const uint32_t r = (u + (1u << 22)) >> 23;                   // ties away from zero
    return r > 254 ? 0xFF : (uint8_t)r;
}
