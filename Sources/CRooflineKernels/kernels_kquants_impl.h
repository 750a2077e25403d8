// K-quant dot products with Q8_K activations (one row, four rows and 4×4 tiles), instantiated per
// instruction set by the including file, which defines RF_KTARGET (target attribute), RF_KFN(name) (suffixes
// the name) and RF_DOTUS(u, s) (eight int32 sums of unsigned × signed byte products), as for
// kernels_rows4_impl.h. Modeled on ggml-cpu/arch/x86/quants.c (ggml_vec_dot_q*_K_q8_K, AVX2 branch), with
// one change of arrangement: the byte products of each 32-value vector are summed to int32 first
// (RF_DOTUS, so AVX-512 VNNI does them in one vpdpbusd), reduced to one sum per sub-block with horizontal
// adds, and multiplied by the integer sub-block scales. The arithmetic, shared by every K-quant kernel (these,
// and the eight-row kernels of kernels_rows8_avx512.c): per row and super-block two exact integers,
// S = Σ scale·(code·y) (Q3_K and Q6_K: their offset codes' true products) and M = Σ min·(sum of y) (zero where
// the type has no mins); even and odd super-blocks into their own accumulators, acc = fma(float(S), d·dy, acc),
// summ = fma(float(M), dmin·dy, summ); result (acc_even + acc_odd) - (summ_even + summ_odd). Integer parts equal
// the scalar reference's exactly (codes are at most 63 and |q8| <= 127, so no int16 pair sum saturates and
// |S| < 2^31); only the float accumulation order differs from it. No include guard: included once per
// instantiation.

// Sum of the eight int32 lanes.
RF_KTARGET static inline int RF_KFN(khsum_i32)(__m256i a) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1))));
}

// Eight vectors of eight int32 partial sums -> [total of p0, ..., total of p7] (32-value sub-blocks).
RF_KTARGET static inline __m256i RF_KFN(ksum8)(const __m256i *p) {
    const __m256i r0 = rf_reduce4(p[0], p[1], p[2], p[3]), r1 = rf_reduce4(p[4], p[5], p[6], p[7]);
    return _mm256_add_epi32(_mm256_permute2x128_si256(r0, r1, 0x20), _mm256_permute2x128_si256(r0, r1, 0x31));
}

// 16-value sub-blocks: vector v holds sub-block 2v in its low lane and 2v + 1 in its high lane. With the 16
// scales s (int8) the scaled sum is reduce4(p0..p3)·[s0,s2,s4,s6,s1,s3,s5,s7] + reduce4(p4..p7)·[s8,...].
RF_KTARGET static inline __m256i RF_KFN(kscaled16)(const __m256i *p, __m128i s8, int is_signed) {
    const __m128i order = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
    const __m128i r = _mm_shuffle_epi8(s8, order);
    const __m256i sa = is_signed ? _mm256_cvtepi8_epi32(r) : _mm256_cvtepu8_epi32(r);
    const __m256i sb = is_signed ? _mm256_cvtepi8_epi32(_mm_srli_si128(r, 8)) : _mm256_cvtepu8_epi32(_mm_srli_si128(r, 8));
    return _mm256_add_epi32(_mm256_mullo_epi32(rf_reduce4(p[0], p[1], p[2], p[3]), sa),
                            _mm256_mullo_epi32(rf_reduce4(p[4], p[5], p[6], p[7]), sb));
}

RF_KTARGET static inline __m256i RF_KFN(kshr16)(__m256i v, int k) { return _mm256_srl_epi16(v, _mm_cvtsi32_si128(k)); }

