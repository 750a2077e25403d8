// Decode attention over an F16 KV cache with AVX-512: the arithmetic of rf_attn_one_f16 with the AVX2 helpers
// (ggml's flash attention, one query: Q rounded to F16, online softmax, V accumulated in F16), bit for bit,
// restructured for speed:
// - all the scores first, four keys at a time (independent chains), each dot product summed exactly as
//   rf_vec_dot_f16_f16_avx2 sums it (a zmm register holds its two ymm accumulators side by side);
// - then the online softmax over the stored scores, a block of keys at a time: the maximum scan and all the
//   block's exps first (vectorised, bit for bit the library's expf), then the F16 accumulator, kept as F32 values
//   that are rounded to F16 after every update (cvtps2ph then cvtph2ps: the value a store and reload would
//   give), in registers when the head is 64 or 128 wide.
#include "kernels_internal.h"
#include <math.h>
// attention.c is compiled without FMA, so `S * ms + vs` is a multiply and an add there: keep it so here.
#pragma STDC FP_CONTRACT OFF
#ifdef RF_X86
#include <immintrin.h>

#define RF_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))

RF_AVX512 static inline __m512 rf_ph16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
RF_AVX512 static inline __m512 rf_round16(__m512 x) { return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT)); }

// rf_hsum_f32_8(lo + hi): the AVX2 dot product's final reduction.
RF_AVX512 static inline float rf_reduce_as_avx2(__m512 z) {
    const __m256 x = _mm256_add_ps(_mm512_castps512_ps256(z), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)));
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

// Scores q·k_s for s in 0..<n_kv (hd a multiple of 16), scaled and soft-capped.
RF_AVX512 static void rf_scores(int hd, const uint16_t *qh, const rf_kv_rows *K, int n_kv,
                                float scale, float softcap, float *att) {
    int s = 0;
    for (; s + 4 <= n_kv; s += 4) {
        const uint16_t *k0 = rf_kv_row(K, s), *k1 = rf_kv_row(K, s + 1), *k2 = rf_kv_row(K, s + 2), *k3 = rf_kv_row(K, s + 3);
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < hd; i += 16) {
            const __m512 q = rf_ph16(qh + i);
            a0 = _mm512_fmadd_ps(q, rf_ph16(k0 + i), a0);
            a1 = _mm512_fmadd_ps(q, rf_ph16(k1 + i), a1);
            a2 = _mm512_fmadd_ps(q, rf_ph16(k2 + i), a2);
            a3 = _mm512_fmadd_ps(q, rf_ph16(k3 + i), a3);
        }
        att[s] = rf_reduce_as_avx2(a0) * scale;
        att[s + 1] = rf_reduce_as_avx2(a1) * scale;
        att[s + 2] = rf_reduce_as_avx2(a2) * scale;
        att[s + 3] = rf_reduce_as_avx2(a3) * scale;
    }
    for (; s < n_kv; s++) {
        const uint16_t *ks = rf_kv_row(K, s);
        __m512 a = _mm512_setzero_ps();
        // The AVX2 kernel multiplies x·y with x the key row; FMA is commutative in its product.
        for (int i = 0; i < hd; i += 16) a = _mm512_fmadd_ps(rf_ph16(qh + i), rf_ph16(ks + i), a);
        att[s] = rf_reduce_as_avx2(a) * scale;
    }
    if (softcap != 0.0f) {
        for (s = 0; s < n_kv; s++) att[s] = softcap * tanhf(att[s]);
    }
}

