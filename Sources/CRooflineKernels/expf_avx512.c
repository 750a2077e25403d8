// expf on eight floats at a time with AVX-512 (in double, as the library computes it), bit for bit the value of glibc's expf on x86-64 (__expf_fma, the
// variant glibc picks on CPUs with FMA; glibc 2.27 and later, from Arm's optimized-routines): the same
// table-driven algorithm, evaluated in double with the same fused operations in the same order:
//   z = InvLn2N·x + Shift (fused); ki = bits(z); kd = z - Shift; r = InvLn2N·x - kd (fused);
//   s = double(T[ki % 32] + (ki << 47)); y = (C0·r + C1)·r² + (C2·r + 1) (each step fused); result = float(y·s).
// Lanes outside the fast path (|x| >= 88, infinities, NaN) get the library's expf itself. Attention's online
// softmax needs expf per key and ggml calls the library's, so this must match it exactly: rf_expf_avx512_exact()
// compares the two on a sweep of inputs once per process and callers fall back to expf if they ever differ
// (another C library, another version).
#include "kernels_internal.h"
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#ifdef RF_X86
#include <immintrin.h>
#define RF_EXP512 __attribute__((target("avx2,fma,avx512f,avx512dq")))

static const uint64_t rf_exp2f_tab[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b, 0x3fef54873168b9aa,
    0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74,
    0x3feea11473eb0187, 0x3feea589994cce13, 0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
#define RF_D(bits) ((union { uint64_t u; double d; }){ .u = (bits) }).d

// Eight lanes, all on the fast path.
RF_EXP512 static inline __m256 rf_exp8(__m256 x) {
    const __m512d inv_ln2_n = _mm512_set1_pd(RF_D(0x40471547652b82feULL)), shift = _mm512_set1_pd(RF_D(0x4338000000000000ULL));
    const __m512d c0 = _mm512_set1_pd(RF_D(0x3ebc6af84b912394ULL)), c1 = _mm512_set1_pd(RF_D(0x3f2ebfce50fac4f3ULL));
    const __m512d c2 = _mm512_set1_pd(RF_D(0x3f962e42ff0c52d6ULL)), one = _mm512_set1_pd(1.0);
    const __m512i t0 = _mm512_loadu_si512(rf_exp2f_tab), t1 = _mm512_loadu_si512(rf_exp2f_tab + 8);
    const __m512i t2 = _mm512_loadu_si512(rf_exp2f_tab + 16), t3 = _mm512_loadu_si512(rf_exp2f_tab + 24);
    const __m512d xd = _mm512_cvtps_pd(x);
    const __m512d z = _mm512_fmadd_pd(inv_ln2_n, xd, shift);
    const __m512i ki = _mm512_castpd_si512(z);
    const __m512d kd = _mm512_sub_pd(z, shift);
    const __m512d r = _mm512_fmsub_pd(inv_ln2_n, xd, kd);
    const __m512i lo = _mm512_permutex2var_epi64(t0, ki, t1), hi = _mm512_permutex2var_epi64(t2, ki, t3);
    const __mmask8 upper = _mm512_test_epi64_mask(ki, _mm512_set1_epi64(16));
    const __m512i t = _mm512_add_epi64(_mm512_mask_blend_epi64(upper, lo, hi), _mm512_slli_epi64(ki, 47));
    const __m512d p = _mm512_fmadd_pd(r, c0, c1);
    const __m512d r2 = _mm512_mul_pd(r, r);
    const __m512d q = _mm512_fmadd_pd(r, c2, one);
    const __m512d y = _mm512_mul_pd(_mm512_fmadd_pd(p, r2, q), _mm512_castsi512_pd(t));
    return _mm512_cvtpd_ps(y);
}

RF_EXP512 void rf_expf_avx512(const float *x, float *y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        // glibc's test: (bits >> 20) & 0x7ff above top12(88.0f) - 1 leaves the fast path.
        const __m256i top = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(v), 20), _mm256_set1_epi32(0x7ff));
        const int slow = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42a))));
        if (slow) {
            for (int j = 0; j < 8; j++) y[i + j] = expf(x[i + j]);
        } else {
            _mm256_storeu_ps(y + i, rf_exp8(v));
        }
    }
    for (; i < n; i++) y[i] = expf(x[i]);
}

// A sweep of the inputs attention produces (differences of scores, all <= 0, down past the underflow) and of
// positive ones: every 65,543rd float bit pattern from 0 down to -104 and from 0 up to 88 (about 35,000 values,
// a fraction of a millisecond), and the special values. (Every float from -110 to 89, 2.24 billion of them,
// was compared once against glibc 2.36's expf with no difference: scripts/reference/check_expf_avx512.c.)
// Whether rf_expf_avx512 gives expf's bits for in[0..<n] (any NaN for NaN).
static int rf_expf_agrees(const float *in, int n) {
    float out[512];
    rf_expf_avx512(in, out, n);
    for (int j = 0; j < n; j++) {
        const float e = expf(in[j]);
        if (memcmp(&e, &out[j], 4) != 0 && !(isnan(e) && isnan(out[j]))) return 0;
    }
    return 1;
}

static int rf_expf_check(void) {
    float in[512];
    int n = 0, ok = 1;
    const float specials[] = { 0.0f, -0.0f, -INFINITY, INFINITY, NAN, -87.5f, -88.0f, -103.5f, -104.0f, 88.5f, -1e-30f, 1e-30f };
    for (unsigned k = 0; k < sizeof specials / sizeof specials[0]; k++) in[n++] = specials[k];
    for (int sign = 0; sign < 2 && ok; sign++) {
        const float limit = sign ? -104.0f : 88.0f;
        for (uint32_t u = sign ? 0x80000000u : 0u; ok; u += 65543) {
            float f;
            memcpy(&f, &u, 4);
            if (sign ? f < limit : f > limit) break;
            in[n++] = f;
            if (n == 512) { ok = rf_expf_agrees(in, n); n = 0; }
        }
    }
    return ok && rf_expf_agrees(in, n);
}

int rf_expf_avx512_exact(void) {
    static _Atomic int state = -1;  // -1 unknown, 0 differs, 1 equal
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s < 0) {
        s = rf_expf_check();
        atomic_store_explicit(&state, s, memory_order_release);
    }
    return s;
}
#else
void rf_expf_avx512(const float *x, float *y, int n) { for (int i = 0; i < n; i++) y[i] = expf(x[i]); }
int rf_expf_avx512_exact(void) { return 0; }
#endif