// Q4_K / Q5_K: 6-bit scales and mins unpacked as ggml does (utmp), sub-block j of 32 values.
RF_KTARGET static inline void RF_KFN(k4_scales)(const uint8_t *scales, __m256i *sc32, __m128i *mins16) {
    uint32_t utmp[4];
    memcpy(utmp, scales, 12);
    const uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    utmp[3] = ((utmp[2] >> 4) & kmask2) | (((utmp[1] >> 6) & kmask3) << 4);
    const uint32_t uaux = utmp[1] & kmask1;
    utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >> 6) & kmask3) << 4);
    utmp[2] = uaux;
    utmp[0] &= kmask1;
    const __m128i sm = _mm_setr_epi32((int)utmp[0], (int)utmp[1], (int)utmp[2], (int)utmp[3]);
    *sc32 = _mm256_cvtepu8_epi32(sm);
    *mins16 = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));
}

// Σ_j min_j · (sum of the 32 activations of sub-block j), from the 16 bsums.
RF_KTARGET static inline int RF_KFN(k4_minsum)(__m128i mins16, const int16_t *bsums) {
    const __m128i q8s = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)bsums), _mm_loadu_si128((const __m128i *)(bsums + 8)));
    const __m128i prod = _mm_madd_epi16(mins16, q8s);
    const __m128i s = _mm_add_epi32(prod, _mm_unpackhi_epi64(prod, prod));
    return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1))));
}

// Each type in two parts, so the tile kernel can unpack a super-block once for four activation rows:
// codes_T unpacks the 256 unsigned codes into eight vectors (vector v pairs with activations 32v..32v+31),
// fin_T applies the scales to the eight int32 dot vectors: acc += d·Σ scale·dot (8 lanes),
// *summ += dmin·Σ min·bsum (subtracted at the end). sb_T = codes, RF_DOTUS per vector, fin.
RF_KTARGET static inline void RF_KFN(codes_q4_K)(const rf_block_q4_K *x, __m256i *c) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int j = 0; j < 4; j++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * j));
        c[2 * j] = _mm256_and_si256(q, m4);
        c[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
    }
}

RF_KTARGET static inline void RF_KFN(codes_q5_K)(const rf_block_q5_K *x, __m256i *c) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const __m256i hbits = _mm256_loadu_si256((const __m256i *)x->qh);
    for (int j = 0; j < 4; j++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * j));
        const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(RF_KFN(kshr16)(hbits, 2 * j), one), 4);
        const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(RF_KFN(kshr16)(hbits, 2 * j + 1), one), 4);
        c[2 * j] = _mm256_or_si256(_mm256_and_si256(q, m4), h0);
        c[2 * j + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h1);
    }
}

// Q4_K and Q5_K: 6-bit scales and mins, 32-value sub-blocks.
#define RF_FIN_K4 \
    __m256i sc32; __m128i mins16; \
    RF_KFN(k4_scales)(x->scales, &sc32, &mins16); \
    *S = RF_KFN(khsum_i32)(_mm256_mullo_epi32(RF_KFN(ksum8)(p), sc32)); \
    *M = RF_KFN(k4_minsum)(mins16, y->bsums);
RF_KTARGET static inline void RF_KFN(fin_q4_K)(const rf_block_q4_K *x, const rf_block_q8_K *y, const __m256i *p, int *S, int *M) { RF_FIN_K4 }
RF_KTARGET static inline void RF_KFN(fin_q5_K)(const rf_block_q5_K *x, const rf_block_q8_K *y, const __m256i *p, int *S, int *M) { RF_FIN_K4 }

// Q6_K: unsigned 6-bit codes u = value + 32, so Σ s·(u - 32)·y = Σ s·u·y - 32·Σ s·bsum.
RF_KTARGET static inline void RF_KFN(codes_q6_K)(const rf_block_q6_K *x, __m256i *c) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    for (int n = 0; n < 2; n++) {
        const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * n));
        const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * n + 32));
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * n));
        c[4 * n + 0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30));
        c[4 * n + 1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
        c[4 * n + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30));
        c[4 * n + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
    }
}

RF_KTARGET static inline void RF_KFN(fin_q6_K)(const rf_block_q6_K *x, const rf_block_q8_K *y, const __m256i *p, int *S, int *M) {
    const __m128i s8 = _mm_loadu_si128((const __m128i *)x->scales);
    const __m256i off = _mm256_madd_epi16(_mm256_cvtepi8_epi16(s8), _mm256_loadu_si256((const __m256i *)y->bsums));
    *S = RF_KFN(khsum_i32)(_mm256_sub_epi32(RF_KFN(kscaled16)(p, s8, 1), _mm256_slli_epi32(off, 5)));
    *M = 0;
}