// The scores of G query heads (G <= 4, hd <= 128) against the same keys, four keys at a time: each key row is
// converted from F16 once for all G heads, and each (head, key) sum is the FMA chain rf_scores runs, reduced
// in rf_reduce_as_avx2's pairing for four keys at once across registers (float addition is commutative, so the
// same pairs give the same bits). Key rows of the tail go through rf_scores. att holds G rows of n_kv.
// Faster than rf_scores per head with the keys in L2; the same in decode, where they come from DRAM
// (docs/performance.md, "Measurements behind the code").
RF_AVX512 static inline __m128 rf_reduce4_as_avx2(__m512 z0, __m512 z1, __m512 z2, __m512 z3) {
    // lanes 0-7 z0[j] + z0[j+8], lanes 8-15 the same for z1 (the 256-bit halves added)
    const __m512 x01 = _mm512_add_ps(_mm512_shuffle_f32x4(z0, z1, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_f32x4(z0, z1, _MM_SHUFFLE(3, 2, 3, 2)));
    const __m512 x23 = _mm512_add_ps(_mm512_shuffle_f32x4(z2, z3, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_f32x4(z2, z3, _MM_SHUFFLE(3, 2, 3, 2)));
    // 128-bit lane k: key k's 128-bit halves added
    const __m512 r = _mm512_add_ps(_mm512_shuffle_f32x4(x01, x23, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(x01, x23, _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512 t = _mm512_add_ps(r, _mm512_permute_ps(r, _MM_SHUFFLE(1, 0, 3, 2)));  // [r0 + r2, r1 + r3, ...]
    const __m512 u = _mm512_add_ps(t, _mm512_movehdup_ps(t));                            // element 0 of each lane
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), u));
}

// G is a constant in each instantiation (rf_scores_group), so the accumulators stay in registers. qf: G rows of
// hd query values, q_stride floats apart (the F16 path's queries converted back, or the F32 path's own).
RF_AVX512 static inline __attribute__((always_inline)) void rf_scores_gf(int hd, const int G, const float *qf, int q_stride, const rf_kv_rows *K,
                                                                         const rf_kv_rows *V, int n_kv, float scale, float softcap, float *att) {
    const __m128 sc = _mm_set1_ps(scale);
    int s = 0;
    for (; s + 4 <= n_kv; s += 4) {
        const uint16_t *k0 = rf_kv_row(K, s), *k1 = rf_kv_row(K, s + 1), *k2 = rf_kv_row(K, s + 2), *k3 = rf_kv_row(K, s + 3);
        // The K row (into L1) and the V row (into L2, read after all the scores) RF_KV_AHEAD keys on.
        if (s + RF_KV_AHEAD + 4 <= n_kv) {
            for (int r = 0; r < 4; r++) {
                const char *kr = (const char *)rf_kv_row(K, s + RF_KV_AHEAD + r), *vr = (const char *)rf_kv_row(V, s + RF_KV_AHEAD + r);
                for (int o = 0; o < 2 * hd; o += 64) { _mm_prefetch(kr + o, _MM_HINT_T0); _mm_prefetch(vr + o, _MM_HINT_T1); }
            }
        }
        __m512 a[4][4];
        for (int g = 0; g < 4; g++) for (int j = 0; j < 4; j++) a[g][j] = _mm512_setzero_ps();
        for (int i = 0; i < hd; i += 16) {
            const __m512 x0 = rf_ph16(k0 + i), x1 = rf_ph16(k1 + i);
            const __m512 x2 = rf_ph16(k2 + i), x3 = rf_ph16(k3 + i);
            for (int g = 0; g < G; g++) {
                const __m512 q = _mm512_loadu_ps(qf + (int64_t)g * q_stride + i);
                a[g][0] = _mm512_fmadd_ps(q, x0, a[g][0]);
                a[g][1] = _mm512_fmadd_ps(q, x1, a[g][1]);
                a[g][2] = _mm512_fmadd_ps(q, x2, a[g][2]);
                a[g][3] = _mm512_fmadd_ps(q, x3, a[g][3]);
            }
        }
        for (int g = 0; g < G; g++) {
            _mm_storeu_ps(att + (int64_t)g * n_kv + s, _mm_mul_ps(rf_reduce4_as_avx2(a[g][0], a[g][1], a[g][2], a[g][3]), sc));
        }
    }
    // The last keys one at a time, each sum as rf_scores forms it.
    for (; s < n_kv; s++) {
        const uint16_t *ks = rf_kv_row(K, s);
        for (int g = 0; g < G; g++) {
            __m512 a = _mm512_setzero_ps();
            for (int i = 0; i < hd; i += 16) a = _mm512_fmadd_ps(_mm512_loadu_ps(qf + (int64_t)g * q_stride + i), rf_ph16(ks + i), a);
            att[(int64_t)g * n_kv + s] = rf_reduce_as_avx2(a) * scale;
        }
    }
    if (softcap != 0.0f) {
        for (int i = 0; i < G * n_kv; i++) att[i] = softcap * tanhf(att[i]);
    }
}

RF_AVX512 static inline __attribute__((always_inline)) void rf_scores_g(int hd, const int G, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V,
                                                                        int n_kv, float scale, float softcap, float *att) {
    float qf[4 * 128];
    for (int g = 0; g < G; g++) {
        for (int i = 0; i < hd; i += 16) _mm512_storeu_ps(qf + g * hd + i, rf_ph16(qh + (int64_t)g * hd + i));
    }
    rf_scores_gf(hd, G, qf, hd, K, V, n_kv, scale, softcap, att);
}

RF_AVX512 static void rf_scores_group(int hd, int G, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                                      float scale, float softcap, float *att) {
    switch (G) {
    case 1: rf_scores_g(hd, 1, qh, K, V, n_kv, scale, softcap, att); break;
    case 2: rf_scores_g(hd, 2, qh, K, V, n_kv, scale, softcap, att); break;
    case 3: rf_scores_g(hd, 3, qh, K, V, n_kv, scale, softcap, att); break;
    default: rf_scores_g(hd, 4, qh, K, V, n_kv, scale, softcap, att); break;
    }
}

// The online softmax runs in blocks of keys. Per block, first the scalar scan: the running maximum M and, per
// key, the exponent its weight needs: a - M (then vs = exp(a - M), ms = 1), or Mold - a where a raises the
// maximum (then ms = exp(Mold - a) rescales the accumulator, vs = 1). Then all the block's exps at once
// (rf_expf_avx512, glibc's expf bit for bit, or expf itself if the once-per-process check finds otherwise), then
// the accumulation and S = S·ms + vs in key order. The values and their order are ggml's one-pass loop's; the
// exps leave the dependency chain (measured: 13.5 ns per key with expf in the loop, one head of 64, 64 keys).
#define RF_SOFTMAX_BLOCK 256

RF_AVX512 static void rf_softmax_scan(const float *att, int n, float *M, float *xs, uint8_t *raise) {
    float m = *M;
    for (int i = 0; i < n; i++) {
        const float a = att[i];
        if (a > m) { xs[i] = m - a; raise[i] = 1; m = a; }
        else { xs[i] = a - m; raise[i] = 0; }
    }
    *M = m;
    if (rf_expf_avx512_exact()) rf_expf_avx512(xs, xs, n);
    else for (int i = 0; i < n; i++) xs[i] = expf(xs[i]);
}

// Any head width that is a multiple of 16: the accumulator in memory (`acc`, hd floats).
RF_AVX512 static void rf_online_any(int hd, const rf_kv_rows *V, int n_kv, const float *att, const float *sink, float *o,
                                    float *acc) {
    for (int d = 0; d < hd; d++) acc[d] = 0.0f;
    float S = 0.0f, M = -INFINITY, e[RF_SOFTMAX_BLOCK];
    uint8_t raise[RF_SOFTMAX_BLOCK];
    for (int b = 0; b < n_kv; b += RF_SOFTMAX_BLOCK) {
        const int nb = n_kv - b < RF_SOFTMAX_BLOCK ? n_kv - b : RF_SOFTMAX_BLOCK;
        rf_softmax_scan(att + b, nb, &M, e, raise);
        for (int i = 0; i < nb; i++) {
            float ms = 1.0f, vs = 1.0f;
            if (raise[i]) {
                ms = e[i];
                const __m512 m = _mm512_set1_ps(ms);
                for (int d = 0; d < hd; d += 16) _mm512_storeu_ps(acc + d, rf_round16(_mm512_mul_ps(_mm512_loadu_ps(acc + d), m)));
            } else {
                vs = e[i];
            }
            const uint16_t *vr = rf_kv_row(V, b + i);
            const __m512 vv = _mm512_set1_ps(vs);
            for (int d = 0; d < hd; d += 16) {
                _mm512_storeu_ps(acc + d, rf_round16(_mm512_fmadd_ps(rf_ph16(vr + d), vv, _mm512_loadu_ps(acc + d))));
            }
            S = S * ms + vs;
        }
    }
    const __m512 fin = _mm512_set1_ps(rf_attn_sink(sink, M, &S));
    const __m512 inv = _mm512_set1_ps(S == 0.0f ? 0.0f : 1.0f / S);
    for (int d = 0; d < hd; d += 16) _mm512_storeu_ps(o + d, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(acc + d), fin), inv));
}

