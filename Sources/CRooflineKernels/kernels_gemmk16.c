// K-quant weight row × sixteen Q8_K activation columns at once, for prefill and batched decode on AVX-512 VNNI.
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

RF_VNNIK static void rf_pack_xk16_vnni(const void *x, size_t x_stride, int ncols, int64_t k, rf_xk16_block *out) {
    for (int64_t i = 0; i < k / RF_QK_K; i++) {
        rf_xk16_block *o = &out[i];
        for (int c = 0; c < 16; c++) {
            if (c >= ncols) {
                for (int j = 0; j < 64; j++) memset(o->q[j][c], 0, 4);
                o->d[c] = 0;
                for (int p = 0; p < 4; p++) o->bs32[p][c] = 0;
                for (int p = 0; p < 8; p++) o->bs16[p][c] = 0;
                continue;
            }
            const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)x + c * x_stride) + i;
            for (int j = 0; j < 64; j++) memcpy(o->q[j][c], y->qs + 4 * j, 4);
            o->d[c] = y->d;
            for (int p = 0; p < 4; p++) {
                const int lo = y->bsums[4 * p] + y->bsums[4 * p + 1], hi = y->bsums[4 * p + 2] + y->bsums[4 * p + 3];
                o->bs32[p][c] = (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16);
            }
            for (int p = 0; p < 8; p++)
                o->bs16[p][c] = (int32_t)((uint32_t)(uint16_t)y->bsums[2 * p] | (uint32_t)(uint16_t)y->bsums[2 * p + 1] << 16);
        }
    }
}

RF_VNNIK static inline void rf_storek16(float *out, size_t out_stride, __m512 v) {
    float tmp[16];
    _mm512_storeu_ps(tmp, v);
    for (int c = 0; c < 16; c++) out[c * out_stride] = tmp[c];
}

static inline int32_t rf_pair16(int a, int b) { return (int32_t)((uint32_t)(uint16_t)a | (uint32_t)(uint16_t)b << 16); }

// Q4_K: sub-block 2k is the low nibbles of code bytes 32k..32k+31, 2k + 1 their high nibbles.
RF_VNNIK static void rf_gemmk16_q4_K_vnni(int n, const void *vw, const rf_xk16_block *x, float *out, size_t out_stride) {
    const rf_block_q4_K *w = vw;
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()}, summ[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i < n / RF_QK_K; i++) {
        const rf_block_q4_K *b = &w[i];
        const __m512i *q = (const __m512i *)x[i].q;
        const uint8_t *sq = b->scales;
        int sc[8], mn[8];
        for (int j = 0; j < 4; j++) { sc[j] = sq[j] & 63; mn[j] = sq[j + 4] & 63; }
        for (int j = 4; j < 8; j++) { sc[j] = (sq[j + 4] & 0xF) | ((sq[j - 4] >> 6) << 4); mn[j] = (sq[j + 4] >> 4) | ((sq[j] >> 6) << 4); }
        __m512i S = _mm512_setzero_si512();
        for (int kk = 0; kk < 4; kk++) {
            __m512i pe = _mm512_setzero_si512(), po = _mm512_setzero_si512();
            for (int t = 0; t < 8; t++) {
                int32_t word;
                memcpy(&word, b->qs + 32 * kk + 4 * t, 4);
                const __m512i bw = _mm512_set1_epi32(word);
                pe = _mm512_dpbusd_epi32(pe, _mm512_and_si512(bw, m4), _mm512_loadu_si512(q + 16 * kk + t));
                po = _mm512_dpbusd_epi32(po, _mm512_and_si512(_mm512_srli_epi16(bw, 4), m4), _mm512_loadu_si512(q + 16 * kk + 8 + t));
            }
            S = _mm512_add_epi32(S, _mm512_add_epi32(_mm512_mullo_epi32(pe, _mm512_set1_epi32(sc[2 * kk])),
                                                     _mm512_mullo_epi32(po, _mm512_set1_epi32(sc[2 * kk + 1]))));
        }
        __m512i M = _mm512_setzero_si512();
        for (int p = 0; p < 4; p++) M = _mm512_dpwssd_epi32(M, _mm512_loadu_si512(x[i].bs32[p]), _mm512_set1_epi32(rf_pair16(mn[2 * p], mn[2 * p + 1])));
        const __m512 dy = _mm512_loadu_ps(x[i].d);
        acc[i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(S), _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(b->d)), dy), acc[i & 1]);
        summ[i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(M), _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(b->dmin)), dy), summ[i & 1]);
    }
    rf_storek16(out, out_stride, _mm512_sub_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(summ[0], summ[1])));
}

// Q6_K: the 256 unsigned 6-bit codes unpacked once per super-block (element order, as ggml's dequantizer
// places them), then each 16-value sub-block's four words against the columns; the offset 32·Σ scale·bsum16.
RF_VNNIK static void rf_gemmk16_q6_K_vnni(int n, const void *vw, const rf_xk16_block *x, float *out, size_t out_stride) {
    const rf_block_q6_K *w = vw;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int i = 0; i < n / RF_QK_K; i++) {
        const rf_block_q6_K *b = &w[i];
        const __m512i *q = (const __m512i *)x[i].q;
        int32_t codes[64];
        for (int h = 0; h < 2; h++) {
            const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(b->ql + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(b->qh + 32 * h));
            __m256i *c = (__m256i *)(codes + 32 * h);
            _mm256_storeu_si256(c, _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30)));
            _mm256_storeu_si256(c + 1, _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)));
            _mm256_storeu_si256(c + 2, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30)));
            _mm256_storeu_si256(c + 3, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30)));
        }
        __m512i S = _mm512_setzero_si512();
        for (int s = 0; s < 16; s++) {
            __m512i p = _mm512_setzero_si512();
            for (int t = 0; t < 4; t++) p = _mm512_dpbusd_epi32(p, _mm512_set1_epi32(codes[4 * s + t]), _mm512_loadu_si512(q + 4 * s + t));
            S = _mm512_add_epi32(S, _mm512_mullo_epi32(p, _mm512_set1_epi32(b->scales[s])));
        }
        __m512i off = _mm512_setzero_si512();
        for (int p = 0; p < 8; p++) off = _mm512_dpwssd_epi32(off, _mm512_loadu_si512(x[i].bs16[p]), _mm512_set1_epi32(rf_pair16(b->scales[2 * p], b->scales[2 * p + 1])));
        S = _mm512_sub_epi32(S, _mm512_slli_epi32(off, 5));
        acc[i & 1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(S), _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(b->d)), _mm512_loadu_ps(x[i].d)), acc[i & 1]);
    }
    rf_storek16(out, out_stride, _mm512_sub_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_setzero_ps()));
}
#endif

rf_gemmk16_fn rf_get_gemmk16(int type, int path) {
#ifdef RF_X86
    if (path >= RF_PATH_AVX512VNNI && rf_cpu_best_path() >= RF_PATH_AVX512VNNI) {
        switch (type) {
        case RF_Q4_K: return rf_gemmk16_q4_K_vnni;
        case RF_Q6_K: return rf_gemmk16_q6_K_vnni;
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