// Q2_K: 2-bit codes, 4-bit scale (low nibble) and min (high nibble) per 16 values.
RF_KTARGET static inline void RF_KFN(codes_q2_K)(const rf_block_q2_K *x, __m256i *c) {
    const __m256i m3 = _mm256_set1_epi8(3);
    for (int n = 0; n < 2; n++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * n));
        for (int j = 0; j < 4; j++) c[4 * n + j] = _mm256_and_si256(RF_KFN(kshr16)(q, 2 * j), m3);
    }
}

RF_KTARGET static inline void RF_KFN(fin_q2_K)(const rf_block_q2_K *x, const rf_block_q8_K *y, const __m256i *p, int *S, int *M) {
    const __m128i sc = _mm_loadu_si128((const __m128i *)x->scales);
    const __m128i s4 = _mm_and_si128(sc, _mm_set1_epi8(0x0F)), m4 = _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0x0F));
    *M = RF_KFN(khsum_i32)(_mm256_madd_epi16(_mm256_cvtepu8_epi16(m4), _mm256_loadu_si256((const __m256i *)y->bsums)));
    *S = RF_KFN(khsum_i32)(RF_KFN(kscaled16)(p, s4, 0));
}

// Q3_K: unsigned 3-bit codes u = lo | high << 2 = value + 4; signed 6-bit scales (ggml's aux unpacking).
RF_KTARGET static inline void RF_KFN(codes_q3_K)(const rf_block_q3_K *x, __m256i *c) {
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const __m256i hm = _mm256_loadu_si256((const __m256i *)x->hmask);
    for (int n = 0; n < 2; n++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * n));
        for (int j = 0; j < 4; j++) {
            const __m256i lo = _mm256_and_si256(RF_KFN(kshr16)(q, 2 * j), m3);
            const __m256i hi = _mm256_slli_epi16(_mm256_and_si256(RF_KFN(kshr16)(hm, 4 * n + j), one), 2);
            c[4 * n + j] = _mm256_or_si256(lo, hi);
        }
    }
}

RF_KTARGET static inline void RF_KFN(fin_q3_K)(const rf_block_q3_K *x, const rf_block_q8_K *y, const __m256i *p, int *S, int *M) {
    uint32_t aux[4];
    rf_q3_K_scales(x->scales, aux);
    const __m128i s8 = _mm_sub_epi8(_mm_setr_epi32((int)aux[0], (int)aux[1], (int)aux[2], (int)aux[3]), _mm_set1_epi8(32));
    const __m256i off = _mm256_madd_epi16(_mm256_cvtepi8_epi16(s8), _mm256_loadu_si256((const __m256i *)y->bsums));
    *S = RF_KFN(khsum_i32)(_mm256_sub_epi32(RF_KFN(kscaled16)(p, s8, 1), _mm256_slli_epi32(off, 2)));
    *M = 0;
}

// The eight int32 dot vectors of unpacked codes with one activation super-block.
RF_KTARGET static inline void RF_KFN(kdots)(const __m256i *c, const rf_block_q8_K *y, __m256i *p) {
    for (int v = 0; v < 8; v++) p[v] = RF_DOTUS(c[v], _mm256_loadu_si256((const __m256i *)(y->qs + 32 * v)));
}

#ifndef RF_KQUANT_DMIN
#define RF_KQUANT_DMIN
#include <math.h>
// The scale of a type's mins (zero for the types without).
#define RF_KDMIN_q2_K(x) h2f((x)->dmin)
#define RF_KDMIN_q3_K(x) 0.0f
#define RF_KDMIN_q4_K(x) h2f((x)->dmin)
#define RF_KDMIN_q5_K(x) h2f((x)->dmin)
#define RF_KDMIN_q6_K(x) 0.0f
#endif