// The F16 accumulation for G heads of W×16 values that share one KV head, accumulators in registers: each
// head's softmax as alone, then one pass over the value rows that updates all G accumulators (each V row
// converted once; G independent rounding chains where one head alone waits on its own: fma, cvtps2ph, cvtph2ps
// per key). Each head's bits are what it gets alone (G = 1).
#define RF_ONLINE_GROUP(W, G)                                                                                 \
    RF_AVX512 static void rf_online_group_##W##_##G(const rf_kv_rows *V, int n_kv, const float *att, \
                                                    const float *sinks, float *o, int o_stride) {              \
        __m512 acc[G][W];                                                                                     \
        for (int g = 0; g < G; g++) for (int w = 0; w < W; w++) acc[g][w] = _mm512_setzero_ps();              \
        float S[G], M[G], e[G][RF_SOFTMAX_BLOCK];                                                             \
        uint8_t raise[G][RF_SOFTMAX_BLOCK];                                                                   \
        for (int g = 0; g < G; g++) { S[g] = 0.0f; M[g] = -INFINITY; }                                        \
        for (int b = 0; b < n_kv; b += RF_SOFTMAX_BLOCK) {                                                    \
            const int nb = n_kv - b < RF_SOFTMAX_BLOCK ? n_kv - b : RF_SOFTMAX_BLOCK;                         \
            for (int g = 0; g < G; g++) rf_softmax_scan(att + (int64_t)g * n_kv + b, nb, &M[g], e[g], raise[g]); \
            for (int i = 0; i < nb; i++) {                                                                    \
                const uint16_t *vr = rf_kv_row(V, b + i);                                        \
                __m512 vf[W];                                                                                 \
                for (int w = 0; w < W; w++) vf[w] = rf_ph16(vr + 16 * w);                                     \
                for (int g = 0; g < G; g++) {                                                                 \
                    float ms = 1.0f, vs = 1.0f;                                                               \
                    if (raise[g][i]) {                                                                        \
                        ms = e[g][i];                                                                         \
                        const __m512 m = _mm512_set1_ps(ms);                                                  \
                        for (int w = 0; w < W; w++) acc[g][w] = rf_round16(_mm512_mul_ps(acc[g][w], m));     \
                    } else {                                                                                  \
                        vs = e[g][i];                                                                         \
                    }                                                                                         \
                    const __m512 vv = _mm512_set1_ps(vs);                                                     \
                    for (int w = 0; w < W; w++) acc[g][w] = rf_round16(_mm512_fmadd_ps(vf[w], vv, acc[g][w])); \
                    S[g] = S[g] * ms + vs;                                                                    \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
        for (int g = 0; g < G; g++) {                                                                         \
            const __m512 fin = _mm512_set1_ps(rf_attn_sink(sinks ? sinks + g : 0, M[g], &S[g]));               \
            const __m512 inv = _mm512_set1_ps(S[g] == 0.0f ? 0.0f : 1.0f / S[g]);                             \
            for (int w = 0; w < W; w++) _mm512_storeu_ps(o + (int64_t)g * o_stride + 16 * w, _mm512_mul_ps(_mm512_mul_ps(acc[g][w], fin), inv)); \
        }                                                                                                     \
    }
RF_ONLINE_GROUP(4, 1)
RF_ONLINE_GROUP(8, 1)
RF_ONLINE_GROUP(4, 2)
RF_ONLINE_GROUP(4, 3)
RF_ONLINE_GROUP(4, 4)
RF_ONLINE_GROUP(8, 2)

int rf_attn_group_f16_avx512(int hd, int G, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att) {
    if (!((hd == 64 && G >= 2 && G <= 4) || (hd == 128 && G == 2))) return 0;
    rf_scores_group(hd, G, qh, K, V, n_kv, scale, softcap, att);
    if (hd == 128) rf_online_group_8_2(V, n_kv, att, sinks, o, o_stride);
    else if (G == 2) rf_online_group_4_2(V, n_kv, att, sinks, o, o_stride);
    else if (G == 3) rf_online_group_4_3(V, n_kv, att, sinks, o, o_stride);
    else rf_online_group_4_4(V, n_kv, att, sinks, o, o_stride);
    return 1;
}

int rf_attn_one_f16_avx512(int hd, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                           float scale, float softcap, const float *sink, float *o, float *att, float *acc) {
    if (hd % 16 != 0) return 0;
    if (rf_attn_scores_grouped(hd)) rf_scores_group(hd, 1, qh, K, V, n_kv, scale, softcap, att);
    else rf_scores(hd, qh, K, n_kv, scale, softcap, att);
    if (hd == 64) rf_online_group_4_1(V, n_kv, att, sink, o, hd);
    else if (hd == 128) rf_online_group_8_1(V, n_kv, att, sink, o, hd);
    else rf_online_any(hd, V, n_kv, att, sink, o, acc);
    return 1;
}
// The tiled F32 path (64 or more queries: rf_attn_one_f32 with the AVX2 helpers) for G heads of one query that
// share a KV head, bit for bit: the same sums per score (rf_scores_gf), the maximum, the exps (glibc's expf, or
// rf_expf_avx512 where the once-per-process check says it is the same), each head's sum of them in key order,
// and the values accumulated in key order with one FMA per element, here in registers for all G heads at once
// (each value row converted once) instead of through memory for each head.
#define RF_F32_GROUP(W, G)                                                                                    \
    RF_AVX512 static void rf_f32_group_##W##_##G(const float *q, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv, \
                                                 float scale, float softcap, const float *sinks, float *o, int o_stride, float *att) { \
        rf_scores_gf(16 * W, G, q, 16 * W, K, V, n_kv, scale, softcap, att);                       \
        float S[G], M[G];                                                                                     \
        for (int g = 0; g < G; g++) {                                                                         \
            float *a = att + (int64_t)g * n_kv;                                                               \
            __m512 mv = _mm512_set1_ps(-INFINITY);                                                            \
            int s = 0;                                                                                        \
            for (; s + 16 <= n_kv; s += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(a + s));                  \
            float mx = _mm512_reduce_max_ps(mv);                                                              \
            for (; s < n_kv; s++) if (a[s] > mx) mx = a[s];                                                   \
            M[g] = mx;                                                                                        \
            const __m512 m = _mm512_set1_ps(mx);                                                              \
            for (s = 0; s + 16 <= n_kv; s += 16) _mm512_storeu_ps(a + s, _mm512_sub_ps(_mm512_loadu_ps(a + s), m)); \
            for (; s < n_kv; s++) a[s] = a[s] - mx;                                                           \
            if (rf_expf_avx512_exact()) rf_expf_avx512(a, a, n_kv);                                           \
            else for (s = 0; s < n_kv; s++) a[s] = expf(a[s]);                                                \
            S[g] = 0.0f;                                                                                      \
        }                                                                                                     \
        for (int s = 0; s < n_kv; s++) for (int g = 0; g < G; g++) S[g] += att[(int64_t)g * n_kv + s];       \
        __m512 acc[G][W];                                                                                     \
        for (int g = 0; g < G; g++) for (int w = 0; w < W; w++) acc[g][w] = _mm512_setzero_ps();              \
        for (int s = 0; s < n_kv; s++) {                                                                      \
            const uint16_t *vr = rf_kv_row(V, s);                                                  \
            __m512 vf[W];                                                                                     \
            for (int w = 0; w < W; w++) vf[w] = rf_ph16(vr + 16 * w);                                         \
            for (int g = 0; g < G; g++) {                                                                     \
                const __m512 ww = _mm512_set1_ps(att[(int64_t)g * n_kv + s]);                                 \
                for (int w = 0; w < W; w++) acc[g][w] = _mm512_fmadd_ps(vf[w], ww, acc[g][w]);                \
            }                                                                                                 \
        }                                                                                                     \
        for (int g = 0; g < G; g++) {                                                                         \
            const float fin = rf_attn_sink(sinks ? sinks + g : 0, M[g], &S[g]);                                \
            const __m512 inv = _mm512_set1_ps(1.0f / S[g]);                                                   \
            for (int w = 0; w < W; w++) {                                                                     \
                __m512 x = acc[g][w];                                                                         \
                if (fin != 1.0f) x = _mm512_mul_ps(x, _mm512_set1_ps(fin));                                   \
                _mm512_storeu_ps(o + (int64_t)g * o_stride + 16 * w, _mm512_mul_ps(x, inv));                  \
            }                                                                                                 \
        }                                                                                                     \
    }
RF_F32_GROUP(4, 1)
RF_F32_GROUP(4, 2)
RF_F32_GROUP(4, 3)
RF_F32_GROUP(4, 4)
RF_F32_GROUP(8, 1)
RF_F32_GROUP(8, 2)
RF_F32_GROUP(16, 1)

int rf_attn_group_f32_avx512(int hd, int G, const float *q, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att) {
    if (hd == 64) {
        switch (G) {
        case 1: rf_f32_group_4_1(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att); return 1;
        case 2: rf_f32_group_4_2(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att); return 1;
        case 3: rf_f32_group_4_3(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att); return 1;
        case 4: rf_f32_group_4_4(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att); return 1;
        default: return 0;
        }
    }
    if (hd == 128 && G <= 2) {
        if (G == 1) rf_f32_group_8_1(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att);
        else rf_f32_group_8_2(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att);
        return 1;
    }
    if (hd == 256 && G == 1) {  // Gemma 3: one head at a time (its accumulator alone fills 16 registers)
        rf_f32_group_16_1(q, K, V, n_kv, scale, softcap, sinks, o, o_stride, att);
        return 1;
    }
    return 0;
}
#else
int rf_attn_group_f32_avx512(int hd, int G, const float *q, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att) {
    (void)hd; (void)G; (void)q; (void)K; (void)V; (void)n_kv; (void)scale; (void)softcap; (void)sinks; (void)o; (void)o_stride; (void)att;
    return 0;
}
int rf_attn_group_f16_avx512(int hd, int G, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                             float scale, float softcap, const float *sinks, float *o, int o_stride, float *att) {
    (void)hd; (void)G; (void)qh; (void)K; (void)V; (void)n_kv; (void)scale; (void)softcap; (void)sinks; (void)o; (void)o_stride; (void)att;
    return 0;
}
int rf_attn_one_f16_avx512(int hd, const uint16_t *qh, const rf_kv_rows *K, const rf_kv_rows *V, int n_kv,
                           float scale, float softcap, const float *sink, float *o, float *att, float *acc) {
    (void)hd; (void)qh; (void)K; (void)V; (void)n_kv; (void)scale; (void)softcap; (void)sink; (void)o; (void)att; (void)acc;
    return 0;
}
#endif
