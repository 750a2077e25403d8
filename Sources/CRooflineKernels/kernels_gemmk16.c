// K-quant weight row × sixteen (or eight) Q8_K activation columns at once, for prefill, batched decode and
// speculative verification on AVX-512 VNNI.
//
// The columns are packed once per matmul (rf_pack_xk16): 32-bit lane c of a vector holds four bytes of column
// c, so four code bytes of a weight row, broadcast, meet the same four activation bytes of all sixteen columns in
// one vpdpbusd, with no horizontal reduction. Each column's result is computed in the arithmetic of every
// K-quant kernel (kernels_kquants_impl.h): per super-block the exact integers S = Σ scale·dot (Q6_K: of its
// offset codes) and M = Σ min·(sum of y), even and odd super-blocks into their own accumulators,
// fma(float(S), d·dy) and fma(float(M), dmin·dy), (acc_even + acc_odd) - (summ_even + summ_odd); so a
// sequence's logits do not depend on how many others share its batch. Sub-block sums are scaled with vpmulld
// (exact: |dot| < 2^17 and scales below 2^7), mins and offsets with vpdpwssd on int16 pairs.
#include "avx2_helpers.h"
#include "kernels_gemm8.h"

#ifdef RF_X86
#define RF_VNNIK __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

static inline int32_t rf_pair16(int a, int b) { return (int32_t)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16); }

#define GK_COLS 16
#define GK_BLOCK rf_xk16_block
#define GK_VI __m512i
#define GK_VF __m512
#define GK(op) _mm512_##op
#define GK_SI(op) _mm512_##op##_si512
#define GK_NAME(f) f##16_vnni
#include "kernels_gemmk_impl.h"
#undef GK_COLS
#undef GK_BLOCK
#undef GK_VI
#undef GK_VF
#undef GK
#undef GK_SI
#undef GK_NAME

#define GK_COLS 8
#define GK_BLOCK rf_xk8_block
#define GK_VI __m256i
#define GK_VF __m256
#define GK(op) _mm256_##op
#define GK_SI(op) _mm256_##op##_si256
#define GK_NAME(f) f##8_vnni
#include "kernels_gemmk_impl.h"
#endif

rf_gemmk16_fn rf_get_gemmk16(int type, int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_K: return rf_gemmk_q4_K16_vnni;
        case RF_Q6_K: return rf_gemmk_q6_K16_vnni;
        default: return 0;
        }
    }
#endif
    (void)type; (void)path;
    return 0;
}

rf_gemmk8_fn rf_get_gemmk8(int type, int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_K: return rf_gemmk_q4_K8_vnni;
        case RF_Q6_K: return rf_gemmk_q6_K8_vnni;
        default: return 0;
        }
    }
#endif
    (void)type; (void)path;
    return 0;
}

void rf_pack_xk16(int path, const void *x, size_t x_stride, int ncols, int64_t k, rf_xk16_block *out) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_pack_xk16_vnni(x, x_stride, ncols, k, out); return; }
#endif
    (void)path; (void)x; (void)x_stride; (void)ncols; (void)k; (void)out;
}

void rf_pack_xk8(int path, const void *x, size_t x_stride, int ncols, int64_t k, rf_xk8_block *out) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI) { rf_pack_xk8_vnni(x, x_stride, ncols, k, out); return; }
#endif
    (void)path; (void)x; (void)x_stride; (void)ncols; (void)k; (void)out;
}