// One-row, four-row and 4×4 tile kernels from a type's codes/fin pair, in the arithmetic described at the
// top: all three do the same operations for each (row, activation) pair, so rf_matmul's results do not depend
// on grouping. ACC_T adds super-block i of row x against activation y into acc[2]/summ[2].
#define RF_KQUANT_KERNELS(T, BLOCK) \
RF_KTARGET static inline void RF_KFN(acc_##T)(const BLOCK *x, const rf_block_q8_K *y, const __m256i *p, int i, float *acc, float *summ) { \
    int S, M; \
    RF_KFN(fin_##T)(x, y, p, &S, &M); \
    acc[i & 1] = fmaf((float)S, y->d * h2f(x->d), acc[i & 1]); \
    summ[i & 1] = fmaf((float)M, y->d * RF_KDMIN_##T(x), summ[i & 1]); \
} \
RF_KTARGET static inline void RF_KFN(sb_##T)(const BLOCK *x, const rf_block_q8_K *y, int i, float *acc, float *summ) { \
    __m256i c[8], p[8]; \
    RF_KFN(codes_##T)(x, c); \
    RF_KFN(kdots)(c, y, p); \
    RF_KFN(acc_##T)(x, y, p, i, acc, summ); \
} \
RF_KTARGET void RF_KFN(rf_tile4x4_##T##_q8_K)(int n, const void *vw, size_t rb, const void *vx, size_t xs, float *out, size_t os) { \
    for (int r = 0; r < 4; r++) { \
        const BLOCK *x = (const void *)((const char *)vw + r * rb); \
        float acc[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, summ[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}}; \
        for (int i = 0; i < n / RF_QK_K; i++) { \
            __m256i c[8], p[8]; \
            RF_KFN(codes_##T)(x + i, c); \
            for (int col = 0; col < 4; col++) { \
                const rf_block_q8_K *y = (const rf_block_q8_K *)((const char *)vx + col * xs) + i; \
                RF_KFN(kdots)(c, y, p); \
                RF_KFN(acc_##T)(x + i, y, p, i, acc[col], summ[col]); \
            } \
        } \
        for (int col = 0; col < 4; col++) out[col * os + r] = (acc[col][0] + acc[col][1]) - (summ[col][0] + summ[col][1]); \
    } \
} \
RF_KTARGET float RF_KFN(rf_vec_dot_##T##_q8_K)(int n, const void *vx, const void *vy) { \
    const BLOCK *x = vx; const rf_block_q8_K *y = vy; \
    float acc[2] = {0, 0}, summ[2] = {0, 0}; \
    for (int i = 0; i < n / RF_QK_K; i++) RF_KFN(sb_##T)(x + i, y + i, i, acc, summ); \
    return (acc[0] + acc[1]) - (summ[0] + summ[1]); \
} \
RF_KTARGET void RF_KFN(rf_vec_dot4_##T##_q8_K)(int n, const void *vw, size_t rb, const void *vy, float *out) { \
    const rf_block_q8_K *y = vy; \
    float acc[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, summ[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}}; \
    for (int i = 0; i < n / RF_QK_K; i++) \
        for (int r = 0; r < 4; r++) RF_KFN(sb_##T)((const BLOCK *)((const char *)vw + r * rb) + i, y + i, i, acc[r], summ[r]); \
    for (int r = 0; r < 4; r++) out[r] = (acc[r][0] + acc[r][1]) - (summ[r][0] + summ[r][1]); \
}

RF_KQUANT_KERNELS(q2_K, rf_block_q2_K)
RF_KQUANT_KERNELS(q3_K, rf_block_q3_K)
RF_KQUANT_KERNELS(q4_K, rf_block_q4_K)
RF_KQUANT_KERNELS(q5_K, rf_block_q5_K)
RF_KQUANT_KERNELS(q6_K, rf_block_q6_K)
#undef RF_KQUANT_KERNELS
#undef RF_FIN_K4
